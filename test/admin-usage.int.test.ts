import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUsageService } from '../src/access/usage-service.ts';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

type KeyUsage = {
  keyId: string;
  keyName: string;
  removed: boolean;
  lastUsedAt: string | null;
  requests: number;
  byStatus: Record<string, number>;
  series: { at: string; requests: number; errors: number }[];
};
type Usage = { from: string; to: string; clamped: boolean; keys: KeyUsage[] };

describe('usage of the public API: counting and GET /admin/api/usage', () => {
  let t: TestServer;
  let admin: AdminClient;
  let dsId: string;
  let unboundId: string;
  let main: { id: string; key: string };
  let limited: { id: string; key: string };
  let idle: { id: string; key: string };

  const read = (key: string | undefined, path: string) =>
    t.server.app.inject({ method: 'GET', url: path, headers: key === undefined ? {} : { apikey: key } });
  const usage = async (hours = 24) => admin.ok<Usage>('GET', `/admin/api/usage?hours=${hours}`);
  const of = (u: Usage, id: string) => u.keys.find((k) => k.keyId === id)!;
  const storedTotal = async () => {
    const rows = await t.modules.store.db.selectFrom('usageMinutes').select(['keyId', 'count']).execute();
    return rows.reduce((n, r) => n + Number(r.count), 0);
  };

  before(async () => {
    t = await startTestServer();
    const { catalog, access } = t.modules;
    dsId = (await catalog.datasets.importFile(t.tenant.id, { file: t.file('a.csv', 'a,b\n1,x\n2,y\n'), name: 'A' })).id;
    unboundId = (await catalog.datasets.importFile(t.tenant.id, { file: t.file('u.csv', 'a\n1\n'), name: 'U' })).id;
    main = await access.keys.create(t.tenant.id, { name: 'main' });
    limited = await access.keys.create(t.tenant.id, { name: 'limited', rateLimit: 3 });
    idle = await access.keys.create(t.tenant.id, { name: 'idle' });
    for (const k of [main, limited, idle]) await access.keys.bind(t.tenant.id, k.id, 'dataset', dsId);
    await t.server.refresh();
    admin = await signedInAdmin(t);
  });
  after(() => t.close());

  it('counts every answer to a valid key by status, also before the counts are written', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await read(main.key, `/api/dataset/${dsId}`)).statusCode);
    statuses.push((await read(main.key, '/api/dataset/no-such-dataset')).statusCode);
    statuses.push((await read(main.key, `/api/dataset/${unboundId}`)).statusCode);
    statuses.push((await read(main.key, `/api/dataset/${dsId}?nope=1`)).statusCode);
    for (let i = 0; i < 4; i++) statuses.push((await read(limited.key, `/api/dataset/${dsId}`)).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 404, 403, 400, 200, 200, 200, 429]);
    // No key, a wrong key, no such route: no key to count them for.
    assert.equal((await read(undefined, `/api/dataset/${dsId}`)).statusCode, 401);
    assert.equal((await read('dgk_' + '0'.repeat(40), `/api/dataset/${dsId}`)).statusCode, 401);
    assert.equal((await read(main.key, '/api/nothing-here')).statusCode, 404);

    const expected = { main: { 200: 3, 400: 1, 403: 1, 404: 1 }, limited: { 200: 3, 429: 1 } };
    const check = (u: Usage) => {
      assert.deepEqual(of(u, main.id).byStatus, expected.main);
      assert.equal(of(u, main.id).requests, 6);
      assert.deepEqual(of(u, limited.id).byStatus, expected.limited);
      assert.equal(of(u, limited.id).requests, 4);
      for (const k of u.keys) {
        assert.equal(k.series.length, 24);
        assert.equal(
          k.series.reduce((n, p) => n + p.requests, 0),
          k.requests,
        );
        const errors = Object.entries(k.byStatus).reduce((n, [s, c]) => n + (Number(s) >= 400 ? c : 0), 0);
        assert.equal(
          k.series.reduce((n, p) => n + p.errors, 0),
          errors,
        );
      }
    };
    // Unwritten yet: this node reports what it holds in memory, last use included.
    assert.equal(await storedTotal(), 0);
    const unwritten = await usage();
    check(unwritten);
    const seen = of(unwritten, main.id).lastUsedAt;
    assert.ok(seen !== null && Date.now() - Date.parse(seen) < 60_000, `last used shows before it is written: ${seen}`);
    assert.equal(of(unwritten, idle.id).lastUsedAt, null);
    const listed = (await admin.ok('GET', '/admin/api/keys')).keys as Array<{ id: string; lastUsedAt: string | null }>;
    assert.equal(listed.find((k) => k.id === main.id)!.lastUsedAt, seen, 'the key list shows the same last use');

    await t.server.flushNow();
    assert.equal(await storedTotal(), 10);
    const written = await usage();
    check(written);
    assert.ok(of(written, main.id).lastUsedAt, 'a used key has a last-used time');
    assert.equal(of(written, idle.id).lastUsedAt, null);
  });

  it('adds each flush to the counts already written', async () => {
    const before_ = of(await usage(), main.id).byStatus['200'];
    for (let i = 0; i < 2; i++) assert.equal((await read(main.key, `/api/dataset/${dsId}`)).statusCode, 200);
    await t.server.flushNow();
    const stored = await storedTotal();
    for (let i = 0; i < 3; i++) assert.equal((await read(main.key, `/api/dataset/${dsId}`)).statusCode, 200);
    await t.server.flushNow();
    assert.equal(await storedTotal(), stored + 3);
    assert.equal(of(await usage(), main.id).byStatus['200'], before_ + 5);
  });

  it('adds the counts of several nodes for the same key, minute and status into one row', async () => {
    // Two server processes' counters on this database, at a fixed minute long past.
    const at = Date.UTC(2026, 0, 1, 12, 30);
    const nodes = [
      createUsageService({ store: t.modules.store, clock: { now: () => at } }),
      createUsageService({ store: t.modules.store, clock: { now: () => at } }),
    ];
    for (const [i, node] of nodes.entries()) {
      for (let n = 0; n <= i; n++) node.count(t.tenant.id, idle.id, 200);
      assert.equal((await node.flush()).written, 1);
    }
    nodes[0].count(t.tenant.id, idle.id, 200);
    await nodes[0].flush();
    const rows = await t.modules.store.db.selectFrom('usageMinutes').selectAll().where('keyId', '=', idle.id).execute();
    assert.deepEqual(
      rows.map((r) => [r.tenantId, Number(r.minute), r.status, Number(r.count)]),
      [[t.tenant.id, at / 60_000, 200, 4]],
    );
    await t.modules.store.db.deleteFrom('usageMinutes').where('keyId', '=', idle.id).execute();
  });

  it('counts the switch-off 403 for the key', async () => {
    const before_ = of(await usage(), idle.id).byStatus['403'] ?? 0;
    await t.modules.access.tenants.setPublicApi(t.tenant.id, false);
    await t.server.refresh();
    try {
      assert.equal((await read(idle.key, `/api/dataset/${dsId}`)).statusCode, 403);
    } finally {
      await t.modules.access.tenants.setPublicApi(t.tenant.id, true);
      await t.server.refresh();
    }
    assert.equal(of(await usage(), idle.id).byStatus['403'], before_ + 1);
  });

  it('lists every key of the tenant, a key without traffic with zeros for every hour', async () => {
    const other = await t.modules.access.keys.create(t.tenant.id, { name: 'new' });
    const u = await usage();
    assert.deepEqual(u.keys.map((k) => k.keyName).sort(), ['idle', 'limited', 'main', 'new']);
    const k = of(u, other.id);
    assert.deepEqual([k.requests, k.byStatus, k.lastUsedAt], [0, {}, null]);
    assert.equal(k.series.length, 24);
    assert.ok(k.series.every((p) => p.requests === 0 && p.errors === 0));
    // Hours, oldest first, one apart, the last one the current hour; from is the first.
    const at = k.series.map((p) => Date.parse(p.at));
    assert.ok(at.every((v, i) => i === 0 || v - at[i - 1] === 3_600_000));
    assert.equal(at[0], Date.parse(u.from));
    assert.equal(at.at(-1), Math.floor(Date.parse(u.to) / 3_600_000) * 3_600_000);
    // The longest window.
    const month = await usage(720);
    assert.equal(of(month, other.id).series.length, 720);
    assert.equal(of(month, main.id).requests, of(u, main.id).requests);
    // A removed key leaves the report.
    await admin.ok('DELETE', `/admin/api/keys/${other.id}`);
    assert.equal(
      (await usage()).keys.some((x) => x.keyId === other.id),
      false,
    );
  });

  it(
    "keeps a removed key's usage under its name, marked removed, whether removed by the admin API or the command " +
      'line',
    async () => {
      const total = (u: Usage) => u.keys.reduce((n, k) => n + k.requests, 0);
      const byApi = await t.modules.access.keys.create(t.tenant.id, { name: 'gone by api' });
      const byCli = await t.modules.access.keys.create(t.tenant.id, { name: 'gone by cli' });
      for (const k of [byApi, byCli]) await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId);
      await t.server.refresh();
      for (let i = 0; i < 5; i++) assert.equal((await read(byApi.key, `/api/dataset/${dsId}`)).statusCode, 200);
      assert.equal((await read(byApi.key, `/api/dataset/${unboundId}`)).statusCode, 403);
      // Two written, one still in this node's memory when the key goes.
      for (let i = 0; i < 2; i++) assert.equal((await read(byCli.key, `/api/dataset/${dsId}`)).statusCode, 200);
      await t.server.flushNow();
      assert.equal((await read(byCli.key, `/api/dataset/${dsId}`)).statusCode, 200);
      const before_ = await usage();
      const month = await usage(720);
      assert.equal(of(before_, byApi.id).removed, false);

      await admin.ok('DELETE', `/admin/api/keys/${byApi.id}`);
      // What `datagate key remove` calls.
      await t.modules.access.keys.remove(t.tenant.id, byCli.id);
      await t.server.refresh();
      assert.equal((await read(byApi.key, `/api/dataset/${dsId}`)).statusCode, 401, 'the removed key is refused');

      for (const flushed of [false, true]) {
        if (flushed) await t.server.flushNow();
        const after_ = await usage();
        assert.equal(total(after_), total(before_), `totals unchanged after removal (flushed: ${flushed})`);
        assert.equal(total(await usage(720)), total(month));
        const api = of(after_, byApi.id);
        assert.deepEqual(
          [api.keyName, api.removed, api.requests, api.byStatus],
          ['gone by api', true, 6, { 200: 5, 403: 1 }],
        );
        assert.ok(api.lastUsedAt, 'the last use stays');
        const cli = of(after_, byCli.id);
        assert.deepEqual([cli.keyName, cli.removed, cli.requests], ['gone by cli', true, 3]);
        for (const k of after_.keys)
          if (k.keyId !== byApi.id && k.keyId !== byCli.id) assert.equal(k.removed, false, k.keyName);
      }
      // Not in the key list, and a key's usage is never shown to another tenant.
      const listed = (await admin.ok('GET', '/admin/api/keys')).keys as Array<{ id: string }>;
      assert.equal(
        listed.some((k) => k.id === byApi.id || k.id === byCli.id),
        false,
      );
      const stranger = await signedInAdmin(t, { tenantSlug: 'other' });
      const theirs = await stranger.ok<Usage>('GET', '/admin/api/usage?hours=720');
      assert.ok(!JSON.stringify(theirs).includes(byApi.id) && !JSON.stringify(theirs).includes('gone by'));
    },
  );

  it("shows another tenant's admin only that tenant's keys", async () => {
    const stranger = await signedInAdmin(t, { tenantSlug: 'other' });
    const tenantId = stranger.tenantId;
    const theirs = await t.modules.access.keys.create(tenantId, { name: 'theirs' });
    const u = await stranger.ok<Usage>('GET', '/admin/api/usage');
    assert.deepEqual(
      u.keys.map((k) => [k.keyId, k.requests]),
      [[theirs.id, 0]],
    );
    assert.ok(!JSON.stringify(u).includes(main.id));
  });

  it('refuses a window outside 1 to 720 hours with 400 naming hours', async () => {
    for (const hours of ['0', '721', 'abc', '1.5', '-3']) {
      const res = await admin.call('GET', `/admin/api/usage?hours=${hours}`);
      assert.equal(res.statusCode, 400, hours);
      const e = res.json().error;
      assert.equal(e.code, 'INVALID_INPUT');
      assert.match(e.message, /hours/);
    }
    assert.equal((await usage(1)).keys[0].series.length, 1);
  });

  describe('a chosen range (from/to) and the CSV download', () => {
    const HOUR = 3_600_000;
    const DAY = 24 * HOUR;
    let ranged: { id: string; key: string };
    // Three days ago at a whole minute: a 200 and two 404s, written as a flush would.
    const past = Math.floor((Date.now() - 3 * DAY) / 60_000) * 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const q = (from: number, to?: number) =>
      `from=${encodeURIComponent(iso(from))}${to === undefined ? '' : `&to=${encodeURIComponent(iso(to))}`}`;

    before(async () => {
      ranged = await t.modules.access.keys.create(t.tenant.id, { name: 'Ranged, "quoted"' });
      await t.modules.store.db
        .insertInto('usageMinutes')
        .values([
          { tenantId: t.tenant.id, keyId: ranged.id, minute: past / 60_000, status: 200, count: 1 },
          { tenantId: t.tenant.id, keyId: ranged.id, minute: past / 60_000, status: 404, count: 2 },
        ])
        .execute();
    });

    it('counts only the requests inside the range, per key and status, one point per hour', async () => {
      const around = await admin.ok<Usage>('GET', `/admin/api/usage?${q(past - HOUR, past + HOUR)}`);
      const k = of(around, ranged.id);
      assert.deepEqual([k.requests, k.byStatus], [3, { 200: 1, 404: 2 }]);
      assert.equal(around.from, iso(past - HOUR));
      assert.equal(around.to, iso(past + HOUR));
      assert.equal(around.clamped, false);
      // 12:34 to 14:34 touches three hours.
      assert.equal(k.series.length, past % HOUR === 0 ? 2 : 3);
      assert.equal(k.series.find((p) => p.requests > 0)?.at, iso(Math.floor(past / HOUR) * HOUR));
      assert.equal(
        k.series.reduce((n, p) => n + p.errors, 0),
        2,
      );
      // The recent requests of the other keys are outside it.
      assert.equal(of(around, main.id).requests, 0);
      // A range that ends at the minute of the requests leaves them out; one that starts there takes them.
      assert.equal(of(await admin.ok<Usage>('GET', `/admin/api/usage?${q(past - HOUR, past)}`), ranged.id).requests, 0);
      assert.equal(
        of(await admin.ok<Usage>('GET', `/admin/api/usage?${q(past, past + 60_000)}`), ranged.id).requests,
        3,
      );
      // From alone runs to now: the recent requests too, as many as the last 24 hours hold.
      const since = await admin.ok<Usage>('GET', `/admin/api/usage?${q(past - HOUR)}`);
      assert.equal(of(since, ranged.id).requests, 3);
      assert.equal(of(since, main.id).requests, of(await usage(), main.id).requests);
      assert.ok(Date.now() - Date.parse(since.to) < 60_000, since.to);
    });

    it('moves a from older than the 30 days kept up to the oldest kept minute, and says so', async () => {
      const before_ = Date.now();
      const u = await admin.ok<Usage>('GET', `/admin/api/usage?${q(before_ - 60 * DAY)}`);
      assert.equal(u.clamped, true);
      const from = Date.parse(u.from);
      assert.ok(from >= before_ - 30 * DAY - 60_000 && from <= Date.now() - 30 * DAY + 60_000, u.from);
      assert.equal(of(u, ranged.id).requests, 3);
      assert.equal(of(u, ranged.id).series.length >= 720, true);
    });

    it('refuses a bad, reversed or out-of-retention range with 400 naming the parameter', async () => {
      const now = Date.now();
      const cases: [string, RegExp][] = [
        ['from=yesterday', /^from: /],
        ['from=2026-02-30', /^from: /],
        [`${q(now - DAY)}&to=soon`, /^to: /],
        [q(now - HOUR, now - 2 * HOUR), /^from: .*not before to/],
        [q(now - HOUR, now - HOUR), /^from: .*not before to/],
        [q(now + DAY), /^from: .*future/],
        [`to=${encodeURIComponent(iso(now))}`, /^from: required/],
        [`hours=24&${q(now - HOUR)}`, /^hours: /],
        [q(now - 90 * DAY, now - 60 * DAY), /^to: .*oldest kept/],
        [`from=${'9'.repeat(80)}`, /from/],
      ];
      for (const [query, message] of cases) {
        for (const path of ['/admin/api/usage', '/admin/api/usage.csv']) {
          const res = await admin.call('GET', `${path}?${query}`);
          assert.equal(res.statusCode, 400, `${path}?${query}`);
          const e = res.json().error;
          assert.equal(e.code, 'INVALID_INPUT');
          assert.match(e.message, message, `${path}?${query}: ${e.message}`);
        }
      }
    });

    it('downloads the same counts as CSV: a header row, one line per key, hour and status', async () => {
      const range = q(past - HOUR);
      const res = await admin.call('GET', `/admin/api/usage.csv?${range}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/csv; charset=utf-8/);
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="usage-\d{4}-\d{2}-\d{2}\.csv"$/);
      const lines = res.body.split('\r\n');
      assert.equal(lines.at(-1), '', 'ends with a line break');
      assert.equal(lines[0], 'hour,key_id,key_name,removed,status,requests');
      const hour = iso(Math.floor(past / HOUR) * HOUR);
      assert.deepEqual(lines.slice(1, 3), [
        `${hour},${ranged.id},"Ranged, ""quoted""",false,200,1`,
        `${hour},${ranged.id},"Ranged, ""quoted""",false,404,2`,
      ]);
      // Every figure of the JSON report, summed per key and status, and nothing else.
      const report = await admin.ok<Usage>('GET', `/admin/api/usage?${range}`);
      const fromCsv = new Map<string, number>();
      for (const line of lines.slice(1, -1)) {
        const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ''));
        const [keyId, status, n] = [cells[1], cells[4], Number(cells[5])];
        assert.ok(n > 0, line);
        fromCsv.set(`${keyId} ${status}`, (fromCsv.get(`${keyId} ${status}`) ?? 0) + n);
      }
      const fromJson = new Map<string, number>();
      for (const k of report.keys) for (const [s, n] of Object.entries(k.byStatus)) fromJson.set(`${k.keyId} ${s}`, n);
      assert.deepEqual(Object.fromEntries(fromCsv), Object.fromEntries(fromJson));
      assert.ok(fromCsv.size > 2, 'the recent requests are there too');
      // A name that a spreadsheet would run as a formula is written as text.
      const formula = await t.modules.access.keys.create(t.tenant.id, { name: '=HYPERLINK("http://x","y")' });
      await t.modules.store.db
        .insertInto('usageMinutes')
        .values({ tenantId: t.tenant.id, keyId: formula.id, minute: past / 60_000, status: 200, count: 1 })
        .execute();
      const withFormula = await admin.call('GET', `/admin/api/usage.csv?${q(past, past + 60_000)}`);
      assert.ok(
        withFormula.body.includes(`,${formula.id},"'=HYPERLINK(""http://x"",""y"")",false,200,1\r\n`),
        withFormula.body,
      );
      await t.modules.access.keys.remove(t.tenant.id, formula.id);
      // The default window is the last 24 hours, like GET /usage.
      const day = await admin.call('GET', '/admin/api/usage.csv');
      assert.equal(day.statusCode, 200);
      assert.ok(!day.body.includes(ranged.id), 'three days ago is outside the last 24 hours');
    });

    it("never lists another tenant's usage, and needs a signed-in admin", async () => {
      const stranger = await signedInAdmin(t, { tenantSlug: 'other' });
      const res = await stranger.call('GET', `/admin/api/usage.csv?${q(past - HOUR)}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.body.includes(ranged.id) || res.body.includes(main.id), false);
      const anonymous = await t.server.app.inject({ method: 'GET', url: '/admin/api/usage.csv' });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().error.code, 'UNAUTHENTICATED');
    });
  });

  it('needs a signed-in admin', async () => {
    const res = await t.server.app.inject({ method: 'GET', url: '/admin/api/usage' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'UNAUTHENTICATED');
  });
});
