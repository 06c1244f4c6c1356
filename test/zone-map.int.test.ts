import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Dataset } from '../src/catalog/dataset-registry.ts';
import { parseQuery, type ParsedQuery } from '../src/catalog/filter/query-parser.ts';
import { parseScope } from '../src/catalog/filter/scope.ts';
import { buildCountQuery, buildPageQuery } from '../src/catalog/query/dataset-query.ts';
import { TableGoneError } from '../src/shared/errors.ts';
import { zoneTable, ZONE_ROWS } from '../src/store/index.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Five blocks and a part: the last block is short.
const ROWS = 5 * ZONE_ROWS + 300;
const DAY = 86_400_000;
const START = Date.UTC(2023, 0, 1);

/**
 * Rows in load order: `n` rises with the row (with nulls only in the third block, and a
 * stray large value in the first), `d` and `t` rise by the day (with a stray early date
 * in the fifth block), `u` is scattered, `p` cycles 1 to 5. `shift` moves every value,
 * for a reload whose zone map must differ.
 */
function csv(shift: number): string {
  let text = 'n,d,t,u,p,s\n';
  for (let i = 1; i <= ROWS; i++) {
    const block = Math.floor((i - 1) / ZONE_ROWS);
    const n = block === 2 ? '' : i === 7 ? 900_000 : i + shift;
    const day = block === 4 && i % 97 === 0 ? 0 : Math.floor((i + shift) / 40);
    const date = new Date(START + day * DAY).toISOString();
    const u = (i * 7919) % 10_007;
    text += `${n},${date.slice(0, 10)},${date.replace('.000Z', 'Z')},${u},${1 + (i % 5)},row ${i}\n`;
  }
  return text;
}

describe('zone maps: natural-order pages skip blocks that cannot match, and never one that can', () => {
  let t: TestServer;
  let ds: Dataset;

  before(async () => {
    t = await startTestServer();
    ds = await t.modules.catalog.datasets.importFile(t.tenant.id, { file: t.file('z.csv', csv(0)), name: 'Z' });
  });
  after(async () => t?.close());

  function parsed(qs: string, d = ds): ParsedQuery {
    const p = parseQuery(Object.fromEntries(new URLSearchParams(qs)), d.fields, { maxSize: 1000 });
    assert.ok(p.ok, qs);
    return p.query;
  }

  /** The rows of `q`'s page read without the zone map: the answer the zone map must not change. */
  async function reference(d: Dataset, q: ParsedQuery): Promise<{ total: number; rows: unknown[][] }> {
    const { store } = t.modules;
    const count = buildCountQuery(store.data, store.caps, d, q);
    const total = count ? Number((await store.tables.rows(count))[0][0]) : d.rowCount;
    return { total, rows: await store.tables.rows(buildPageQuery(store.data, store.caps, d, q, total)) };
  }

  /** The filters whose pages were read through the zone map. */
  const walked = new Set<string>();

  async function samePages(qs: string, d = ds, scope = ''): Promise<number> {
    let checked = 0;
    for (const size of [7, 100]) {
      for (let current = 1; current <= 40; current++) {
        let q = parsed(`${qs}&current=${current}&size=${size}`, d);
        if (scope !== '') {
          const s = parseScope(scope, d.fields);
          assert.ok(s.ok);
          q = { ...q, filters: [...s.filters, ...q.filters] };
        }
        const want = await reference(d, q);
        const { store } = t.modules;
        const zoned = buildPageQuery(store.data, store.caps, { ...d, zones: zoneTable(d.tableName) }, q, want.total);
        if (zoned.sql.includes(zoneTable(d.tableName))) walked.add(qs);
        const got = await t.modules.catalog.datasets.readPage(d, q);
        assert.equal(got.total, want.total, `${qs} total`);
        assert.deepEqual(got.rows, want.rows, `${qs} page ${current} of ${size}`);
        checked += got.rows.length;
        if (got.rows.length < size) break;
      }
    }
    return checked;
  }

  it('makes a zone map with one row per block and each block range at load', async () => {
    const { store } = t.modules;
    const zm = store.data.selectFrom(zoneTable(ds.tableName));
    const blocks = await store.tables.rows(
      zm.select(['block', 'first_row', 'last_row', 'c0_lo', 'c0_hi']).orderBy('block').compile(),
    );
    assert.equal(blocks.length, 6);
    assert.deepEqual(blocks[5].slice(1, 3).map(Number), [5 * ZONE_ROWS + 1, ROWS]);
    // The first block's range reaches its stray value; the third holds nulls alone.
    assert.deepEqual(blocks[0].slice(3).map(Number), [1, 900_000]);
    assert.deepEqual(blocks[2].slice(3), [null, null]);
  });

  it('answers every filter shape as a walk without the zone map does', async () => {
    const cases = [
      // A block whose least or greatest value is the bound itself, on either side.
      `n=${ZONE_ROWS},${ZONE_ROWS}`,
      `n=${ZONE_ROWS + 1}`,
      `n=${ZONE_ROWS},${ZONE_ROWS + 1}`,
      `n=${2 * ZONE_ROWS},${3 * ZONE_ROWS + 1}`,
      `n=4000,`,
      `n=,40`,
      'n=900000',
      'n=1,10,4000,4010,5000',
      'n[in]=3,3000,4500',
      'n[ne]=5',
      'n[eq]=3000',
      'n=',
      'n=-5,0',
      // Days: the stray early dates in the fifth block must be found.
      'd=2023-01-01,2023-01-02',
      'd=2023-03-01',
      'd=2023-03-01,2023-03-10&p=2,3',
      't=2023-01-01T00:00:00Z,2023-01-01T12:00:00Z',
      't=2023-02-10,2023-02-11',
      'u=100,200',
      'u=100,200&n=1000,3500',
      'p=2,4&n=3000,5000',
      's=row 4',
      // Wide enough to be walked: bounds on block edges, ORed with a wide range.
      `n=${ZONE_ROWS},${ZONE_ROWS},${4 * ZONE_ROWS},`,
      `n=${ZONE_ROWS + 1},${ZONE_ROWS + 1},${4 * ZONE_ROWS + 1},`,
      `n=,${ZONE_ROWS}`,
      `n=${ZONE_ROWS + 1},${2 * ZONE_ROWS}`,
      'n=1000,5000&u=100,9000',
      'd=2023-02-01,&p=1,2',
      't=2023-01-20,2023-03-01',
      // Equals and one-of at a block's least (1) and greatest (5) value.
      'p=1',
      'p=5',
      'p[in]=1,5',
      `n=,${ZONE_ROWS},${3 * ZONE_ROWS + 1},&d=2023-01-10,2023-04-10`,
    ];
    for (const qs of cases) await samePages(qs);
    // Most cases are read through the zone map (the others through the filters' indexes).
    assert.ok(walked.size >= 17, [...walked].join(' '));
    // The cases find rows, in most blocks: no vacuous pass.
    assert.ok((await samePages('d=2023-01-01,2023-01-02')) > 10);
    // One row, read once at each page size.
    assert.equal(await samePages(`n=${ZONE_ROWS},${ZONE_ROWS}`), 2);
  });

  it('leaves long lists of values to the filter: the same rows, no error, nothing to bind twice', async () => {
    // An [in] list holds at most 500 values; intervals have no such limit.
    const values = Array.from({ length: 500 }, (_, i) => String(i * 7)).join(',');
    const intervals = Array.from({ length: 3000 }, (_, i) => String(i * 2)).join(',');
    for (const qs of [`n[in]=${values}`, `n=${intervals}`, `n[in]=${values}&d=2023-01-05,2023-02-20`]) {
      await samePages(qs);
      const q = parsed(qs);
      const { store } = t.modules;
      const sql = buildPageQuery(store.data, store.caps, { ...ds, zones: zoneTable(ds.tableName) }, q, ROWS).sql;
      // Only the date narrows the blocks in the last one.
      assert.equal(sql.includes('"c0_lo"'), false, qs);
    }
  });

  it('combines a row scope with the client filters', async () => {
    assert.ok((await samePages('n=1000,4000', ds, 'p=2')) > 0);
    assert.ok((await samePages('d=2023-01-01,2023-02-01', ds, 'n=,2000')) > 0);
  });

  it('skips the blocks that cannot match (the walk reads fewer rows)', async () => {
    const { store } = t.modules;
    const q = parsed('n=4000,4100');
    const withZones = { ...ds, zones: zoneTable(ds.tableName) };
    const sql = buildPageQuery(store.data, store.caps, withZones, q, 101).sql;
    assert.match(sql, new RegExp(zoneTable(ds.tableName)));
    const without = buildPageQuery(store.data, store.caps, ds, q, 101).sql;
    assert.doesNotMatch(without, /zm_/);
  });

  it('counts over the span of the blocks that can match when it is small, and not at all when none can', async () => {
    const { store } = t.modules;
    const ran: string[] = [];
    const rows = store.tables.rows;
    store.tables.rows = (query, opts) => {
      ran.push(query.sql);
      return rows(query, opts);
    };
    try {
      const counted = async (qs: string) => {
        ran.length = 0;
        const q = parsed(qs);
        const got = await t.modules.catalog.datasets.countRows(ds, q.filters);
        // What the service ran, but for its read of the zone map.
        const sql = ran.filter((s) => !s.includes('zm_'));
        assert.equal(got, (await reference(ds, q)).total, qs);
        return { got, sql };
      };
      // The last block alone (days from 2023-05-10; the fifth block's stray early dates are
      // all before): read by `_row` between the span's ends.
      const narrow = await counted('d=2023-05-10,&p=2,3');
      assert.ok(narrow.got > 50, String(narrow.got));
      assert.equal(narrow.sql.length, 1);
      assert.match(narrow.sql[0], /"_row" >= (\?|\$1) and "_row" <= (\?|\$2)/);
      // No block holds a value below 1: nothing is read but the zone map.
      assert.deepEqual(await counted('n=-5,0&p=1'), { got: 0, sql: [] });
      assert.deepEqual(await counted('d=2020-01-01,2020-12-31&p=1'), { got: 0, sql: [] });
      // Every block's range meets a scattered column's, or a wide range, or one field
      // alone (its index counts it): the plain count. (Filters no earlier test counted:
      // their counts are not in the cache.)
      for (const qs of ['u=101,201&p=2', `n=${ZONE_ROWS + 7},&p=3`, 'd=2023-05-11,', 'n=-7,0']) {
        const plain = await counted(qs);
        assert.ok(plain.got > 0 || qs === 'n=-7,0', qs);
        assert.equal(plain.sql.length, 1);
        assert.doesNotMatch(plain.sql[0], /"_row" >=/, qs);
      }
    } finally {
      store.tables.rows = rows;
    }
  });

  it('gives a reloaded version a zone map of its own, and drops each with its table', async () => {
    const { store } = t.modules;
    const next = await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('z2.csv', csv(3000)),
      name: 'Z',
      replaceId: ds.id,
    });
    assert.notEqual(next.tableName, ds.tableName);
    assert.ok(await store.tables.exists(zoneTable(next.tableName)));
    for (const qs of ['n=4000,4100', 'd=2023-03-01,2023-03-05', `n=${ZONE_ROWS + 3000}`]) await samePages(qs, next);
    await store.tables.drop(ds.tableName);
    assert.equal(await store.tables.exists(zoneTable(ds.tableName)), false);
    assert.equal(await store.tables.exists(ds.tableName), false);
    // A page built before the drop, over the zone map, is a table gone (a 404), not an error.
    const page = buildPageQuery(store.data, store.caps, { ...ds, zones: zoneTable(ds.tableName) }, parsed('p=1'), ROWS);
    await assert.rejects(
      async () => store.tables.rows(page),
      (e) => e instanceof TableGoneError && e.table === ds.tableName,
    );
  });

  it('drops the zone map of a table a killed load left behind', async () => {
    const { store } = t.modules;
    const orphan = 'ds_zoneorphan_v1';
    const fields = ds.fields.slice(0, 1);
    await store.tables.create(orphan, fields);
    await store.tables.insert(orphan, fields, [[1]], 1);
    await store.tables.index(orphan, fields);
    assert.ok(await store.tables.exists(zoneTable(orphan)));
    const dropped = await store.tables.dropOrphans('ds_zoneorphan_');
    assert.deepEqual(
      dropped.map((d) => d.table),
      [orphan],
    );
    assert.equal(await store.tables.exists(zoneTable(orphan)), false);
  });
});
