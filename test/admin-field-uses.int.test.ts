import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFieldUseService } from '../src/access/field-use-service.ts';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { boundKey, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const V1 = 'board,status,hours\nDesk,open,1\nProjects,closed,2\n';
const RENAMED = 'board,state,hours\nDesk,open,1\nProjects,closed,2\n';
const RETYPED = 'board,status,hours\nDesk,open,one\nProjects,closed,two\n';
const DAY_MS = 86_400_000;

interface Break {
  kind: string;
  id: string;
  name: string;
  key?: { id: string; name: string };
  field?: string;
  uses?: string[];
  lastUsedAt?: string;
  reason: string;
}

describe('admin API: the fields keys’ clients used lately, among a reload’s breaks', () => {
  let t: TestServer;
  let a: AdminClient;
  let other: AdminClient;
  let dsId: string;
  let foreignDs: string;
  let partner: { id: string; key: string };
  let second: { id: string; key: string };
  let feed: { id: string; key: string };
  let idle: { id: string; key: string };
  let foreign: { id: string; key: string };
  let started: number;

  const upload = (client: AdminClient, query: string, body: string) =>
    client.call('POST', `/admin/api/uploads?${query}`, Buffer.from(body), {
      'content-type': 'application/octet-stream',
    });
  const get = (url: string, key: string) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey: key, authorization: `Basic ${basic(key)}` } });
  const basic = (key: string) => Buffer.from(`key:${key}`).toString('base64');
  const fieldBreaks = async (file: string) => {
    const res = await upload(a, `filename=r.csv&reload=${dsId}`, file);
    assert.equal(res.statusCode, 201, res.body);
    return (res.json().breaks as Break[]).filter((b) => b.kind === 'field');
  };
  const stored = () =>
    t.modules.store.db.selectFrom('fieldUses').select(['keyId', 'use', 'field']).orderBy('field').execute();

  before(async () => {
    t = await startTestServer();
    a = await signedInAdmin(t);
    other = await signedInAdmin(t, { tenantSlug: 'other' });
    dsId = (await importDataset(t, 'tickets.csv', V1, 'Tickets')).id;
    const otherTenant = await t.modules.access.tenants.ensure('other');
    foreignDs = (await importDataset(t, 'tickets.csv', V1, 'Tickets', otherTenant.id)).id;
    const opts = (name: string) => ({ name, rateLimit: 100_000, datasets: [dsId] });
    partner = await boundKey(t, opts('partner'));
    second = await boundKey(t, opts('second'));
    feed = await boundKey(t, opts('feed'));
    idle = await boundKey(t, opts('idle'));
    foreign = await boundKey(t, { name: 'foreign', tenantId: otherTenant.id, datasets: [foreignDs] });
    await t.server.refresh();
    started = Date.now();
  });
  after(() => t.close());

  it('records what parsed requests name, on /api/ (cache hits included) and /odata/; nothing for a 400', async () => {
    const url = `/api/dataset/${dsId}?status=open&_sort=-hours`;
    assert.equal((await get(url, partner.key)).statusCode, 200);
    // The same query from another key is a page-cache hit: it is recorded all the same.
    assert.equal((await get(url, second.key)).statusCode, 200);
    const odata = await get(`/odata/Tickets?$filter=${encodeURIComponent("status eq 'open'")}&$select=board`, feed.key);
    assert.equal(odata.statusCode, 200, odata.body);
    // The other tenant's key filters its own dataset of the same name on the same field.
    assert.equal((await get(`/api/dataset/${foreignDs}?status=open`, foreign.key)).statusCode, 200);
    // A hostile client naming thousands of made-up fields gets a 400 and leaves nothing behind.
    const junk = Array.from({ length: 2000 }, (_, i) => `f${i}=1`).join('&');
    const refused = await get(`/api/dataset/${dsId}?${junk}`, idle.key);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /Unknown field \\"f0\\"/);
    assert.equal((await get(`/api/dataset/${dsId}?_sort=nosuch`, idle.key)).statusCode, 400);
    assert.equal((await get(`/odata/Tickets?$orderby=nosuch`, idle.key)).statusCode, 400);
    await t.server.flushNow();
    const rows = await stored();
    assert.deepEqual(
      rows.filter((r) => r.keyId === partner.id).map((r) => [r.use, r.field]),
      [
        ['sort', 'hours'],
        ['filter', 'status'],
      ],
    );
    assert.deepEqual(
      rows.filter((r) => r.keyId === second.id).map((r) => [r.use, r.field]),
      [
        ['sort', 'hours'],
        ['filter', 'status'],
      ],
    );
    assert.deepEqual(
      rows.filter((r) => r.keyId === feed.id).map((r) => [r.use, r.field]),
      [
        ['select', 'board'],
        ['filter', 'status'],
      ],
    );
    assert.equal(rows.filter((r) => r.keyId === idle.id).length, 0);
  });

  it('a second node’s flush merges into the same rows: the latest time wins', async () => {
    const node2 = createFieldUseService({ store: t.modules.store, clock: { now: () => Date.now() - 3_600_000 } });
    node2.record(t.tenant.id, partner.id, dsId, { filter: ['status'], sort: [], select: [] });
    const node3 = createFieldUseService({ store: t.modules.store, clock: { now: () => Date.now() + 3_600_000 } });
    node3.record(t.tenant.id, second.id, dsId, { filter: ['status'], sort: [], select: [] });
    await node2.flush();
    await node3.flush();
    const at = async (keyId: string) =>
      (
        await t.modules.store.db
          .selectFrom('fieldUses')
          .select('usedAt')
          .where('keyId', '=', keyId)
          .where('use', '=', 'filter')
          .executeTakeFirstOrThrow()
      ).usedAt;
    // node2's hour-old use does not move partner's row back; node3's later one moves second's forward.
    assert.ok(Date.parse(await at(partner.id)) >= started - 1000);
    assert.ok(Date.parse(await at(second.id)) > Date.now() + 3_000_000);
    // Put it back as a client would see it now.
    await t.modules.store.db
      .updateTable('fieldUses')
      .set({ usedAt: new Date().toISOString() })
      .where('keyId', '=', second.id)
      .execute();
  });

  it('a reload without "status" lists each key that used it lately, by name, never a secret', async () => {
    // "idle" filtered on status two days ago: not lately.
    await t.modules.store.db
      .insertInto('fieldUses')
      .values({
        tenantId: t.tenant.id,
        keyId: idle.id,
        datasetId: dsId,
        use: 'filter',
        field: 'status',
        usedAt: new Date(Date.now() - 2 * DAY_MS).toISOString(),
      })
      .execute();
    const breaks = await fieldBreaks(RENAMED);
    assert.deepEqual(
      breaks.map((b) => [b.id, b.name, b.key?.id, b.key?.name, b.field, b.uses]),
      [
        [dsId, 'Tickets', feed.id, 'feed', 'status', ['filter']],
        [dsId, 'Tickets', partner.id, 'partner', 'status', ['filter']],
        [dsId, 'Tickets', second.id, 'second', 'status', ['filter']],
      ],
    );
    for (const b of breaks) {
      assert.ok(Date.parse(b.lastUsedAt!) >= started - 1000 && Date.parse(b.lastUsedAt!) <= Date.now());
      assert.match(b.reason, /filtered on field "status" \(last at .*\), which the new fields no longer have/);
    }
    const body = JSON.stringify(breaks);
    for (const k of [partner, second, feed, idle, foreign]) assert.ok(!body.includes(k.key), 'no secret');
    assert.doesNotMatch(body, /foreign|idle/);
  });

  it('a filtered field that changes type is listed; sorting alone on a retyped field is not', async () => {
    const breaks = await fieldBreaks(RETYPED);
    // hours: NUMBER → TEXT, but only sorted on; status keeps its type.
    assert.deepEqual(breaks, []);
    assert.equal((await get(`/api/dataset/${dsId}?hours=1`, idle.key)).statusCode, 200);
    const retyped = await fieldBreaks(RETYPED);
    assert.deepEqual(
      retyped.map((b) => [b.key?.name, b.field, b.uses]),
      [['idle', 'hours', ['filter']]],
    );
    assert.match(retyped[0].reason, /changes from NUMBER to TEXT/);
  });

  it('another tenant’s reload check names only its own keys', async () => {
    const res = await upload(other, `filename=r.csv&reload=${foreignDs}`, RENAMED);
    assert.equal(res.statusCode, 201, res.body);
    const breaks = res.json().breaks as Break[];
    assert.deepEqual(
      breaks.map((b) => [b.kind, b.key?.name, b.field]),
      [['field', 'foreign', 'status']],
    );
  });

  it('the reload itself answers the same breaks; the clients are then refused', async () => {
    const staged = (await upload(a, 'filename=r.csv', RENAMED)).json().uploadId;
    const ds = await a.ok('POST', `/admin/api/datasets/${dsId}/reload`, { uploadId: staged }, 200);
    assert.deepEqual(
      (ds.breaks as Break[]).map((b) => [b.kind, b.key?.name, b.field]),
      [
        ['field', 'feed', 'status'],
        ['field', 'partner', 'status'],
        ['field', 'second', 'status'],
      ],
    );
    // The clients' next request naming the field is refused with a message naming it.
    const res = await get(`/api/dataset/${dsId}?status=open`, partner.key);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /status/);
  });
});
