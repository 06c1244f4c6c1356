import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeCursor } from '../src/catalog/index.ts';
import { assertBadParameter, boundKey, countWidget, DATASET_PAGE_KEYS, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Dataset pages with a count strategy (`_count=exact|estimated|none`) and a keyset cursor
// (`_after`, `data.next`), on the backend the test run picks.

// More rows than an estimate's sample (4,096), so that `estimated` samples.
const ROWS = 10_000;
const COMPANIES = ['Acme', 'Birch', 'Cedar', 'Dune'];
const csv = (note: string) =>
  [
    'id,company,created,note',
    ...Array.from({ length: ROWS }, (_, i) => {
      const day = new Date(Date.UTC(2022, 0, 1) + Math.floor(i / 20) * 86_400_000).toISOString().slice(0, 10);
      // Acme on every 4th row, and firewall notes on rows 3,000..3,999 only: a filter that
      // matches one region of the table.
      const text = i >= 3000 && i < 4000 && i % 2 === 0 ? 'firewall down' : 'printer';
      return [i + 1, COMPANIES[i % 4], day, `${note} ${text}`].join(',');
    }),
  ].join('\n');

type Body = { code: number; data: Record<string, any> };

describe('_count and _after on dataset pages', () => {
  let t: TestServer;
  let key: string;
  let scoped: string;
  let dsId: string;
  let otherId: string;
  let widgetId: string;

  const get = (url: string, apikey = key) => t.server.app.inject({ method: 'GET', url, headers: { apikey } });
  const body = (res: { body: string }) => JSON.parse(res.body) as Body;

  /** Walks `query` with `_after` from the start; every page's ids and the number of pages. */
  async function walk(query: string, apikey = key) {
    const ids: number[] = [];
    let after = '';
    let pages = 0;
    for (;;) {
      const res = await get(`/api/dataset/${dsId}?${query}&_after=${after}`, apikey);
      assert.equal(res.statusCode, 200, res.body);
      const data = body(res).data;
      pages++;
      for (const r of data.records) ids.push(r.id);
      if (data.next === null) return { ids, pages };
      assert.equal(data.records.length, data.size);
      after = data.next;
    }
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    dsId = (await importDataset(t, 't.csv', csv('first'), 'Tickets')).id;
    otherId = (await importDataset(t, 'o.csv', csv('other'), 'Other')).id;
    widgetId = (await countWidget(t, dsId, 'N')).id;
    key = (await boundKey(t, { name: 'all', rateLimit: 1_000_000, datasets: [dsId, otherId], widgets: [widgetId] }))
      .key;
    const s = await boundKey(t, { name: 'acme', rateLimit: 1_000_000 });
    await t.modules.access.keys.bind(t.tenant.id, s.id, 'dataset', dsId, 'company[eq]=Acme');
    scoped = s.key;
    await t.server.refresh();
  });
  after(() => t?.close());

  it('without _count or _after a page is as before: the contract envelope, no X-Total-Kind, no next', async () => {
    const res = await get(`/api/dataset/${dsId}?company=Birch&size=3`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-total-kind'], undefined);
    const data = body(res).data;
    assert.deepEqual(Object.keys(data), [...DATASET_PAGE_KEYS]);
    assert.equal(data.total, ROWS / 4);
    assert.equal(data.searchCount, true);
  });

  it('_count=exact is the same body, marked exact', async () => {
    const plain = await get(`/api/dataset/${dsId}?company=Cedar&size=4&current=3`);
    const exact = await get(`/api/dataset/${dsId}?company=Cedar&size=4&current=3&_count=exact`);
    assert.equal(exact.statusCode, 200);
    assert.equal(exact.body, plain.body);
    assert.equal(exact.headers['x-total-kind'], 'exact');
    // Empty is the default.
    const empty = await get(`/api/dataset/${dsId}?company=Cedar&size=4&current=3&_count=`);
    assert.equal(empty.body, plain.body);
  });

  it('_count=none: the same rows, total and pages 0, searchCount false, marked none', async () => {
    const exact = body(await get(`/api/dataset/${dsId}?company=Dune&size=5&current=2`)).data;
    const res = await get(`/api/dataset/${dsId}?company=Dune&size=5&current=2&_count=none`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-total-kind'], 'none');
    const data = body(res).data;
    assert.deepEqual(Object.keys(data), [...DATASET_PAGE_KEYS]);
    assert.deepEqual(data.records, exact.records);
    assert.equal(data.total, 0);
    assert.equal(data.pages, 0);
    assert.equal(data.searchCount, false);
    assert.equal(data.current, 2);
    // Past the last page: no rows, and still no count.
    const past = body(await get(`/api/dataset/${dsId}?company=Dune&size=5&current=100000&_count=none`)).data;
    assert.deepEqual([past.records, past.total, past.pages], [[], 0, 0]);
  });

  it('_count=estimated: the same rows, a total near the exact one, marked estimated', async () => {
    for (const filter of ['note=firewall', 'created=2022-06-01,2022-09-30', 'company=Acme']) {
      const res = await get(`/api/dataset/${dsId}?${filter}&size=10&_count=estimated`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['x-total-kind'], 'estimated', filter);
      const data = body(res).data;
      const exact = body(await get(`/api/dataset/${dsId}?${filter}&size=10`)).data;
      assert.deepEqual(data.records, exact.records, filter);
      assert.ok(Math.abs(data.total - exact.total) <= exact.total * 0.2, `${filter}: ${data.total} vs ${exact.total}`);
      assert.equal(data.pages, Math.ceil(data.total / 10));
      assert.equal(data.searchCount, true);
    }
  });

  it('_count=estimated is exact without a filter, once the count is known, and on the last page', async () => {
    const all = await get(`/api/dataset/${dsId}?size=10&_count=estimated`);
    assert.equal(all.headers['x-total-kind'], 'exact');
    assert.equal(body(all).data.total, ROWS);
    // Counted before (the exact request above, for the same filter): the exact count is free.
    await get(`/api/dataset/${dsId}?company=Birch&note=printer&size=10`);
    const known = await get(`/api/dataset/${dsId}?company=Birch&note=printer&size=10&_count=estimated`);
    assert.equal(known.headers['x-total-kind'], 'exact');
    assert.equal(body(known).data.total, ROWS / 4);
    // The last page is short: the total is then known exactly.
    const last = await get(`/api/dataset/${dsId}?note=firewall&size=300&current=2&_count=estimated`);
    assert.equal(last.headers['x-total-kind'], 'exact');
    assert.equal(body(last).data.total, 500);
    assert.equal(body(last).data.records.length, 200);
    // Past the last page: never more than the rows before it.
    const past = body(await get(`/api/dataset/${dsId}?note=firewall&size=300&current=5&_count=estimated`)).data;
    assert.deepEqual(past.records, []);
    assert.ok(past.total <= 1200, String(past.total));
  });

  it('a bad _count is 400 naming it and its values; _count and _after are for dataset pages only', async () => {
    assertBadParameter(
      await get(`/api/dataset/${dsId}?_count=maybe`),
      /"_count".*"exact", "estimated" or "none".*maybe/,
    );
    assertBadParameter(await get(`/api/dataset/${dsId}?_count=EXACT`), /"_count"/);
    assertBadParameter(await get(`/api/dataset/${dsId}?_count=none&_count=exact`), /"_count" is given more than once/);
    assertBadParameter(await get(`/api/widget/${widgetId}?_count=none`), /Unknown option "_count"/);
    assertBadParameter(await get(`/api/widget/${widgetId}?_after=`), /Unknown option "_after"/);
    assertBadParameter(await get(`/api/dataset/${dsId}/export?format=csv&_after=`), /Unknown option "_after"/);
    // The unknown-option message of a page lists them.
    assertBadParameter(await get(`/api/dataset/${dsId}?_nope=1`), /_numbers, _count, _after/);
  });

  it('the strategy and the cursor are part of the ETag, and a cached page keeps its X-Total-Kind', async () => {
    const url = `/api/dataset/${dsId}?company=Acme&size=2`;
    const tags = new Set<string>();
    for (const extra of ['', '&_count=exact', '&_count=estimated', '&_count=none', '&_after=']) {
      const first = await get(url + extra);
      const again = await get(url + extra);
      assert.equal(again.body, first.body);
      assert.equal(again.headers['x-total-kind'], first.headers['x-total-kind']);
      assert.equal(again.headers.etag, first.headers.etag);
      tags.add(String(first.headers.etag));
    }
    assert.equal(tags.size, 5);
  });

  it('_after walks every matching row exactly once, in natural order, with next null on the last page', async () => {
    const expected = body(await get(`/api/dataset/${dsId}?note=firewall&size=1000`)).data.records.map(
      (r: { id: number }) => r.id,
    );
    assert.equal(expected.length, 500);
    const { ids, pages } = await walk('note=firewall&size=7');
    assert.deepEqual(ids, expected);
    assert.equal(pages, Math.ceil(500 / 7));
    // A page size that divides the matches: the last full page still says null, or one empty page follows.
    const even = await walk('note=firewall&size=100');
    assert.deepEqual(even.ids, expected);
    // Without a filter, and with _count=none.
    const plain = await walk('size=1000&_count=none&_fields=id');
    assert.deepEqual(
      plain.ids,
      Array.from({ length: ROWS }, (_, i) => i + 1),
    );
  });

  it('a cursor page has the contract fields then next; current is 1 and total the whole count', async () => {
    const res = await get(`/api/dataset/${dsId}?company=Acme&size=3&_after=`);
    const data = body(res).data;
    assert.deepEqual(Object.keys(data), [...DATASET_PAGE_KEYS, 'next']);
    assert.equal(data.total, ROWS / 4);
    assert.equal(data.current, 1);
    assert.match(data.next, /^[A-Za-z0-9_-]+$/);
    const second = body(await get(`/api/dataset/${dsId}?company=Acme&size=3&_after=${data.next}`)).data;
    assert.deepEqual(
      second.records.map((r: { id: number }) => r.id),
      [13, 17, 21],
    );
  });

  it('a garbage or tampered cursor is 400 naming _after, never a 500', async () => {
    const next = body(await get(`/api/dataset/${dsId}?size=3&_after=`)).data.next as string;
    // Sealed: what it holds can't be read out of it (the clear form below starts with the dataset id).
    assert.ok(!Buffer.from(next, 'base64url').toString('latin1').includes(dsId), 'the dataset id shows');
    const flip = (i: number) => next.slice(0, i) + (next[i] === 'A' ? 'B' : 'A') + next.slice(i + 1);
    const bad = [
      'garbage',
      '%00',
      'x'.repeat(5000),
      next.slice(0, -2),
      next + 'AA',
      flip(0),
      flip(30),
      flip(next.length - 1),
      // What a client could forge: the inside in the clear.
      Buffer.from(`1.${dsId}.1.3`).toString('base64url'),
      '////',
    ];
    for (const c of bad) {
      const res = await get(`/api/dataset/${dsId}?size=3&_after=${encodeURIComponent(c)}`);
      assert.ok(res.statusCode === 400, `${c}: ${res.statusCode} ${res.body}`);
      assertBadParameter(res, /"_after"|NUL|null character/i);
    }
    assertBadParameter(await get(`/api/dataset/${dsId}?_after=&current=2`), /"_after" can't be used with "current"/);
    assertBadParameter(await get(`/api/dataset/${dsId}?_after=&_sort=id`), /"_after" pages in natural order only/);
    assertBadParameter(await get(`/api/dataset/${dsId}?_after=&_after=`), /"_after" is given more than once/);
    // A position past the end (sealed by the server itself) is an empty last page.
    const version = Number((await get(`/api/dataset/${dsId}?size=1`)).headers['x-dataset-version']);
    const far = encodeCursor({ datasetId: dsId, version, row: 999_999_999 }, t.modules.access.cursors);
    const res = await get(`/api/dataset/${dsId}?size=3&_after=${far}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual([body(res).data.records, body(res).data.next], [[], null]);
  });

  it("a cursor of another dataset is 400; a cursor can't widen a key's row scope", async () => {
    const other = body(await get(`/api/dataset/${otherId}?size=3&_after=`)).data.next as string;
    assertBadParameter(await get(`/api/dataset/${dsId}?size=3&_after=${other}`), /cursor of another dataset/);
    // A cursor made by an unscoped key, given to a scoped one: it is a position, the scope still holds.
    const mine = body(await get(`/api/dataset/${dsId}?size=3&_after=`)).data.next as string;
    const res = await get(`/api/dataset/${dsId}?size=50&_after=${mine}`, scoped);
    assert.equal(res.statusCode, 200);
    const data = body(res).data;
    assert.ok(data.records.every((r: { company: string }) => r.company === 'Acme'));
    assert.equal(data.records[0].id, 5);
    assert.equal(data.total, ROWS / 4);
    const { ids } = await walk('size=400', scoped);
    assert.equal(ids.length, ROWS / 4);
    assert.ok(ids.every((id) => (id - 1) % 4 === 0));
  });

  it('a cursor from before a reload is 410 CURSOR_STALE; an empty _after starts again', async () => {
    const next = body(await get(`/api/dataset/${dsId}?size=3&_after=`)).data.next as string;
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('t2.csv', csv('second')),
      replaceId: dsId,
    });
    await t.server.refresh();
    const res = await get(`/api/dataset/${dsId}?size=3&_after=${next}`);
    assert.equal(res.statusCode, 410);
    const b = body(res) as unknown as { code: number; msg: string; data: unknown };
    assert.equal(b.code, 410);
    assert.deepEqual(b.data, []);
    assert.match(b.msg, /"_after".*reloaded/);
    const fresh = await get(`/api/dataset/${dsId}?size=3&_after=`);
    assert.equal(fresh.statusCode, 200);
    assert.match(body(fresh).data.records[0].note, /^second/);
  });
});
