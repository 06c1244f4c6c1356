import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createServer, type Server } from '../src/server.ts';
import { serve } from './support/processes.ts';
import { startTestServer, TEST_BACKEND, type TestServer } from './support/test-server.ts';

// 300,000 tickets, each with its own note: the widget below groups all of them (one
// group per row, with a distinct count in each) and sorts the groups by count, most of
// it sorting and grouping, where the guard does not reach: about 0.4 s on a quiet
// 2-core machine, 1.5 s on a busy one.
const ROWS = 300_000;
// The time limit of the server under test: well under the widget's time even on a
// quiet machine (a result that comes within the grace after the limit is still served,
// so the limit must leave no doubt), yet long enough for /healthz and a light page.
const LIMIT_MS = 120;

// The rows from this one on are "late": a filter whose matches all sit at the end of the
// table, so that its density says a page is near the start when it is not.
const LATE_FROM = ROWS - 10_000;

function csv(): string {
  const parts = ['n,board,note,age\n'];
  for (let i = 1; i <= ROWS; i++)
    parts.push(
      `${i},Board ${i % 50},ticket ${(i * 7919) % ROWS} about a printer that jams,` +
        `${i > LATE_FROM ? 'late' : 'early'}\n`,
    );
  return parts.join('');
}

describe('SQLite query workers: a heavy query holds up nothing else', () => {
  let t: TestServer;
  let patient: Server;
  let key: string;
  let dsId: string;
  let heavyId: string;

  before(async () => {
    assert.equal(
      TEST_BACKEND,
      'sqlite',
      'query workers are SQLite’s (scripts/run-tests.mjs runs this file on SQLite only)',
    );
    t = await startTestServer({
      DATAGATE_QUERY_TIMEOUT_MS: String(LIMIT_MS),
      DATAGATE_PAGE_CACHE_MB: '0',
      DATAGATE_QUERY_WORKERS: '2',
    });
    const { catalog, access } = t.modules;
    dsId = (await catalog.datasets.importFile(t.tenant.id, { file: t.file('big.csv', csv()), name: 'Big' })).id;
    heavyId = (
      await catalog.widgets.create(t.tenant.id, {
        name: 'Tickets per note',
        dataset: dsId,
        chart: 'bar',
        dimensions: [
          { field: 'note', label: 'Note' },
          { field: 'board', label: 'Board' },
        ],
        measures: [
          { agg: 'count', label: 'Tickets' },
          { agg: 'count_distinct', field: 'n', label: 'Numbers' },
          { agg: 'max', field: 'n', label: 'Last' },
        ],
        sort: '-Tickets',
      })
    ).id;
    const k = await access.keys.create(t.tenant.id, { name: 'k', rateLimit: 1_000_000 });
    key = k.key;
    await access.keys.bind(t.tenant.id, k.id, 'dataset', dsId);
    await access.keys.bind(t.tenant.id, k.id, 'widget', heavyId);
    await t.server.refresh();
    // The same modules (the same workers) with a limit no query here reaches.
    patient = await createServer({ ...t.config, api: { ...t.config.api, queryTimeoutMs: 600_000 } }, t.modules);
  });
  after(async () => {
    await patient?.close();
    await t?.close();
  });

  /** Sends a request and records, in `order`, when its answer came. */
  function request(server: Server, url: string, order: string[], label = url) {
    const started = performance.now();
    return server.app.inject({ method: 'GET', url, headers: { apikey: key } }).then((res) => {
      order.push(label);
      return { res, ms: performance.now() - started };
    });
  }

  it('answers /healthz and a light page while a heavy widget runs to its end', async (ctx) => {
    const order: string[] = [];
    const heavy = request(patient, `/api/widget/${heavyId}`, order, 'heavy');
    const health = request(t.server, '/healthz', order, 'healthz');
    const light = request(t.server, `/api/dataset/${dsId}?current=2&size=3`, order, 'light');
    const [h, l, w] = await Promise.all([health, light, heavy]);
    assert.equal(h.res.statusCode, 200);
    assert.equal(l.res.statusCode, 200, l.res.body);
    assert.deepEqual(
      JSON.parse(l.res.body).data.records.map((r: { n: number }) => r.n),
      [4, 5, 6],
    );
    assert.equal(w.res.statusCode, 200, w.res.body);
    assert.equal(w.res.headers['x-total-count'], String(ROWS));
    ctx.diagnostic(
      `healthz ${h.ms.toFixed(1)} ms, light page ${l.ms.toFixed(1)} ms, heavy widget ${w.ms.toFixed(1)} ms`,
    );
    assert.deepEqual(order.slice(-1), ['heavy'], `answered in the order ${order.join(', ')}`);
  });

  it('reads a page by row range on the main connection: it waits for no busy worker', async () => {
    const order: string[] = [];
    // Both workers take a heavy widget; a page of the natural order queues behind neither.
    const heavies = [1, 2].map((i) => request(patient, `/api/widget/${heavyId}?current=${i}`, order, `heavy ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const light = await request(patient, `/api/dataset/${dsId}?current=3&size=2`, order, 'light');
    assert.equal(light.res.statusCode, 200, light.res.body);
    assert.deepEqual(
      JSON.parse(light.res.body).data.records.map((r: { n: number }) => r.n),
      [5, 6],
    );
    for (const h of await Promise.all(heavies)) assert.equal(h.res.statusCode, 200);
    assert.equal(order[0], 'light', `answered in the order ${order.join(', ')}`);
  });

  it('reads a filtered page whose matches are near on the main connection while every worker is busy', async () => {
    const url = `/api/dataset/${dsId}?board=${encodeURIComponent('Board 7')}&current=2&size=3`;
    // Counted first (a count is not quick: it goes to a worker).
    const first = await request(patient, url, []);
    assert.equal(first.res.statusCode, 200, first.res.body);
    const order: string[] = [];
    const heavies = [1, 2].map((i) => request(patient, `/api/widget/${heavyId}?current=${i}`, order, `heavy ${i}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const light = await request(patient, url, order, 'light');
    assert.equal(light.res.statusCode, 200, light.res.body);
    assert.deepEqual(
      JSON.parse(light.res.body).data.records.map((r: { n: number }) => r.n),
      [157, 207, 257],
    );
    assert.equal(JSON.parse(light.res.body).data.total, ROWS / 50);
    for (const h of await Promise.all(heavies)) assert.equal(h.res.statusCode, 200);
    assert.equal(order[0], 'light', `answered in the order ${order.join(', ')}`);
  });

  it('stops a page that looked near but is not on the main connection and reads it on a worker', async () => {
    // 10,000 matches in 300,000 rows: a page of three looks ~90 rows away, but they all
    // sit at the end. On the main connection the walk is stopped after a few
    // milliseconds; a worker reads it, after the heavy widgets that hold both.
    const url = `/api/dataset/${dsId}?age=late&current=1&size=3`;
    const first = await request(patient, url, []);
    assert.equal(first.res.statusCode, 200, first.res.body);
    const want = [LATE_FROM + 1, LATE_FROM + 2, LATE_FROM + 3];
    assert.deepEqual(
      JSON.parse(first.res.body).data.records.map((r: { n: number }) => r.n),
      want,
    );
    // Twice: the second time it is known to overrun, and goes to a worker at once.
    for (const round of [1, 2]) {
      const order: string[] = [];
      const heavies = [1, 2].map((i) => request(patient, `/api/widget/${heavyId}?current=${i}`, order, `heavy ${i}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const late = await request(patient, url, order, 'late');
      assert.equal(late.res.statusCode, 200, late.res.body);
      assert.deepEqual(
        JSON.parse(late.res.body).data.records.map((r: { n: number }) => r.n),
        want,
        `round ${round}`,
      );
      for (const h of await Promise.all(heavies)) assert.equal(h.res.statusCode, 200);
      assert.notEqual(order[0], 'late', `round ${round}: answered in the order ${order.join(', ')}`);
    }
  });

  it(
    'answers a heavy widget past the limit with the 504 ' + 'at the limit, /healthz and a light page meanwhile',
    async (ctx) => {
      const full = await request(patient, `/api/widget/${heavyId}`, []);
      assert.equal(full.res.statusCode, 200);
      const order: string[] = [];
      const heavy = request(t.server, `/api/widget/${heavyId}`, order, 'heavy');
      const health = request(t.server, '/healthz', order, 'healthz');
      const light = request(t.server, `/api/dataset/${dsId}?current=1&size=2`, order, 'light');
      const [h, l, w] = await Promise.all([health, light, heavy]);
      assert.equal(h.res.statusCode, 200);
      assert.equal(l.res.statusCode, 200, l.res.body);
      assert.equal(w.res.statusCode, 504);
      assert.deepEqual(JSON.parse(w.res.body), {
        code: 504,
        msg: `The query ran longer than ${LIMIT_MS} ms and was stopped; narrow the filters or ask for a smaller page`,
        data: [],
      });
      const report =
        `504 after ${w.ms.toFixed(1)} ms (limit ${LIMIT_MS} ms); the whole widget takes ${full.ms.toFixed(1)} ms; ` +
        `healthz ${h.ms.toFixed(1)} ms`;
      ctx.diagnostic(report);
      assert.deepEqual(order.slice(-1), ['heavy'], `answered in the order ${order.join(', ')}`);
      // At the limit, not when the sort would have ended: a second of margin for a busy machine.
      assert.ok(w.ms < LIMIT_MS + 1000, report);
      assert.ok(w.ms < full.ms, report);
    },
  );

  it(
    'ten heavy widgets at once: /healthz answers first, ' + 'and all ten get their 504 together, not one after another',
    async (ctx) => {
      const order: string[] = [];
      const heavies = Array.from({ length: 10 }, (_, i) =>
        request(t.server, `/api/widget/${heavyId}?current=${i + 1}`, order, `heavy ${i}`),
      );
      const health = await request(t.server, '/healthz', order, 'healthz');
      const done = await Promise.all(heavies);
      assert.equal(health.res.statusCode, 200);
      assert.equal(order[0], 'healthz', `answered in the order ${order.join(', ')}`);
      for (const d of done) assert.equal(d.res.statusCode, 504);
      const slowest = Math.max(...done.map((d) => d.ms));
      const report = `healthz ${health.ms.toFixed(1)} ms; the ten 504s within ${slowest.toFixed(1)} ms`;
      ctx.diagnostic(report);
      // One after another they would take ten limits at least.
      assert.ok(slowest < 3 * LIMIT_MS + 1000, report);
    },
  );

  it(
    'a reload is read at once, and a table dropped after ' + 'its dataset was resolved answers as a missing dataset',
    async () => {
      const { catalog, access, store } = t.modules;
      const small = await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('small.csv', 'id,what\n1,old one\n2,old two\n'),
        name: 'Small',
      });
      const byWhat = await catalog.widgets.create(t.tenant.id, {
        name: 'By what',
        dataset: small.id,
        chart: 'bar',
        dimensions: [{ field: 'what', label: 'What' }],
        measures: [{ agg: 'count', label: 'N' }],
      });
      const k = (await access.keys.list(t.tenant.id)).find((x) => x.name === 'k')!;
      await access.keys.bind(t.tenant.id, k.id, 'dataset', small.id);
      await access.keys.bind(t.tenant.id, k.id, 'widget', byWhat.id);
      // The patient server: the workers that earlier tests gave up on may still be starting again.
      await patient.refresh();
      const page = async () => {
        const res = await patient.app.inject({
          method: 'GET',
          url: `/api/dataset/${small.id}`,
          headers: { apikey: key },
        });
        return {
          status: res.statusCode,
          body: res.body,
          records: res.statusCode === 200 ? JSON.parse(res.body).data.records : undefined,
        };
      };
      assert.deepEqual((await page()).records, [
        { id: 1, what: 'old one' },
        { id: 2, what: 'old two' },
      ]);

      // A reload with another field: the workers read the new table and its columns.
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('small2.csv', 'id,what,extra\n7,new seven,x\n'),
        replaceId: small.id,
      });
      await patient.refresh();
      assert.deepEqual((await page()).records, [{ id: 7, what: 'new seven', extra: 'x' }]);

      // The table goes while the server still names it (as a sweep on another process would drop it).
      const ds = t.modules.catalog.registry.get(t.tenant.id, small.id)!;
      await store.tables.drop(ds.tableName);
      const gone = await page();
      assert.equal(gone.status, 404);
      assert.equal(gone.body, '{"code":-1,"msg":"Can\'t find dataset","data":[]}');
      const widget = await patient.app.inject({
        method: 'GET',
        url: `/api/widget/${byWhat.id}`,
        headers: { apikey: key },
      });
      assert.equal(widget.statusCode, 409);
      assert.deepEqual(JSON.parse(widget.body), {
        code: 409,
        msg: `The widget's dataset "${small.id}" no longer exists`,
        data: [],
      });
    },
  );

  it('bin/datagate serve runs queries on its workers from the build', async (ctx) => {
    const consoleDir = fs.mkdtempSync(path.join(t.dir, 'console-'));
    // The same database file, opened by a second process (WAL), with its own workers.
    const s = await serve({
      DATAGATE_DATABASE: t.config.database,
      DATAGATE_DATA_DIR: t.dir,
      DATAGATE_CONSOLE_DIR: consoleDir,
      DATAGATE_QUERY_TIMEOUT_MS: '600000',
      DATAGATE_QUERY_WORKERS: '2',
    });
    let stderr = '';
    s.child.stderr!.on('data', (d) => (stderr += d));
    try {
      const order: string[] = [];
      const get = (url: string, label: string) =>
        fetch(`${s.url}${url}`, { headers: { apikey: key } }).then(async (res) => {
          order.push(label);
          return { status: res.status, total: res.headers.get('x-total-count'), body: await res.text() };
        });
      const heavy = get(`/api/widget/${heavyId}`, 'heavy');
      // Once the heavy request is surely in: /healthz then waits for it unless it runs elsewhere.
      await new Promise((r) => setTimeout(r, 50));
      const health = await get('/healthz', 'healthz');
      const w = await heavy;
      assert.equal(health.status, 200);
      assert.equal(w.status, 200, w.body);
      assert.equal(w.total, String(ROWS));
      ctx.diagnostic(`answered in the order ${order.join(', ')}`);
      assert.deepEqual(order, ['healthz', 'heavy']);
      assert.doesNotMatch(stderr, /query workers unavailable/);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });
});
