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
import { postgresCapabilities } from '../../store/dialects/postgres-capabilities.ts';
import { registerSqliteFunctions } from '../../store/dialects/sqlite-functions.ts';
import type { Field, FieldType, Value } from '../types.ts';
import { compileFilters } from './filter-compiler.ts';
import type { FilterNode } from './filter-parser.ts';
import type { Params } from './params.ts';
import { parseQuery } from './query-parser.ts';

const F = {
  id: { name: 'Id', type: 'NUMBER', column: 'c0' },
  summary: { name: 'summary', type: 'TEXT', column: 'c1' },
  price: { name: 'price', type: 'NUMBER', column: 'c2' },
  isDefault: { name: 'is_default', type: 'BOOLEAN', column: 'c3' },
  date: { name: 'date', type: 'DATE', column: 'c4' },
  createdAt: { name: 'created_at', type: 'DATETIME', column: 'c5' },
  realName: { name: 'Real Name', type: 'TEXT', column: 'c6' },
} as const satisfies Record<string, Field>;
const FIELDS: readonly Field[] = Object.values(F);

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
    { name: 'TEXT empty', nodes: [{ kind: 'empty', field: F.summary }], where: '("c1" is null or "c1" = ?)', parameters: [''] },
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
    { name: 'BOOLEAN equals true', nodes: [{ kind: 'equals', field: F.isDefault, value: true }], where: '"c3" = ?', parameters: [1] },
    { name: 'BOOLEAN equals false', nodes: [{ kind: 'equals', field: F.isDefault, value: false }], where: '"c3" = ?', parameters: [0] },
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
    { name: 'lower bound only', nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: 12.6, hi: null }] }], where: '"c2" >= ?', parameters: [12.6] },
    { name: 'upper bound only', nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: null, hi: 56.3 }] }], where: '"c2" <= ?', parameters: [56.3] },
    {
      name: 'exclusive upper bound',
      nodes: [{ kind: 'ranges', field: F.createdAt, ranges: [{ lo: 0, hi: 86_400_000, hiExclusive: true }] }],
      where: '("c5" >= ? and "c5" < ?)',
      parameters: [0, 86_400_000],
    },
    {
      name: 'several intervals are ORed',
      nodes: [{ kind: 'ranges', field: F.date, ranges: [{ lo: '2022-07-01', hi: '2023-02-01' }, { lo: '2023-04-01', hi: null }] }],
      where: '(("c4" >= ? and "c4" <= ?) or "c4" >= ?)',
      parameters: ['2022-07-01', '2023-02-01', '2023-04-01'],
    },
    {
      name: 'a range unbounded on both sides means any value',
      nodes: [{ kind: 'ranges', field: F.price, ranges: [{ lo: null, hi: null }] }],
      where: '"c2" is not null',
      parameters: [],
    },
    { name: 'no ranges matches nothing', nodes: [{ kind: 'ranges', field: F.price, ranges: [] }], where: '1 = 0', parameters: [] },
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
    assert.equal(compiled.sql, `select * from "t" where ("c1" ilike ? escape '\\' and "c3" = ? and ("c5" >= ? and "c5" < ?))`);
    assert.deepEqual(compiled.parameters, ['%Tod%', 'BOOLEAN:true', 'DATETIME:1', 'DATETIME:2']);
    assert.deepEqual(calls, [['BOOLEAN', true], ['DATETIME', 1], ['DATETIME', 2]]);
  });
});

const ms = (iso: string): number => Date.parse(iso);

/** Hand-made rows: [_row, Id, summary, price, is_default, date, created_at, Real Name]. */
const ROWS: [number, bigint | null, string | null, number | null, 0 | 1 | null, string | null, number | null, string | null][] = [
  [1, 1n, 'Printer offline', 12.6, 1, '2022-07-01', ms('2023-02-01T00:00:00.000Z'), 'Tod Smith'],
  [2, 2n, 'printer jam', 56.3, 0, '2022-06-30', ms('2023-02-01T23:59:59.999Z'), 'todd'],
  [3, 3n, 'PRINTER toner', 12.59, null, '2023-02-01', ms('2023-02-02T00:00:00.000Z'), 'Anna'],
  [4, 4n, '', null, 1, null, null, ''],
  [5, 5n, null, 103, 0, '2023-04-01', ms('2023-01-31T23:59:59.999Z'), null],
  [6, 1534956341424005122n, '100% done', 210, 1, '2023-05-01', ms('2023-02-01T10:00:00.000Z'), 'Bob'],
  [7, 1534956341424005123n, '100 percent', 210.01, 0, '2023-05-02', ms('2023-02-01T08:00:00.000Z'), 'bob'],
  [8, 8n, 'file_name', 105.1, 1, '2023-03-31', ms('2022-07-01T00:00:00.000Z'), 'Zoë'],
  [9, 9n, 'filename', 105, 0, '2023-02-02', ms('2022-06-30T23:59:59.999Z'), 'TOD'],
  [10, 10n, 'back\\slash', -5, 1, '2022-12-31', ms('2023-04-01T00:00:00.000Z'), "O'Brien"],
  [11, null, "'; DROP TABLE t; --", 0, 0, '2021-01-01', ms('2023-02-01T12:00:00.000Z'), 'x'],
  [12, 0n, 'Café au lait', null, null, '2024-02-29', ms('2024-02-29T12:00:00.000Z'), null],
  [13, -1534956341424005122n, 'TODO: 50%_off', 300, 1, '2023-02-01', ms('2023-02-01T23:59:59.000Z'), ' '],
  [14, 1534956341424005121n, 'tod', 12.6, 0, '2023-04-30', ms('2023-02-02T00:00:00.001Z'), 'Tod'],
  [15, 9223372036854775807n, 'x_y%z', 56.31, null, '2023-05-01', ms('2022-12-31T23:59:59.999Z'), 'Todd'],
];

describe('on a real SQLite file database', () => {
  let dir: string;
  let db: Database.Database;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'datagate-filter-'));
    db = new Database(join(dir, 'filter.db'));
    registerSqliteFunctions(db);
    db.exec('CREATE TABLE t (_row INTEGER PRIMARY KEY, c0 NUMERIC, c1 TEXT, c2 NUMERIC, c3 INTEGER, c4 TEXT, c5 INTEGER, c6 TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => ROWS.forEach((row) => insert.run(...row)))();
  });

  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function parse(params: Params) {
    const result = parseQuery(params, FIELDS, { maxSize: 1000 });
    if (!result.ok) assert.fail(result.message);
    return result.query.filters;
  }

  /** Parses, compiles and runs the filters; returns the matching `_row`s in order. */
  function rowsFor(params: Params): number[] {
    const where = compileFilters(parse(params), sqliteCapabilities);
    let query = kysely.selectFrom('t').select('_row').orderBy('_row');
    if (where) query = query.where(where);
    const compiled = query.compile();
    const rows = db.prepare(compiled.sql).safeIntegers(true).all(...compiled.parameters) as { _row: bigint }[];
    return rows.map((r) => Number(r._row));
  }

  const ALL = ROWS.map((r) => r[0]);
  const cases: { params: Params; rows: number[]; why?: string }[] = [
    { params: {}, rows: ALL, why: 'no filter' },

    // TEXT
    { params: { summary: 'printer' }, rows: [1, 2, 3], why: 'contains is case-insensitive' },
    { params: { summary: 'PRINTER' }, rows: [1, 2, 3] },
    { params: { summary: 'tod' }, rows: [13, 14] },
    { params: { summary: '%' }, rows: [6, 13, 15], why: '% is literal' },
    { params: { summary: '_' }, rows: [8, 13, 15], why: '_ is literal' },
    { params: { summary: 'file_' }, rows: [8], why: '_ does not match the n of filename' },
    { params: { summary: '100%' }, rows: [6], why: '% does not match " percent"' },
    { params: { summary: '0%_' }, rows: [13] },
    { params: { summary: '\\' }, rows: [10], why: 'backslash is literal' },
    { params: { summary: 'k\\s' }, rows: [10] },
    { params: { summary: 'é' }, rows: [12] },
    { params: { summary: 'a,' }, rows: [], why: 'commas are literal' },
    { params: { summary: '' }, rows: [4, 5], why: 'empty TEXT is null or ""' },
    { params: { 'Real Name': 'tod' }, rows: [1, 2, 9, 14, 15] },
    { params: { 'real name': '  TODD ' }, rows: [2, 15], why: 'case-insensitive name, trimmed value' },
    { params: { 'Real Name': '' }, rows: [4, 5, 12], why: 'a single space is not empty' },
    { params: { 'Real Name': "o'b" }, rows: [10] },

    // NUMBER
    { params: { price: '12.6,56.3' }, rows: [1, 2, 14], why: 'bounds are inclusive' },
    { params: { price: '12.6,' }, rows: [1, 2, 5, 6, 7, 8, 9, 13, 14, 15] },
    { params: { price: ',56.3' }, rows: [1, 2, 3, 10, 11, 14] },
    { params: { price: '12.6,56.3,103,210' }, rows: [1, 2, 5, 6, 8, 9, 14], why: 'intervals are ORed' },
    { params: { price: '12.6,56.3,105.1' }, rows: [1, 2, 8, 14], why: 'a last lone NUMBER means =' },
    { params: { price: '105' }, rows: [9], why: 'NUMBER equals' },
    { params: { price: '0' }, rows: [11] },
    { params: { price: '-5.0' }, rows: [10] },
    { params: { price: ',0,300,' }, rows: [10, 11, 13] },
    { params: { price: '' }, rows: [4, 12] },
    { params: { price: ['10,60', ',13'] }, rows: [1, 3, 14], why: 'a repeated field is ANDed' },
    { params: { Id: ',1534956341424005122' }, rows: [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 13, 14], why: 'exact 64-bit upper bound' },
    { params: { Id: '1534956341424005122' }, rows: [6] },
    { params: { Id: '1534956341424005123' }, rows: [7] },
    { params: { Id: '1534956341424005122,' }, rows: [6, 7, 15] },
    { params: { Id: '1534956341424005122,1534956341424005122' }, rows: [6] },
    { params: { Id: '1534956341424005121,1534956341424005122' }, rows: [6, 14] },
    { params: { Id: '-1534956341424005122' }, rows: [13] },
    { params: { Id: '9223372036854775807' }, rows: [15] },
    { params: { id: '0' }, rows: [12] },
    { params: { Id: '' }, rows: [11] },

    // BOOLEAN
    { params: { is_default: 'true' }, rows: [1, 4, 6, 8, 10, 13] },
    { params: { is_default: '1' }, rows: [1, 4, 6, 8, 10, 13] },
    { params: { is_default: 'FALSE' }, rows: [2, 5, 7, 9, 11, 14] },
    { params: { is_default: '0' }, rows: [2, 5, 7, 9, 11, 14] },
    { params: { is_default: '' }, rows: [3, 12, 15] },

    // DATE
    { params: { date: '2022-07-01' }, rows: [1, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15], why: 'a lone DATE means >=' },
    { params: { date: '2022-07-01,' }, rows: [1, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15] },
    { params: { date: ',2023-02-01' }, rows: [1, 2, 3, 10, 11, 13] },
    { params: { date: '2022-07-01,2023-02-01' }, rows: [1, 3, 10, 13] },
    { params: { date: '2022-07-01,2023-02-01,2023-04-01,2023-05-01' }, rows: [1, 3, 5, 6, 10, 13, 14, 15] },
    { params: { date: '2022-07-01,2023-02-01,2023-04-01' }, rows: [1, 3, 5, 6, 7, 10, 12, 13, 14, 15] },
    { params: { date: '' }, rows: [4] },

    // DATETIME
    {
      params: { created_at: ',2023-02-01' },
      rows: [1, 2, 5, 6, 7, 8, 9, 11, 13, 15],
      why: 'a DATE upper bound includes 23:59:59.999 and excludes the next midnight',
    },
    { params: { created_at: '2023-02-01,2023-02-01' }, rows: [1, 2, 6, 7, 11, 13], why: 'one whole day' },
    { params: { created_at: '2023-02-01' }, rows: [1, 2, 3, 6, 7, 10, 11, 12, 13, 14], why: 'a lone date means >= its midnight' },
    { params: { created_at: '2023-02-01T10:00:00+02:00,' }, rows: [2, 3, 6, 7, 10, 11, 12, 13, 14], why: 'offsets' },
    { params: { created_at: '2023-02-01 08:00:00,2023-02-01T10:00:00Z' }, rows: [6, 7], why: 'no offset is UTC; inclusive' },
    { params: { created_at: ',2023-02-01T23:59:59.999Z' }, rows: [1, 2, 5, 6, 7, 8, 9, 11, 13, 15] },
    { params: { created_at: ',2023-02-01T23:59:59Z' }, rows: [1, 5, 6, 7, 8, 9, 11, 13, 15] },
    { params: { created_at: '2022-07-01,2022-12-31,2024-02-29' }, rows: [8, 12, 15] },
    { params: { created_at: '' }, rows: [4] },

    // Combinations
    { params: { summary: 'printer', price: ',20' }, rows: [1, 3], why: 'different fields are ANDed' },
    { params: { 'Real Name': 'tod', is_default: '1' }, rows: [1] },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.params)} -> [${c.rows.join(',')}]${c.why ? ` (${c.why})` : ''}`, () => {
      assert.deepEqual(rowsFor(c.params), c.rows);
    });
  }

  it('64-bit values read back exactly', () => {
    const compiled = kysely.selectFrom('t').select('c0').where(compileFilters(parse({ Id: '1534956341424005121,' }), sqliteCapabilities)!).orderBy('_row').compile();
    const rows = db.prepare(compiled.sql).safeIntegers(true).all(...compiled.parameters) as { c0: bigint }[];
    assert.deepEqual(rows.map((r) => r.c0), [1534956341424005122n, 1534956341424005123n, 1534956341424005121n, 9223372036854775807n]);
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
        const compiled = compile(compileFilters(parse({ summary: value }), sqliteCapabilities));
        assert.equal(compiled.sql, `select * from "t" where "c1" like ? escape '\\'`);
        assert.equal(compiled.parameters.length, 1);
      });
    }

    it('a TEXT value that looks like SQL matches only itself', () => {
      assert.deepEqual(rowsFor({ summary: "'; DROP TABLE t; --" }), [11]);
      assert.deepEqual(rowsFor({ summary: "x' OR '1'='1" }), []);
      assert.deepEqual(rowsFor({ 'Real Name': "' OR 1=1 --" }), []);
      assert.deepEqual(rowsFor({ summary: '1); DELETE FROM t; --' }), []);
    });

    const rejected: { params: Params; message: RegExp }[] = [
      { params: { price: '1; DROP TABLE t' }, message: /^Invalid value "1; DROP TABLE t" for NUMBER field "price"/ },
      { params: { price: "1 OR 1=1" }, message: /^Invalid value "1 OR 1=1" for NUMBER field "price"/ },
      { params: { is_default: "1' OR '1'='1" }, message: /^Invalid value "1' OR '1'='1" for BOOLEAN field "is_default"/ },
      { params: { date: "2023-01-01' OR '1'='1" }, message: /^Invalid value "2023-01-01' OR '1'='1" for DATE field "date"/ },
      { params: { created_at: '2023-01-01; DROP TABLE t' }, message: /^Invalid value "2023-01-01; DROP TABLE t" for DATETIME field "created_at"/ },
      { params: { 'summary" OR 1=1 --': 'x' }, message: /^Unknown field "summary\\" OR 1=1 --"; fields are: / },
      { params: { 'c1': 'x' }, message: /^Unknown field "c1"; fields are: / },
      { params: { '"c1"': 'x' }, message: /^Unknown field "\\"c1\\""; fields are: / },
      { params: { _row: '1' }, message: /^Unknown option "_row"/ },
      { params: { __proto__x: '1' }, message: /^Unknown option "__proto__x"/ },
      { params: { constructor: '1' }, message: /^Unknown field "constructor"/ },
      { params: { toString: '1' }, message: /^Unknown field "toString"/ },
      { params: { _sort: 'Id"; DROP TABLE t; --' }, message: /^Unknown field "Id\\"; DROP TABLE t; --" in option "_sort"/ },
      { params: { _sort: '-price;DROP TABLE t' }, message: /^Unknown field "price;DROP TABLE t" in option "_sort"/ },
      { params: { _sort: 'c1' }, message: /^Unknown field "c1" in option "_sort"/ },
      { params: { _sort: '_row' }, message: /^Unknown field "_row" in option "_sort"/ },
      { params: { _sort: '(select 1)' }, message: /^Unknown field "\(select 1\)" in option "_sort"/ },
      { params: { _fields: "Id,summary' FROM t; --" }, message: /^Unknown field "summary' FROM t; --" in option "_fields"/ },
      { params: { _fields: '*' }, message: /^Unknown field "\*" in option "_fields"/ },
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
      assert.deepEqual(result, { ok: false, message: 'Unknown option "__proto__"; options are: _sort, _fields' });
    });

    it('field names never reach SQL, only their generated columns', () => {
      const hostile: Field[] = [
        { name: 'x" OR 1=1 --', type: 'TEXT', column: 'c1' },
        { name: "y'; DROP TABLE t; --", type: 'NUMBER', column: 'c2' },
      ];
      const result = parseQuery({ 'x" OR 1=1 --': 'printer', "y'; DROP TABLE t; --": ',20', _sort: "-y'; DROP TABLE t; --" }, hostile, { maxSize: 10 });
      assert.ok(result.ok);
      assert.deepEqual(result.query.sort, [{ field: hostile[1], asc: false }]);
      const compiled = kysely.selectFrom('t').select('_row').where(compileFilters(result.query.filters, sqliteCapabilities)!).orderBy('_row').compile();
      assert.equal(compiled.sql, `select "_row" from "t" where (("c1" like ? escape '\\' and ("c1" like ? escape '\\' or dg_icontains("c1", ?))) and "c2" <= ?) order by "_row"`);
      const rows = db.prepare(compiled.sql).all(...compiled.parameters) as { _row: number }[];
      assert.deepEqual(rows.map((r) => r._row), [1, 3]);
    });

    it('a hostile column identifier is quoted, never spliced', () => {
      const field: Field = { name: 'a', type: 'NUMBER', column: 'c2" = 0 OR "1' };
      const compiled = compile(compileFilters([{ kind: 'equals', field, value: 1 }], sqliteCapabilities));
      assert.equal(compiled.sql, 'select * from "t" where "c2"" = 0 OR ""1" = ?');
    });

    it('the table is intact afterwards', () => {
      const { n } = db.prepare("SELECT count(*) AS n FROM t").get() as { n: number };
      assert.equal(n, ROWS.length);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      assert.deepEqual(tables.map((t) => t.name), ['t']);
    });
  });
});
