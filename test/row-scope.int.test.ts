import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWidget } from './support/fixtures.ts';
import { signedInAdmin } from './support/admin-client.ts';
import { cliWorkspace } from './support/cli-workspace.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// A row scope on a binding (spec section 8): one Tickets dataset, one key per customer,
// each reading only its customer's rows whatever it asks.

interface Ticket {
  n: number;
  company: string | null;
  status: string | null;
  priority: number | null;
  open: boolean | null;
  day: string | null;
}

/** A small seeded generator (mulberry32): the same rows and cases on every run and backend. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  return { next, pick, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)) };
}

const COMPANIES = ['Acme', 'Acme Corp', 'acme', 'Birch', 'Birch, Ltd', '', null] as const;
const STATUSES = ['Open', 'New', 'Closed', null] as const;
const DAYS = ['2023-01-01', '2023-01-15', '2023-02-01', '2023-03-31', '2023-06-30', null] as const;

const gen = random(20231);
const ROWS: Ticket[] = Array.from({ length: 48 }, (_, i) => ({
  n: i + 1,
  company: gen.pick(COMPANIES),
  status: gen.pick(STATUSES),
  priority: gen.next() < 0.15 ? null : gen.int(1, 5),
  open: gen.pick([true, false, null]),
  day: gen.pick(DAYS),
}));

/** One filter clause: its parameter (name, raw value) and what it selects, computed here in JS. */
interface Clause {
  readonly name: string;
  readonly value: string;
  readonly test: (r: Ticket) => boolean;
}

const lower = (s: string) => s.toLowerCase();

/** A random clause of the filter language over the dataset's fields, with its meaning. */
function randomClause(r: ReturnType<typeof random>): Clause {
  const texts = ['Acme', 'Acme Corp', 'acme', 'Birch', 'Birch, Ltd', 'Open', 'New', 'Closed', 'cme', 'irc'];
  switch (r.int(0, 9)) {
    case 0: {
      const v = r.pick(COMPANIES.filter((c) => c !== null && c !== ''));
      return { name: 'company[eq]', value: v!, test: (t) => t.company === v };
    }
    case 1: {
      const v = r.pick(COMPANIES.filter((c) => c !== null && c !== ''));
      return { name: 'company[ne]', value: v!, test: (t) => t.company !== null && t.company !== v };
    }
    case 2: {
      const vs = [r.pick(COMPANIES.slice(0, 5)), r.pick(COMPANIES.slice(0, 5))] as string[];
      return {
        name: 'company[in]',
        value: vs.map((v) => v.replace(/,/g, '\\,')).join(','),
        test: (t) => t.company !== null && vs.includes(t.company),
      };
    }
    case 3: {
      const v = r.pick(texts);
      return {
        name: r.pick(['company', 'company[contains]']),
        value: v,
        test: (t) => t.company !== null && lower(t.company).includes(lower(v)),
      };
    }
    case 4: {
      const v = r.pick(STATUSES.filter((s) => s !== null));
      return r.next() < 0.5
        ? { name: 'status[eq]', value: v!, test: (t) => t.status === v }
        : { name: 'status', value: '', test: (t) => t.status === null || t.status === '' };
    }
    case 5: {
      const v = r.int(1, 5);
      return { name: 'priority', value: String(v), test: (t) => t.priority === v };
    }
    case 6: {
      const lo = r.int(1, 5);
      const hi = r.int(lo, 5);
      const form = r.int(0, 2);
      if (form === 0)
        return {
          name: 'priority',
          value: `${lo},${hi}`,
          test: (t) => t.priority !== null && t.priority >= lo && t.priority <= hi,
        };
      if (form === 1)
        return { name: 'priority', value: `${lo},`, test: (t) => t.priority !== null && t.priority >= lo };
      return { name: 'priority', value: `,${hi}`, test: (t) => t.priority !== null && t.priority <= hi };
    }
    case 7: {
      const v = r.next() < 0.5;
      return { name: 'open', value: String(v), test: (t) => t.open === v };
    }
    case 8: {
      const a = r.pick(DAYS.filter((d) => d !== null)) as string;
      const b = r.pick(DAYS.filter((d) => d !== null)) as string;
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      return r.next() < 0.5
        ? { name: 'day', value: lo, test: (t) => t.day !== null && t.day >= lo }
        : { name: 'day', value: `${lo},${hi}`, test: (t) => t.day !== null && t.day >= lo && t.day <= hi };
    }
    default: {
      const v = r.int(1, 5);
      return { name: 'priority[ne]', value: String(v), test: (t) => t.priority !== null && t.priority !== v };
    }
  }
}

const encode = (clauses: readonly Clause[]) =>
  clauses.map((c) => `${encodeURIComponent(c.name)}=${encodeURIComponent(c.value)}`).join('&');

/** The "By status" widget's result over `rows`, computed here: one row per status, nulls first. */
function byStatus(rows: readonly Ticket[]) {
  const statuses = [...new Set(rows.map((r) => r.status))].sort((a, b) =>
    a === null ? -1 : b === null ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  return statuses.map((s) => {
    const of = rows.filter((r) => r.status === s);
    const prios = of.map((r) => r.priority).filter((p) => p !== null);
    return {
      Status: s,
      Count: String(of.length),
      Priority: prios.length === 0 ? null : String(prios.reduce((x, y) => x + y, 0)),
    };
  });
}

describe('row scope on a binding', () => {
  let t: TestServer;
  let dsId: string;
  let widgetId: string;
  const keys: Record<string, { id: string; key: string }> = {};

  const get = (key: string, url: string) => t.server.app.inject({ method: 'GET', url, headers: { apikey: key } });
  const ns = (res: { body: string }) => JSON.parse(res.body).data.records.map((r: { n: number }) => r.n);
  const expected = (...tests: ((r: Ticket) => boolean)[]) =>
    ROWS.filter((r) => tests.every((f) => f(r))).map((r) => r.n);
  const isAcme = (r: Ticket) => r.company === 'Acme';
  const isBirch = (r: Ticket) => r.company === 'Birch';

  async function key(name: string, binds: { dataset?: string; widget?: string }) {
    const k = await t.modules.access.keys.create(t.tenant.id, { name, rateLimit: 1_000_000 });
    if (binds.dataset !== undefined)
      await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId, binds.dataset);
    if (binds.widget !== undefined)
      await t.modules.access.keys.bind(t.tenant.id, k.id, 'widget', widgetId, binds.widget);
    keys[name] = { id: k.id, key: k.key };
    return k;
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '100000' });
    const file = t.file('tickets.json', JSON.stringify(ROWS));
    const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file,
      name: 'Tickets',
      types: { n: 'NUMBER', company: 'TEXT', status: 'TEXT', priority: 'NUMBER', open: 'BOOLEAN', day: 'DATE' },
    });
    dsId = ds.id;
    widgetId = (
      await createWidget(t, {
        name: 'By status',
        dataset: dsId,
        chart: 'table',
        dimensions: [{ field: 'status', label: 'Status' }],
        measures: [
          { agg: 'count', label: 'Count' },
          { agg: 'sum', field: 'priority', label: 'Priority' },
        ],
        sort: 'Status',
      })
    ).id;
    await key('acme', { dataset: 'company[eq]=Acme', widget: 'company[eq]=Acme' });
    await key('birch', { dataset: 'company[eq]=Birch', widget: 'company[eq]=Birch' });
    await key('all', { dataset: '', widget: '' });
    await t.server.refresh();
  });
  after(async () => t?.close());

  it('limits records, total and pages to the scope', async () => {
    const acme = expected(isAcme);
    assert.ok(acme.length >= 3 && acme.length < ROWS.length, 'the data has a few Acme rows among others');
    const res = await get(keys.acme.key, `/api/dataset/${dsId}?size=2&current=2`);
    assert.equal(res.statusCode, 200, res.body);
    const data = JSON.parse(res.body).data;
    assert.deepEqual(
      data.records.map((r: { n: number }) => r.n),
      acme.slice(2, 4),
    );
    assert.equal(data.total, acme.length);
    assert.equal(data.pages, Math.ceil(acme.length / 2));
    const all = await get(keys.all.key, `/api/dataset/${dsId}?size=1000`);
    assert.deepEqual(
      ns(all),
      ROWS.map((r) => r.n),
    );
  });

  it('no parameter, option, operator or repetition widens the scope', async () => {
    const acme = expected(isAcme);
    const tricks: [string, number[]][] = [
      ['company=Birch', []],
      ['company[eq]=Birch', []],
      ['company[ne]=Acme', []],
      ['company[in]=Acme,Birch', acme],
      ['company[contains]=', []],
      ['company=', []],
      ['COMPANY=Birch', []],
      ['Company[eq]=Birch', []],
      ['company%5Beq%5D=Birch', []],
      ['company=Birch&company=Acme', []],
      ['company=Acme&company=Birch', []],
      ['_fields=n', acme],
      ['_sort=-n', [...acme].reverse()],
      ['_sort=company', acme],
      ['size=100000', acme],
      ['current=1&size=1000&company[in]=Birch,Acme%20Corp,acme,Acme', acme],
      ['company=%25', []],
    ];
    for (const [qs, want] of tricks) {
      const res = await get(keys.acme.key, `/api/dataset/${dsId}?${qs}${qs.includes('size=') ? '' : '&size=1000'}`);
      assert.equal(res.statusCode, 200, `${qs}: ${res.body}`);
      assert.deepEqual(ns(res), want, qs);
      assert.equal(JSON.parse(res.body).data.total, want.length, qs);
    }
    // A POST body with another company, a scope-like option, an OR-like value: never more rows.
    const post = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}?size=1000`,
      headers: { apikey: keys.acme.key, 'content-type': 'application/json' },
      payload: { company: 'Birch' },
    });
    assert.deepEqual(ns(post), []);
    for (const qs of ['_where=', '_scope=', 'where=company', 'company[or]=Birch']) {
      const res = await get(keys.acme.key, `/api/dataset/${dsId}?${qs}`);
      assert.equal(res.statusCode, 400, qs);
    }
    // Values that look like SQL or the filter language are values.
    for (const v of ["Acme' OR '1'='1", 'Acme&company=Birch', 'Birch%']) {
      const res = await get(keys.acme.key, `/api/dataset/${dsId}?company[eq]=${encodeURIComponent(v)}&size=1000`);
      assert.deepEqual(ns(res), [], v);
    }
  });

  it('scopes widget results and X-Total-Count, before aggregation', async () => {
    for (const [name, test] of [
      ['acme', isAcme],
      ['birch', isBirch],
      ['all', () => true],
    ] as const) {
      const want = byStatus(ROWS.filter(test));
      const res = await get(keys[name].key, `/api/widget/${widgetId}?size=100`);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(JSON.parse(res.body).data, want, name);
      assert.equal(res.headers['x-total-count'], String(want.length), name);
      // A client filter on the result is ANDed, never ORed, with the scope.
      const open = await get(keys[name].key, `/api/widget/${widgetId}?Status[eq]=Open`);
      assert.deepEqual(
        JSON.parse(open.body).data,
        want.filter((w) => w.Status === 'Open'),
        name,
      );
    }
  });

  it('counts /api/datasets rows through the scope', async () => {
    for (const [name, n] of [
      ['acme', expected(isAcme).length],
      ['birch', expected(isBirch).length],
      ['all', ROWS.length],
    ] as const) {
      const res = await get(keys[name].key, '/api/datasets');
      assert.equal(res.statusCode, 200);
      assert.deepEqual(
        JSON.parse(res.body).data.map((d: { id: string; rows: number }) => [d.id, d.rows]),
        [[dsId, n]],
        name,
      );
    }
  });

  it('keeps cached pages apart: the same URL gives each key its own rows', async () => {
    const url = `/api/dataset/${dsId}?size=1000&_sort=-n`;
    const wurl = `/api/widget/${widgetId}?size=100`;
    for (let round = 0; round < 2; round++) {
      assert.deepEqual(ns(await get(keys.acme.key, url)), expected(isAcme).reverse(), `round ${round}`);
      assert.deepEqual(ns(await get(keys.birch.key, url)), expected(isBirch).reverse(), `round ${round}`);
      assert.deepEqual(ns(await get(keys.all.key, url)), expected().reverse(), `round ${round}`);
      const a = JSON.parse((await get(keys.acme.key, wurl)).body).data;
      const b = JSON.parse((await get(keys.birch.key, wurl)).body).data;
      assert.notDeepEqual(a, b, `round ${round}`);
    }
  });

  it('the per-key OpenAPI document says results are scoped, without the scope', async () => {
    const doc = (await get(keys.acme.key, '/api/openapi.json')).body;
    assert.match(doc, /scope/i);
    // The key's name is "acme"; the scope's value "Acme" appears nowhere.
    assert.doesNotMatch(doc, /Acme/);
    assert.doesNotMatch((await get(keys.all.key, '/api/openapi.json')).body, /row scope/i);
  });

  it('binding again replaces the scope; an invalid scope is refused and changes nothing', async () => {
    const k = await key('rebind', { dataset: 'company[eq]=Acme' });
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId, 'company[eq]=Birch');
    await t.server.refresh();
    assert.deepEqual(ns(await get(k.key, `/api/dataset/${dsId}?size=1000`)), expected(isBirch));
    for (const [where, msg] of [
      ['nope=1', /Unknown field "nope"/],
      ['priority=abc', /priority/],
      ['company[zz]=1', /Unknown operator/],
      ['_sort=n', /option/],
    ] as const) {
      await assert.rejects(t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId, where), msg);
    }
    // Binding with no scope through the admin "bind" of many keeps the scope it has.
    await t.modules.access.keys.bindAll(t.tenant.id, k.id, [{ type: 'dataset', id: dsId }]);
    await t.server.refresh();
    assert.deepEqual(ns(await get(k.key, `/api/dataset/${dsId}?size=1000`)), expected(isBirch));
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId, '');
    await t.server.refresh();
    assert.equal(ns(await get(k.key, `/api/dataset/${dsId}?size=1000`)).length, ROWS.length);
  });

  it("the admin API sets, shows and validates a binding's scope", async () => {
    const a = await signedInAdmin(t);
    const k = await key('admin', {});
    const put = (type: string, rid: string, body: unknown) =>
      a.call('PUT', `/admin/api/keys/${k.id}/bindings/${type}/${rid}`, body);
    const res = await put('dataset', dsId, { where: 'company[eq]=Birch' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().bindings.datasets, [
      { id: dsId, name: 'Tickets', where: 'company[eq]=Birch', scopeError: null, broken: null },
    ]);
    await t.server.refresh();
    assert.deepEqual(ns(await get(k.key, `/api/dataset/${dsId}?size=1000`)), expected(isBirch));
    for (const [type, rid, body, msg] of [
      ['dataset', dsId, { where: 'nope[eq]=1' }, /Unknown field "nope"/],
      ['widget', widgetId, { where: 'Count=1' }, /Unknown field "Count"/],
      ['dataset', dsId, { where: 'priority=x' }, /priority/],
      ['dataset', dsId, { where: 'size=1' }, /paging parameter or an option/],
      ['dataset', dsId, { where: 5 }, /where/],
      ['dataset', dsId, {}, /where/],
    ] as const) {
      const bad = await put(type, rid, body);
      assert.equal(bad.statusCode, 400, `${JSON.stringify(body)}: ${bad.body}`);
      assert.equal(bad.json().error.code, 'INVALID_INPUT');
      assert.match(bad.json().error.message, msg);
    }
    // A widget's scope names its dataset's fields; the key's widget is then scoped too.
    const w = await put('widget', widgetId, { where: 'company[eq]=Birch' });
    assert.equal(w.statusCode, 200, w.body);
    assert.deepEqual(w.json().bindings.widgets, [
      { id: widgetId, name: 'By status', where: 'company[eq]=Birch', scopeError: null, broken: null },
    ]);
    // The POST of many keeps the scope of a binding that exists.
    const again = await a.call('POST', `/admin/api/keys/${k.id}/bindings`, { datasets: [dsId] });
    assert.equal(again.json().bindings.datasets[0].where, 'company[eq]=Birch');
    const shown = (await a.ok('GET', '/admin/api/keys')).keys.find((x: { id: string }) => x.id === k.id);
    assert.equal(shown.bindings.datasets[0].where, 'company[eq]=Birch');
    assert.equal(shown.scopes, undefined);
  });

  it('property: rows returned are exactly those matching scope AND filters', async () => {
    const r = random(7);
    const scoped: { key: string; scope: Clause[] }[] = [];
    for (let i = 0; i < 10; i++) {
      const scope = Array.from({ length: r.int(1, 2) }, () => randomClause(r));
      const k = await t.modules.access.keys.create(t.tenant.id, { name: `p${i}`, rateLimit: 1_000_000 });
      await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId, encode(scope));
      await t.modules.access.keys.bind(t.tenant.id, k.id, 'widget', widgetId, encode(scope));
      scoped.push({ key: k.key, scope });
    }
    await t.server.refresh();
    let nonEmpty = 0;
    for (const { key: apikey, scope } of scoped) {
      for (let j = 0; j < 8; j++) {
        const filters = Array.from({ length: r.int(0, 2) }, () => randomClause(r));
        const want = expected(...scope.map((c) => c.test), ...filters.map((c) => c.test));
        if (want.length > 0) nonEmpty++;
        const what = `scope ${encode(scope)} filters ${encode(filters)}`;
        const qs = encode(filters);
        const res = await get(apikey, `/api/dataset/${dsId}?size=1000${qs ? `&${qs}` : ''}`);
        assert.equal(res.statusCode, 200, `${what}: ${res.body}`);
        assert.deepEqual(ns(res), want, what);
        // A page in the middle: the scope is in the count and the page, not applied after paging.
        const page = await get(apikey, `/api/dataset/${dsId}?size=2&current=2${qs ? `&${qs}` : ''}`);
        const body = JSON.parse(page.body).data;
        assert.deepEqual(
          body.records.map((x: { n: number }) => x.n),
          want.slice(2, 4),
          what,
        );
        assert.equal(body.total, want.length, what);
      }
      // The widget aggregates the scoped rows only.
      const w = await get(apikey, `/api/widget/${widgetId}?size=100`);
      assert.equal(w.statusCode, 200, w.body);
      const rows = ROWS.filter((x) => scope.every((c) => c.test(x)));
      assert.deepEqual(JSON.parse(w.body).data, byStatus(rows), `widget, scope ${encode(scope)}`);
      assert.equal(w.headers['x-total-count'], String(byStatus(rows).length));
    }
    assert.ok(nonEmpty >= 10, `enough cases select rows to mean something (${nonEmpty})`);
  });

  it('fails closed with 409 naming the field once a reload removes it', async () => {
    // A scope on `day`, which the reload retypes to TEXT: `day=2023-02-01` would still
    // parse (as "contains"), with another meaning; it must fail closed all the same.
    const days = await key('days', { dataset: 'day=2023-02-01' });
    await t.server.refresh();
    assert.deepEqual(
      ns(await get(days.key, `/api/dataset/${dsId}?size=1000`)),
      expected((r) => r.day !== null && r.day >= '2023-02-01'),
    );
    const without = ROWS.map(({ company: _c, ...rest }) => rest);
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('tickets2.json', JSON.stringify(without)),
      replaceId: dsId,
      types: { n: 'NUMBER', status: 'TEXT', priority: 'NUMBER', open: 'BOOLEAN', day: 'TEXT' },
    });
    await t.server.refresh();
    const retyped = await get(days.key, `/api/dataset/${dsId}?size=1000`);
    assert.equal(retyped.statusCode, 409, retyped.body);
    assert.match(JSON.parse(retyped.body).msg, /"day"/);
    assert.doesNotMatch(JSON.parse(retyped.body).msg, /2023/);
    for (const url of [`/api/dataset/${dsId}`, `/api/dataset/${dsId}?size=1000`, `/api/widget/${widgetId}`]) {
      const res = await get(keys.acme.key, url);
      assert.equal(res.statusCode, 409, `${url}: ${res.body}`);
      const body = JSON.parse(res.body);
      assert.equal(body.code, 409);
      assert.deepEqual(body.data, []);
      assert.match(body.msg, /"company"/);
      assert.doesNotMatch(body.msg, /Acme/);
    }
    const listed = JSON.parse((await get(keys.acme.key, '/api/datasets')).body).data;
    assert.equal(listed[0].rows, 0);
    // The admin API marks each broken binding, naming its field; an unscoped one is not marked.
    const a = await signedInAdmin(t);
    const shown = async (id: string) => (await a.ok('GET', `/admin/api/keys/${id}`)).bindings;
    assert.match((await shown(days.id)).datasets[0].scopeError, /"day"/);
    const acme = await shown(keys.acme.id);
    assert.match(acme.datasets[0].scopeError, /"company"/);
    assert.match(acme.widgets[0].scopeError, /"company"/);
    assert.equal((await shown(keys.all.id)).datasets[0].scopeError, null);
    // Fixing the scope clears the mark, and the binding reads again.
    const fixed = await a.ok('PUT', `/admin/api/keys/${days.id}/bindings/dataset/${dsId}`, { where: 'day=2023-02' });
    assert.equal(fixed.bindings.datasets[0].scopeError, null);
    await t.server.refresh();
    assert.equal((await get(days.key, `/api/dataset/${dsId}`)).statusCode, 200);
    // The unscoped binding reads on.
    const res = await get(keys.all.key, `/api/dataset/${dsId}?size=1000`);
    assert.equal(res.statusCode, 200);
    assert.equal(ns(res).length, ROWS.length);
  });
});

describe('row scope from the command line', () => {
  it('key bind --where binds with a scope, replaces it, refuses a bad one; key list --json shows it', async () => {
    const w = await cliWorkspace('row-scope');
    try {
      const file = w.write('t.csv', 'id,company\n1,Acme\n2,Birch\n');
      const ds = await w.dg('dataset', 'import', file, '--name', 'Tickets');
      const k = await w.dg('key', 'create', '--name', 'acme');
      const bound = await w.dg('key', 'bind', k.id, '--dataset', ds.id, '--where', 'company[eq]=Acme');
      assert.deepEqual(bound.bound, { key: k.id, dataset: ds.id, where: 'company[eq]=Acme' });
      const scopes = async () => (await w.dg('key', 'list')).keys[0].scopes;
      assert.deepEqual(await scopes(), [{ type: 'dataset', id: ds.id, where: 'company[eq]=Acme', broken: null }]);
      await w.dg('key', 'bind', k.id, '--dataset', ds.id, '--where', 'company[eq]=Birch');
      assert.deepEqual(await scopes(), [{ type: 'dataset', id: ds.id, where: 'company[eq]=Birch', broken: null }]);
      const bad = await w.dgFail('key', 'bind', k.id, '--dataset', ds.id, '--where', 'nope=1');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Unknown field "nope"/);
      assert.deepEqual(await scopes(), [{ type: 'dataset', id: ds.id, where: 'company[eq]=Birch', broken: null }]);
      await w.dg('key', 'bind', k.id, '--dataset', ds.id, '--where', '');
      assert.deepEqual(await scopes(), [{ type: 'dataset', id: ds.id, where: '', broken: null }]);
    } finally {
      await w.close();
    }
  });
});
