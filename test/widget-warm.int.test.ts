import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, TEST_BACKEND, type TestServer } from './support/test-server.ts';

const CSV = ['board,hours', 'Desk,1', 'Desk,2', 'Projects,4', 'Alerts,8'].join('\n');
const RELOADED = ['board,hours', 'Desk,10', 'Projects,20', 'Projects,30'].join('\n');
const TOKEN = 'metrics-token-0123456789';

describe('bound widgets computed ahead of their first request', () => {
  let t: TestServer;
  let dsId: string;
  let widgetId: string;
  let key: string;
  let scopedKey: string;

  /** The page cache's hits and misses so far, from /metrics. */
  async function lookups(): Promise<{ hit: number; miss: number }> {
    const res = await t.server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    const n = (result: string) =>
      Number(new RegExp(`datagate_page_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(res.body)?.[1] ?? 0);
    return { hit: n('hit'), miss: n('miss') };
  }

  /** One widget request, and whether the page cache answered it. */
  async function read(apikey: string, qs = '') {
    const before_ = await lookups();
    const res = await t.server.app.inject({ url: `/api/widget/${widgetId}${qs}`, headers: { apikey } });
    assert.equal(res.statusCode, 200, res.body);
    const after_ = await lookups();
    assert.equal(after_.hit + after_.miss - before_.hit - before_.miss, 1, 'one lookup per request');
    return { hit: after_.hit > before_.hit, body: JSON.parse(res.body), headers: res.headers };
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_METRICS_TOKEN: TOKEN });
    dsId = (await importDataset(t, 't.csv', CSV, 'Tickets')).id;
    widgetId = (
      await createWidget(t, {
        name: 'By board',
        dataset: dsId,
        chart: 'bar',
        dimensions: [{ field: 'board', label: 'Board' }],
        measures: [
          { agg: 'count', label: 'N' },
          { agg: 'sum', field: 'hours', label: 'Hours' },
        ],
      })
    ).id;
    key = (await boundKey(t, { name: 'plain', widgets: [widgetId] })).key;
    const scoped = await t.modules.access.keys.create(t.tenant.id, { name: 'scoped' });
    await t.modules.access.keys.bind(t.tenant.id, scoped.id, 'widget', widgetId, 'board=Desk');
    scopedKey = scoped.key;
    await t.server.refresh();
    await t.server.widgetsWarmed();
  });

  after(() => t.close());

  it('answers the first request after a start from the page cache, per row scope', async () => {
    const plain = await read(key);
    assert.equal(plain.hit, true);
    assert.deepEqual(plain.body.data, [
      { Board: 'Alerts', N: '1', Hours: '8' },
      { Board: 'Desk', N: '2', Hours: '3' },
      { Board: 'Projects', N: '1', Hours: '4' },
    ]);
    assert.equal(plain.headers['x-total-count'], '3');
    const scoped = await read(scopedKey);
    assert.equal(scoped.hit, true);
    assert.deepEqual(scoped.body.data, [{ Board: 'Desk', N: '2', Hours: '3' }]);
    // An answer computed ahead is no way in: a key without the binding is still refused.
    const other = await boundKey(t, { name: 'unbound' });
    await t.server.refresh();
    const refused = await t.server.app.inject({ url: `/api/widget/${widgetId}`, headers: { apikey: other.key } });
    assert.equal(refused.statusCode, 403, refused.body);
    // A request with parameters was not computed ahead: the database answers it.
    const filtered = await read(key, '?Board=Desk');
    assert.equal(filtered.hit, false);
    assert.deepEqual(filtered.body.data, [{ Board: 'Desk', N: '2', Hours: '3' }]);
  });

  it('computes the new version after a reload, so the first request finds the new rows', async () => {
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('reloaded.csv', RELOADED),
      replaceId: dsId,
    });
    await t.server.refresh();
    await t.server.widgetsWarmed();
    const plain = await read(key);
    assert.equal(plain.hit, true);
    assert.equal(plain.headers['x-dataset-version'], '2');
    assert.deepEqual(plain.body.data, [
      { Board: 'Desk', N: '1', Hours: '10' },
      { Board: 'Projects', N: '2', Hours: '50' },
    ]);
    const scoped = await read(scopedKey);
    assert.equal(scoped.hit, true);
    assert.deepEqual(scoped.body.data, [{ Board: 'Desk', N: '1', Hours: '10' }]);
  });
});

describe('the widget warmer without query workers', () => {
  it('computes nothing on SQLite, where a query would hold up the event loop', async () => {
    const t = await startTestServer({ DATAGATE_METRICS_TOKEN: TOKEN, DATAGATE_QUERY_WORKERS: '0' });
    try {
      const dsId = (await importDataset(t, 't.csv', CSV, 'Tickets')).id;
      const w = await createWidget(t, {
        name: 'N',
        dataset: dsId,
        chart: 'number',
        dimensions: [],
        measures: [{ agg: 'count', label: 'N' }],
      });
      const k = await boundKey(t, { name: 'k', widgets: [w.id] });
      await t.server.refresh();
      await t.server.widgetsWarmed();
      const res = await t.server.app.inject({ url: `/api/widget/${w.id}`, headers: { apikey: k.key } });
      assert.deepEqual(JSON.parse(res.body).data, [{ N: '4' }]);
      const metrics = await t.server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      // PostgreSQL has no query workers: its connections run the query off the event loop.
      const result = TEST_BACKEND === 'sqlite' ? 'miss' : 'hit';
      assert.match(metrics.body, new RegExp(`datagate_page_cache_lookups_total\\{result="${result}"\\} 1`));
    } finally {
      await t.close();
    }
  });
});

describe('the widget warmer with the page cache off', () => {
  it('computes nothing and answers from the database', async () => {
    const t = await startTestServer({ DATAGATE_METRICS_TOKEN: TOKEN, DATAGATE_PAGE_CACHE_MB: '0' });
    try {
      const dsId = (await importDataset(t, 't.csv', CSV, 'Tickets')).id;
      const w = await createWidget(t, {
        name: 'N',
        dataset: dsId,
        chart: 'number',
        dimensions: [],
        measures: [{ agg: 'count', label: 'N' }],
      });
      const k = await boundKey(t, { name: 'k', widgets: [w.id] });
      await t.server.refresh();
      await t.server.widgetsWarmed();
      const res = await t.server.app.inject({ url: `/api/widget/${w.id}`, headers: { apikey: k.key } });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(JSON.parse(res.body).data, [{ N: '4' }]);
      const metrics = await t.server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.match(metrics.body, /datagate_page_cache_lookups_total\{result="miss"\} 1/);
    } finally {
      await t.close();
    }
  });
});
