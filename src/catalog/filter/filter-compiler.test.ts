import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Expression, SqlBool } from 'kysely';
import type { DialectCapabilities } from '../../store/dialects/capabilities.ts';
import { sqliteCapabilities } from '../../store/dialects/sqlite-capabilities.ts';
import { zoneTable } from '../../store/dialects/dataset-tables.ts';
import { postgresCapabilities } from '../../store/dialects/postgres-capabilities.ts';
import { openSqlite, type SqliteHandle } from '../../store/dialects/sqlite.ts';
import {
  caseName,
  F,
  FIELDS,
  FILTER_CASES,
  loadFilterTable,
  parseFilterQuery,
  ROWS,
  selectedRows,
} from '../../../test/support/filter-cases.ts';
import type { DatasetTable } from '../query/dataset-query.ts';
import type { Field, FieldType, Value } from '../types.ts';
import { compileFilters, compileZoneFilters } from './filter-compiler.ts';
import type { FilterNode } from './filter-parser.ts';
import type { Params } from './params.ts';
import { parseQuery } from './query-parser.ts';

/** Only compiles: Kysely opens no connection until a query is executed. */
const memory = new Database(':memory:');
const kysely = new Kysely<any>({ dialect: new SqliteDialect({ database: memory }) });
after(() => memory.close());

function compile(expr: Expression<SqlBool> | undefined) {
  assert.ok(expr, 'expected an expression');
  return kysely.selectFrom('t').selectAll().where(expr).compile();
}

describe('compiled SQL and parameters per node kind (SQLite)', () => {
  const cases: { name: string; nodes: FilterNode[]; where: string; parameters: unknown[] }[] = [
    {
      name: 'TEXT empty',
      nodes: [{ kind: 'empty', field: F.summary }],
      where: '("c1" is null or "c1" = ?)',
      parameters: [''],
    },
    { name: 'NUMBER empty', nodes: [{ kind: 'empty', field: F.price }], where: '"c2" is null', parameters: [] },
    { name: 'BOOLEAN empty', nodes: [{ kind: 'empty', field: F.isDefault }], where: '"c3" is null', parameters: [] },
    { name: 'DATE empty', nodes: [{ kind: 'empty', field: F.date }], where: '"c4" is null', parameters: [] },
    { name: 'DATETIME empty', nodes: [{ kind: 'empty', field: F.createdAt }], where: '"c5" is null', parameters: [] },
    {
      name: 'contains wraps in % and escapes %, _ and \\',
      nodes: [{ kind: 'contains', field: F.summary, value: 'a%b_c\\d' }],
      where: `"c1" like ? escape '\\'`,
      parameters: ['%a\\%b\\_c\\\\d%'],
    },
    {
      name: 'contains a quote is only a parameter',
      nodes: [{ kind: 'contains', field: F.realName, value: "O'Connor" }],
      where: `"c6" like ? escape '\\'`,
      parameters: ["%O'Connor%"],
    },
    {
      name: 'contains with i, k or non-ASCII letters: LIKE with _ in their place, then the Unicode check',
      nodes: [{ kind: 'contains', field: F.realName, value: 'Kİm É_' }],
      where: `("c6" like ? escape '\\' and dg_icontains("c6", ?))`,
      parameters: ['%__m _\\_%', 'kim é_'],
    },
    {
      name: 'contains ASCII with i: LIKE, and the Unicode check only where LIKE on the exact text fails',
      nodes: [{ kind: 'contains', field: F.realName, value: 'Tim' }],
      where: `("c6" like ? escape '\\' and ("c6" like ? escape '\\' or dg_icontains("c6", ?)))`,
      parameters: ['%t_m%', '%tim%', 'tim'],
    },
    {
      name: 'BOOLEAN equals true',
      nodes: [{ kind: 'equals', field: F.isDefault, value: true }],
      where: '"c3" = ?',
      parameters: [1],
    },
    {
      name: 'BOOLEAN equals false',
      nodes: [{ kind: 'equals', field: F.isDefault, value: false }],
      where: '"c3" = ?',
      parameters: [0],
    },
    {
      name: 'NUMBER equals a 64-bit integer',
      nodes: [{ kind: 'equals', field: F.id, value: 1534956341424005122n }],
      where: '"c0" = ?',
      parameters: [1534956341424005122n],
    },
    {
      name: 'between',
      nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: 12.6, hi: 56.3 }] }],
      where: '("c2" >= ? and "c2" <= ?)',
      parameters: [12.6, 56.3],
    },
    {
      name: 'lower bound only',
      nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: 12.6, hi: null }] }],
      where: '"c2" >= ?',
      parameters: [12.6],
    },
    {
      name: 'upper bound only',
      nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: null, hi: 56.3 }] }],
      where: '"c2" <= ?',
      parameters: [56.3],
    },
    {
      name: 'exclusive upper bound',
      nodes: [{ kind: 'ranges', field: F.createdAt, ranges: [{ lo: 0, hi: 86_400_000, hiExclusive: true }] }],
      where: '("c5" >= ? and "c5" < ?)',
      parameters: [0, 86_400_000],
    },
    {
      name: 'several intervals are ORed',
      nodes: [
        {
          kind: 'ranges',
          field: F.date,
          ranges: [
            { lo: '2022-07-01', hi: '2023-02-01' },
            { lo: '2023-04-01', hi: null },
          ],
        },
      ],
      where: '(("c4" >= ? and "c4" <= ?) or "c4" >= ?)',
      parameters: ['2022-07-01', '2023-02-01', '2023-04-01'],
    },
    {
      name: 'a range unbounded on both sides means any value',
      nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: null, hi: null }] }],
      where: '"c2" is not null',
      parameters: [],
    },
    {
      name: 'no ranges matches nothing',
      nodes: [{ kind: 'ranges', field: F.price, ranges: [] }],
      where: '1 = 0',
      parameters: [],
    },
    {
      name: 'TEXT equals (an [eq])',
      nodes: [{ kind: 'equals', field: F.summary, value: 'Acme' }],
      where: '"c1" = ?',
      parameters: ['Acme'],
    },
    {
      name: 'in: one list of parameters',
      nodes: [{ kind: 'in', field: F.id, values: [1, 1534956341424005122n] }],
      where: '"c0" in (?, ?)',
      parameters: [1, 1534956341424005122n],
    },
    {
      name: 'BOOLEAN in encodes its values',
      nodes: [{ kind: 'in', field: F.isDefault, values: [true, false] }],
      where: '"c3" in (?, ?)',
      parameters: [1, 0],
    },
    {
      name: 'any ORs its nodes',
      nodes: [
        {
          kind: 'any',
          field: F.createdAt,
          nodes: [
            { kind: 'in', field: F.createdAt, values: [5] },
            { kind: 'ranges', field: F.createdAt, ranges: [{ lo: 0, hi: 86_400_000, hiExclusive: true }] },
            { kind: 'empty', field: F.createdAt },
          ],
        },
      ],
      where: '("c5" in (?) or ("c5" >= ? and "c5" < ?) or "c5" is null)',
      parameters: [5, 0, 86_400_000],
    },
    {
      name: 'not equals is <>',
      nodes: [{ kind: 'not', field: F.summary, node: { kind: 'equals', field: F.summary, value: 'x' } }],
      where: '"c1" <> ?',
      parameters: ['x'],
    },
    {
      name: 'not in is not in',
      nodes: [{ kind: 'not', field: F.price, node: { kind: 'in', field: F.price, values: [1, 2] } }],
      where: '"c2" not in (?, ?)',
      parameters: [1, 2],
    },
    {
      name: 'not empty',
      nodes: [{ kind: 'not', field: F.summary, node: { kind: 'empty', field: F.summary } }],
      where: 'not ("c1" is null or "c1" = ?)',
      parameters: [''],
    },
    {
      name: 'not a day',
      nodes: [
        {
          kind: 'not',
          field: F.createdAt,
          node: { kind: 'ranges', field: F.createdAt, ranges: [{ lo: 0, hi: 86_400_000, hiExclusive: true }] },
        },
      ],
      where: 'not ("c5" >= ? and "c5" < ?)',
      parameters: [0, 86_400_000],
    },
    {
      name: 'several nodes are ANDed',
      nodes: [
        { kind: 'contains', field: F.summary, value: 'x' },
        { kind: 'equals', field: F.price, value: 3 },
        { kind: 'empty', field: F.date },
      ],
      where: `("c1" like ? escape '\\' and "c2" = ? and "c4" is null)`,
      parameters: ['%x%', 3],
    },
  ];
  // The nodes OData's $filter adds (src/catalog/odata/), compiled by the same builder.
  cases.push(
    {
      name: 'either and all nest across fields',
      nodes: [
        {
          kind: 'either',
          nodes: [
            { kind: 'equals', field: F.price, value: 1 },
            {
              kind: 'all',
              nodes: [
                { kind: 'null', field: F.summary },
                { kind: 'ranges', field: F.n, ranges: [{ lo: 2, hi: null, loExclusive: true }] },
              ],
            },
          ],
        },
      ],
      where: '("c2" = ? or ("c1" is null and "c7" > ?))',
      parameters: [1, 2],
    },
    {
      name: 'negate is two-valued: true wherever the node is not true, nulls included',
      nodes: [{ kind: 'negate', node: { kind: 'equals', field: F.summary, value: 'x' } }],
      where: '("c1" = ?) is not true',
      parameters: ['x'],
    },
    { name: 'never matches no row', nodes: [{ kind: 'never' }], where: '1 = 0', parameters: [] },
    {
      name: 'exact text: equals is =, the rest GLOB with *, ? and [ as classes',
      nodes: [
        { kind: 'text', field: F.summary, match: 'equals', value: 'a*', ignoreCase: false },
        { kind: 'text', field: F.summary, match: 'contains', value: 'a*b?c[d', ignoreCase: false },
        { kind: 'text', field: F.summary, match: 'startswith', value: '%_', ignoreCase: false },
        { kind: 'text', field: F.summary, match: 'endswith', value: 'z', ignoreCase: false },
      ],
      where: '("c1" = ? and "c1" glob ? and "c1" glob ? and "c1" glob ?)',
      parameters: ['a*', '*a[*]b[?]c[[]d*', '%_*', '*z'],
    },
    {
      name: 'folded text: LIKE alone for ASCII, with the JavaScript check for the rest',
      nodes: [
        { kind: 'text', field: F.summary, match: 'startswith', value: 'ab%', ignoreCase: true },
        { kind: 'text', field: F.summary, match: 'endswith', value: 'é', ignoreCase: true },
      ],
      where: `("c1" like ? escape '\\' and ("c1" like ? escape '\\' and dg_imatch("c1", ?, ?)))`,
      parameters: ['ab\\%%', '%_', 'é', 'endswith'],
    },
  );

  for (const c of cases) {
    it(c.name, () => {
      const compiled = compile(compileFilters(c.nodes, sqliteCapabilities));
      assert.equal(compiled.sql, `select * from "t" where ${c.where}`);
      assert.deepEqual(compiled.parameters, c.parameters);
    });
  }

  it('keeps columns off their indexes when asked, with the same parameters', () => {
    const nodes: FilterNode[] = [
      { kind: 'ranges', field: F.price, ranges: [{ lo: 2, hi: 4 }] },
      { kind: 'contains', field: F.summary, value: 'a' },
    ];
    const plain = compile(compileFilters(nodes, sqliteCapabilities)!);
    const scan = compile(compileFilters(nodes, sqliteCapabilities, { avoidIndexes: true })!);
    assert.equal(scan.sql, plain.sql.replaceAll('"c', '+"c'));
    assert.deepEqual(scan.parameters, plain.parameters);
  });

  it('on PostgreSQL, text matches are LIKE (exact) or ILIKE (folded)', () => {
    const compiled = compile(
      compileFilters(
        [
          { kind: 'text', field: F.summary, match: 'contains', value: '50%', ignoreCase: false },
          { kind: 'text', field: F.summary, match: 'endswith', value: 'É', ignoreCase: true },
          { kind: 'text', field: F.summary, match: 'equals', value: 'x', ignoreCase: false },
        ],
        postgresCapabilities,
      ),
    );
    assert.equal(
      compiled.sql,
      `select * from "t" where ("c1" like ? escape '\\' and "c1" ilike ? escape '\\' and "c1" = ?)`,
    );
    assert.deepEqual(compiled.parameters, ['%50\\%%', '%É', 'x']);
  });

  it('no nodes compile to undefined', () => {
    assert.equal(compileFilters([], sqliteCapabilities), undefined);
  });

  it('uses the capability for the LIKE operator and encodes every value through it', () => {
    const calls: [FieldType, Value][] = [];
    const caps: DialectCapabilities = {
      ...sqliteCapabilities,
      containsText: postgresCapabilities.containsText,
      unindexedRef: (c) => sqliteCapabilities.unindexedRef(c),
      encode(type, value) {
        calls.push([type, value]);
        return `${type}:${String(value)}`;
      },
    };
    const compiled = compile(
      compileFilters(
        [
          { kind: 'contains', field: F.summary, value: 'Tod' },
          { kind: 'equals', field: F.isDefault, value: true },
          { kind: 'ranges', field: F.createdAt, ranges: [{ lo: 1, hi: 2, hiExclusive: true }] },
        ],
        caps,
      ),
    );
    assert.equal(
      compiled.sql,
      `select * from "t" where ("c1" ilike ? escape '\\' and "c3" = ? and ("c5" >= ? and "c5" < ?))`,
    );
    assert.deepEqual(compiled.parameters, ['%Tod%', 'BOOLEAN:true', 'DATETIME:1', 'DATETIME:2']);
    assert.deepEqual(calls, [
      ['BOOLEAN', true],
      ['DATETIME', 1],
      ['DATETIME', 2],
    ]);
  });
});

describe('the filter cases on a real SQLite file database', () => {
  let dir: string;
  let lite: SqliteHandle;
  let table: DatasetTable;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'datagate-filter-'));
    lite = openSqlite(join(dir, 'filter.db'));
    table = await loadFilterTable(lite.tables, 'ds_filters_v1');
  });

  after(() => {
    lite.raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The compiled filters of `params`, run alone: the `n`s of the matching rows in load order. */
  function rowsFor(params: Params): number[] {
    const where = compileFilters(parseFilterQuery(params).filters, sqliteCapabilities);
    let query = lite.data.selectFrom(table.tableName).select(F.n.column).orderBy('_row');
    if (where) query = query.where(where);
    return (lite.tables.rows(query.compile()) as unknown[][]).map((r) => Number(r[0]));
  }

  for (const c of FILTER_CASES) {
    it(caseName(c), async () => {
      assert.deepEqual(rowsFor(c.params), c.rows, 'the filters alone');
      assert.deepEqual(
        await selectedRows(lite.data, sqliteCapabilities, lite.tables, table, c.params),
        { total: c.rows.length, rows: c.rows },
        'count and page',
      );
      // The table is one block of the zone map: it holds every row, so a filter that
      // matches any row must leave the block in (and a filter that rules it out, none).
      const zones = compileZoneFilters(parseFilterQuery(c.params).filters, sqliteCapabilities, table.fields);
      if (zones) {
        const blocks = lite.data.selectFrom(zoneTable(table.tableName)).select('block').where(zones).compile();
        const kept = (lite.tables.rows(blocks) as unknown[][]).length;
        if (c.rows.length > 0) assert.equal(kept, 1, 'the zone map keeps the block');
      }
    });
  }

  it("thousands of intervals, and a filter repeated a thousand times, stay within SQLite's expression depth", () => {
    // 1,500 intervals 0.1 wide around the integers -500 to 999: whole prices match, and 210.01.
    const intervals = Array.from({ length: 1500 }, (_, i) => `${i - 500 - 0.05},${i - 500 + 0.05}`).join(',');
    assert.deepEqual(rowsFor({ price: intervals }), [5, 6, 7, 9, 10, 11, 13]);
    assert.deepEqual(
      rowsFor({ 'price[ne]': Array.from({ length: 1500 }, (_, i) => String(i)) }),
      [1, 2, 3, 7, 8, 10, 14, 15],
    );
    const days = Array.from({ length: 500 }, (_, i) => new Date(Date.UTC(2023, 0, 1 + i)).toISOString().slice(0, 10));
    assert.deepEqual(rowsFor({ 'created_at[in]': days.join(',') }), [1, 2, 3, 5, 6, 7, 10, 11, 12, 13, 14]);
  });

  it('a list longer than 64 terms is nested in groups of 64; up to 64 it is one flat OR', () => {
    const flat = compile(
      compileFilters(
        parseFilterQuery({ price: Array.from({ length: 64 }, (_, i) => `${i},`).join(',') }).filters,
        sqliteCapabilities,
      ),
    );
    assert.equal(flat.sql.match(/\(/g)?.length, 1);
    const deep = compile(
      compileFilters(
        parseFilterQuery({ price: Array.from({ length: 65 }, (_, i) => `${i},`).join(',') }).filters,
        sqliteCapabilities,
      ),
    );
    assert.ok(deep.sql.startsWith(`select * from "t" where (("c2" >= ? or `), deep.sql.slice(0, 80));
    assert.ok(deep.sql.endsWith(` or "c2" >= ?) or "c2" >= ?)`), deep.sql.slice(-80));
    assert.equal(deep.parameters.length, 65);
  });

  it('64-bit values read back exactly', () => {
    const where = compileFilters(parseFilterQuery({ Id: '1534956341424005121,' }).filters, sqliteCapabilities)!;
    const rows = lite.tables.rows(
      lite.data.selectFrom(table.tableName).select(F.id.column).where(where).orderBy('_row').compile(),
    ) as unknown[][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      [1534956341424005122n, 1534956341424005123n, 1534956341424005121n, 9223372036854775807n],
    );
  });

  describe('injection', () => {
    const values = [
      "'; DROP TABLE t; --",
      "x' OR '1'='1",
      "' OR 1=1 --",
      '" OR ""="',
      '%',
      '%%',
      '_',
      '\\',
      "\\'; DROP TABLE t; --",
      '1); DELETE FROM t; --',
      '*/ DROP TABLE t /*',
      // U+0000 never reaches the compiler: the parser refuses it (filter-parser.test.ts).
    ];
    for (const value of values) {
      it(`TEXT value ${JSON.stringify(value)} is only a parameter`, () => {
        const compiled = compile(compileFilters(parseFilterQuery({ summary: value }).filters, sqliteCapabilities));
        assert.equal(compiled.sql, `select * from "t" where "c1" like ? escape '\\'`);
        assert.equal(compiled.parameters.length, 1);
      });
      it(`TEXT value ${JSON.stringify(value)} with [eq], [ne] and [in] is only a parameter`, () => {
        const compiled = compile(
          compileFilters(
            parseFilterQuery({
              'summary[eq]': value,
              'summary[ne]': value,
              'summary[in]': `${value.replaceAll('\\', '\\\\').replaceAll(',', '\\,')},z`,
            }).filters,
            sqliteCapabilities,
          ),
        );
        assert.equal(compiled.sql, `select * from "t" where ("c1" = ? and "c1" <> ? and "c1" in (?, ?))`);
        assert.deepEqual(compiled.parameters, [value, value, value, 'z']);
      });
    }

    const rejected: { params: Params; message: RegExp }[] = [
      { params: { price: '1; DROP TABLE t' }, message: /^Invalid value "1; DROP TABLE t" for NUMBER field "price"/ },
      { params: { price: '1 OR 1=1' }, message: /^Invalid value "1 OR 1=1" for NUMBER field "price"/ },
      {
        params: { is_default: "1' OR '1'='1" },
        message: /^Invalid value "1' OR '1'='1" for BOOLEAN field "is_default"/,
      },
      {
        params: { date: "2023-01-01' OR '1'='1" },
        message: /^Invalid value "2023-01-01' OR '1'='1" for DATE field "date"/,
      },
      {
        params: { created_at: '2023-01-01; DROP TABLE t' },
        message: /^Invalid value "2023-01-01; DROP TABLE t" for DATETIME field "created_at"/,
      },
      { params: { 'summary" OR 1=1 --': 'x' }, message: /^Unknown field "summary\\" OR 1=1 --"; fields are: / },
      { params: { c1: 'x' }, message: /^Unknown field "c1"; fields are: / },
      { params: { '"c1"': 'x' }, message: /^Unknown field "\\"c1\\""; fields are: / },
      { params: { _row: '1' }, message: /^Unknown option "_row"/ },
      { params: { __proto__x: '1' }, message: /^Unknown option "__proto__x"/ },
      { params: { constructor: '1' }, message: /^Unknown field "constructor"/ },
      { params: { toString: '1' }, message: /^Unknown field "toString"/ },
      {
        params: { _sort: 'Id"; DROP TABLE t; --' },
        message: /^Unknown field "Id\\"; DROP TABLE t; --" in option "_sort"/,
      },
      { params: { _sort: '-price;DROP TABLE t' }, message: /^Unknown field "price;DROP TABLE t" in option "_sort"/ },
      { params: { _sort: 'c1' }, message: /^Unknown field "c1" in option "_sort"/ },
      { params: { _sort: '_row' }, message: /^Unknown field "_row" in option "_sort"/ },
      { params: { _sort: '(select 1)' }, message: /^Unknown field "\(select 1\)" in option "_sort"/ },
      {
        params: { _fields: "Id,summary' FROM t; --" },
        message: /^Unknown field "summary' FROM t; --" in option "_fields"/,
      },
      { params: { _fields: '*' }, message: /^Unknown field "\*" in option "_fields"/ },
      { params: { 'summary[eq) OR 1=1 --]': 'x' }, message: /^Unknown operator "eq\) OR 1=1 --" in / },
      { params: { 'summary[or]': 'x' }, message: /^Unknown operator "or" in / },
      { params: { 'c1[eq]': 'x' }, message: /^Unknown field "c1" in "c1\[eq\]"; fields are: / },
      { params: { 'price[in]': '1) OR (1=1' }, message: /^Invalid value "1\) OR \(1=1" for NUMBER field "price"/ },
    ];
    for (const c of rejected) {
      it(`rejects ${JSON.stringify(c.params)}`, () => {
        const result = parseQuery(c.params, FIELDS, { maxSize: 1000 });
        assert.equal(result.ok, false);
        assert.match((result as { message: string }).message, c.message);
      });
    }

    it('a parsed __proto__ key is an unknown option', () => {
      const params = JSON.parse('{"__proto__": "1"}') as Params;
      const result = parseQuery(params, FIELDS, { maxSize: 1000 });
      assert.deepEqual(result, {
        ok: false,
        message: 'Unknown option "__proto__"; options are: _sort, _fields, _numbers',
      });
    });

    it('field names never reach SQL, only their generated columns', () => {
      const hostile: Field[] = [
        { name: 'x" OR 1=1 --', type: 'TEXT', column: 'c1' },
        { name: "y'; DROP TABLE t; --", type: 'NUMBER', column: 'c2' },
      ];
      const result = parseQuery(
        { 'x" OR 1=1 --': 'printer', "y'; DROP TABLE t; --": ',20', _sort: "-y'; DROP TABLE t; --" },
        hostile,
        { maxSize: 10 },
      );
      assert.ok(result.ok);
      assert.deepEqual(result.query.sort, [{ field: hostile[1], asc: false }]);
      const compiled = lite.data
        .selectFrom(table.tableName)
        .select('_row')
        .where(compileFilters(result.query.filters, sqliteCapabilities)!)
        .orderBy('_row')
        .compile();
      assert.equal(
        compiled.sql,
        `select "_row" from "ds_filters_v1" where (("c1" like ? escape '\\' and ("c1" like ? escape '\\' or ` +
          `dg_icontains("c1", ?))) and "c2" <= ?) order by "_row"`,
      );
      const rows = lite.tables.rows(compiled) as unknown[][];
      assert.deepEqual(
        rows.map((r) => Number(r[0])),
        [1, 3],
      );
    });

    it('a hostile column identifier is quoted, never spliced', () => {
      const field: Field = { name: 'a', type: 'NUMBER', column: 'c2" = 0 OR "1' };
      const compiled = compile(compileFilters([{ kind: 'equals', field, value: 1 }], sqliteCapabilities));
      assert.equal(compiled.sql, 'select * from "t" where "c2"" = 0 OR ""1" = ?');
    });

    it('the table is intact afterwards', () => {
      const { n } = lite.raw.prepare(`SELECT count(*) AS n FROM ${table.tableName}`).get() as { n: number };
      assert.equal(n, ROWS.length);
      const tables = lite.raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      // The table and its zone map, nothing else.
      assert.deepEqual(tables.map((t) => t.name).sort(), [table.tableName, zoneTable(table.tableName)].sort());
    });
  });
});
