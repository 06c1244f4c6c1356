import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { F, loadFilterTable } from '../../../test/support/filter-cases.ts';
import { ODATA_CASES, ODATA_SET, odataCaseName, odataSelectedRows } from '../../../test/support/odata-cases.ts';
import { sqliteCapabilities } from '../../store/dialects/sqlite-capabilities.ts';
import { openSqlite, type SqliteHandle } from '../../store/dialects/sqlite.ts';
import { compileFilters } from '../filter/filter-compiler.ts';
import type { DatasetTable } from '../query/dataset-query.ts';
import { ODataQueryError } from './odata-errors.ts';
import { parseODataFilter } from './odata-filter.ts';

const parse = (text: string) => parseODataFilter(text, ODATA_SET.byName);

/** Only compiles: Kysely opens no connection until a query is executed. */
const memory = new Database(':memory:');
after(() => memory.close());

describe('$filter to filter nodes', () => {
  it('comparisons become the nodes of the filter language', () => {
    assert.deepEqual(parse('Id eq 1534956341424005122'), { kind: 'equals', field: F.id, value: 1534956341424005122n });
    assert.deepEqual(parse('price gt 12.5'), {
      kind: 'ranges',
      field: F.price,
      ranges: [{ lo: 12.5, hi: null, loExclusive: true }],
    });
    assert.deepEqual(parse('price le 3'), { kind: 'ranges', field: F.price, ranges: [{ lo: null, hi: 3 }] });
    assert.deepEqual(parse("summary ne 'x'"), {
      kind: 'negate',
      node: { kind: 'equals', field: F.summary, value: 'x' },
    });
    assert.deepEqual(parse('date eq null'), { kind: 'null', field: F.date });
    assert.deepEqual(parse('created_at ge 2023-02-01T12:00:00+02:00'), {
      kind: 'ranges',
      field: F.createdAt,
      ranges: [{ lo: Date.parse('2023-02-01T10:00:00Z'), hi: null }],
    });
  });

  it('and, or and not nest with OData precedence: not, then and, then or', () => {
    assert.deepEqual(parse("n eq 1 or n eq 2 and not contains(summary,'a')"), {
      kind: 'either',
      nodes: [
        { kind: 'equals', field: F.n, value: 1 },
        {
          kind: 'all',
          nodes: [
            { kind: 'equals', field: F.n, value: 2 },
            {
              kind: 'negate',
              node: { kind: 'text', field: F.summary, match: 'contains', value: 'a', ignoreCase: false },
            },
          ],
        },
      ],
    });
  });

  it('tolower/toupper fold the property; a literal that no fold can produce matches nothing', () => {
    assert.deepEqual(parse("startswith(tolower(summary),'abc')"), {
      kind: 'text',
      field: F.summary,
      match: 'startswith',
      value: 'abc',
      ignoreCase: true,
    });
    assert.deepEqual(parse("toupper(summary) eq 'abc'"), { kind: 'never' });
  });

  it('in gathers plain values into one in node and keeps null apart', () => {
    assert.deepEqual(parse("summary in ('a', null, 'b')"), {
      kind: 'either',
      nodes: [
        { kind: 'in', field: F.summary, values: ['a', 'b'] },
        { kind: 'null', field: F.summary },
      ],
    });
  });

  it('puts every value in a parameter and only generated column names in the SQL', () => {
    const node = parse(`summary eq 'x'' OR ''1''=''1' or contains(Real_Name,'"; DROP TABLE t; --') or n in (1, 2)`);
    const compiled = new Kysely<any>({ dialect: new SqliteDialect({ database: memory }) })
      .selectFrom('t')
      .select('c7')
      .where(compileFilters([node], sqliteCapabilities)!)
      .compile();
    assert.equal(compiled.sql, 'select "c7" from "t" where ("c1" = ? or "c6" glob ? or "c7" in (?, ?))');
    assert.deepEqual(compiled.parameters, ["x' OR '1'='1", '*"; DROP TABLE t; --*', 1, 2]);
  });

  it('answers any token soup with a node that compiles, or a 400/501, never another error', () => {
    const words = [
      'Id', 'summary', 'price', 'is_default', 'date', 'created_at', 'Real_Name', 'RowNumber', 'nope', 'eq', 'ne',
      'gt', 'ge', 'lt', 'le', 'and', 'or', 'not', 'in', 'null', 'true', 'false', 'contains', 'startswith',
      'endswith', 'tolower', 'toupper', 'length', 'add', '(', ')', ',', "'a'", "''", "'it''s'", '5', '-1.5e3',
      '9223372036854775808', '2023-02-01', '2023-02-30', '2023-02-01T10:00:00Z', '2023-02-01T10:00+02:00', '$it',
      '/', "'", '@p', 'INF', "datetime'x'", '€', '\u0000',
    ]; // prettier-ignore
    // A fixed linear congruential sequence: the same soups on every run.
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: 1 + next(9) }, () => words[next(words.length)]).join(next(4) ? ' ' : '');
      try {
        const node = parse(text);
        compileFilters([node], sqliteCapabilities);
        parsed++;
      } catch (e) {
        assert.ok(e instanceof ODataQueryError, `${JSON.stringify(text)}: ${String(e)}`);
        assert.ok(e.status === 400 || e.status === 501);
      }
    }
    assert.ok(parsed > 10, `only ${parsed} of the soups parsed`);
  });

  const refused: [string, 400 | 501, RegExp][] = [
    ['summary eq 5', 400, /"summary" is Edm.String; "5" is not a value of that type/],
    ["price eq 'x'", 400, /"price" is a number; 'x' is not a value of that type/],
    ['nope eq 1', 400, /unknown property "nope"; properties are: Id, summary, .*RowNumber/],
    ['length(summary) eq 3', 501, /the function length\(\) is not supported/],
    ['price add 1 eq 2', 501, /the operator "add" is not supported/],
    ['summary eq Real_Name', 501, /comparing two properties is not supported/],
    ['(n eq 1', 400, /expected "\)" to close the parenthesis, got the end of the filter/],
    ['n eq 1)', 400, /unexpected "\)" after a complete expression/],
    ['n eq', 400, /the filter ends where an operand was expected/],
    ['n eq 1 and', 400, /the filter ends where an operand was expected/],
    ["contains(price,'1')", 400, /contains\(\) takes a text property; "price" is NUMBER/],
    ['contains(summary,5)', 400, /contains\(\) takes a string literal second/],
    ["summary eq 'abc", 400, /unterminated string starting at position 12/],
    ['date eq 2023-13-45', 400, /2023-13-45 is not a valid date/],
    ['date eq 2023-02-01T10:00:00Z', 400, /"date" is Edm.Date/],
    ['n eq 99999999999999999999', 400, /the number 99999999999999999999 is out of range/],
    ['n in ()', 400, /unexpected "\)"/],
    ["tolower(n) eq '1'", 400, /tolower\(\) takes a text property/],
    ["tolower(summary) gt 'a'", 501, /"gt" on tolower\(\)\/toupper\(\) is not supported/],
    ["created_at eq datetime'2020-01-01T00:00:00'", 501, /typed literals/],
    ['n eq 1 & n eq 2', 400, /unexpected character "&" at position 8/],
    ['$it/n eq 1', 501, /"\$" at position 1 is not supported/],
    ['summary', 400, /"summary" is not a condition/],
    ['is_default gt true', 501, /"gt" on the boolean "is_default"/],
    ['frobnicate(summary)', 400, /unknown function frobnicate\(\)/],
    ['constructor(summary)', 400, /unknown function constructor\(\)/],
    ['', 400, /the filter is empty/],
    [`${'('.repeat(150)}n eq 1${')'.repeat(150)}`, 400, /nests deeper than 100 levels/],
    [Array.from({ length: 1100 }, (_, i) => `n eq ${i}`).join(' or '), 400, /more than 2000 terms/],
  ];
  for (const [text, status, message] of refused) {
    it(`refuses ${JSON.stringify(text.slice(0, 60))} with ${status}`, () => {
      assert.throws(
        () => parse(text),
        (e: unknown) => e instanceof ODataQueryError && e.status === status && message.test(e.message),
      );
    });
  }
});

describe('the $filter cases on a real SQLite file database (postgres.int.test.ts runs them on PostgreSQL)', () => {
  let dir: string;
  let lite: SqliteHandle;
  let table: DatasetTable;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'datagate-odata-'));
    lite = openSqlite(join(dir, 'odata.db'));
    table = await loadFilterTable(lite.tables, 'ds_filters_v1');
  });

  after(() => {
    lite.raw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const c of ODATA_CASES) {
    it(odataCaseName(c), async () => {
      assert.deepEqual(await odataSelectedRows(lite.data, sqliteCapabilities, lite.tables, table, c.filter), {
        total: c.rows.length,
        rows: c.rows,
      });
    });
  }
});
