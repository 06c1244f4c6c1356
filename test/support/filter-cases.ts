// One table of filters and the rows they select, run on SQLite by
// src/catalog/filter/filter-compiler.test.ts and on PostgreSQL by
// src/store/dialects/postgres.int.test.ts: the filter language must select the same
// rows on both dialects.
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import type { Params } from '../../src/catalog/filter/params.ts';
import { parseQuery, type ParsedQuery } from '../../src/catalog/filter/query-parser.ts';
import { buildCountQuery, buildPageQuery, type DatasetTable } from '../../src/catalog/query/dataset-query.ts';
import type { Field, Value } from '../../src/shared/field-types.ts';
import type { DialectCapabilities } from '../../src/store/dialects/capabilities.ts';
import { zoneTable, type DatasetTables } from '../../src/store/dialects/dataset-tables.ts';

/**
 * The fields, one of each type and two TEXT; `n` is the row's own number, to tell rows
 * apart; `code[in]` is a TEXT field whose real name ends in brackets, like an operator.
 */
export const F = {
  id: { name: 'Id', type: 'NUMBER', column: 'c0' },
  summary: { name: 'summary', type: 'TEXT', column: 'c1' },
  price: { name: 'price', type: 'NUMBER', column: 'c2' },
  isDefault: { name: 'is_default', type: 'BOOLEAN', column: 'c3' },
  date: { name: 'date', type: 'DATE', column: 'c4' },
  createdAt: { name: 'created_at', type: 'DATETIME', column: 'c5' },
  realName: { name: 'Real Name', type: 'TEXT', column: 'c6' },
  n: { name: 'n', type: 'NUMBER', column: 'c7' },
  code: { name: 'code[in]', type: 'TEXT', column: 'c8' },
} as const satisfies Record<string, Field>;
export const FIELDS: readonly Field[] = Object.values(F);

const ms = (iso: string): number => Date.parse(iso);

/** The `code[in]` of each row: commas, a backslash, case and accents for the exact operators. */
const CODES: readonly (string | null)[] = [
  'A,B',
  'a,b',
  'A',
  'B',
  null,
  '',
  'C\\D',
  'A, B',
  'Acme',
  'Acme Dental Group',
  'acme',
  'Acme Corp',
  null,
  'A',
  'Ä',
  'ä',
];

/** Hand-made rows, in FIELDS order; row i (from 1) has n = i. */
export const ROWS: readonly Value[][] = [
  [1n, 'Printer offline', 12.6, true, '2022-07-01', ms('2023-02-01T00:00:00.000Z'), 'Tod Smith'],
  [2n, 'printer jam', 56.3, false, '2022-06-30', ms('2023-02-01T23:59:59.999Z'), 'todd'],
  [3n, 'PRINTER toner', 12.59, null, '2023-02-01', ms('2023-02-02T00:00:00.000Z'), 'Anna'],
  [4n, '', null, true, null, null, ''],
  [5n, null, 103, false, '2023-04-01', ms('2023-01-31T23:59:59.999Z'), null],
  [1534956341424005122n, '100% done', 210, true, '2023-05-01', ms('2023-02-01T10:00:00.000Z'), 'Bob'],
  [1534956341424005123n, '100 percent', 210.01, false, '2023-05-02', ms('2023-02-01T08:00:00.000Z'), 'bob'],
  [8n, 'file_name', 105.1, true, '2023-03-31', ms('2022-07-01T00:00:00.000Z'), 'Zoë'],
  [9n, 'filename', 105, false, '2023-02-02', ms('2022-06-30T23:59:59.999Z'), 'TOD'],
  [10n, 'back\\slash', -5, true, '2022-12-31', ms('2023-04-01T00:00:00.000Z'), "O'Brien"],
  [null, "'; DROP TABLE t; --", 0, false, '2021-01-01', ms('2023-02-01T12:00:00.000Z'), 'x'],
  [0n, 'Café au lait', null, null, '2024-02-29', ms('2024-02-29T12:00:00.000Z'), null],
  [-1534956341424005122n, 'TODO: 50%_off', 300, true, '2023-02-01', ms('2023-02-01T23:59:59.000Z'), ' '],
  [1534956341424005121n, 'tod', 12.6, false, '2023-04-30', ms('2023-02-02T00:00:00.001Z'), 'Tod'],
  [9223372036854775807n, 'x_y%z', 56.31, null, '2023-05-01', ms('2022-12-31T23:59:59.999Z'), 'Todd'],
  [null, 'ÉCOLE Zoë', null, null, null, null, 'ZOË'],
].map((r, i) => [...r, i + 1, CODES[i]]);
const ALL = ROWS.map((_, i) => i + 1);

/** A filter (request parameters) and the `n`s of the rows it selects, in load order. */
export interface FilterCase {
  readonly params: Params;
  readonly rows: readonly number[];
  readonly why?: string;
}

export const FILTER_CASES: readonly FilterCase[] = [
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
  { params: { summary: 'a,' }, rows: [], why: 'commas are literal' },
  { params: { summary: '' }, rows: [4, 5], why: 'empty TEXT is null or ""' },
  { params: { summary: 'é' }, rows: [12, 16], why: 'non-ASCII: É folds to é' },
  { params: { summary: 'école' }, rows: [16] },
  { params: { summary: 'ÉCOLE ZOË' }, rows: [16] },
  { params: { summary: 'zoë' }, rows: [16], why: 'ASCII case differs, ë is the same' },
  { params: { 'Real Name': 'zoë' }, rows: [8, 16] },
  { params: { 'Real Name': 'ZOË' }, rows: [8, 16] },
  { params: { 'Real Name': 'tod' }, rows: [1, 2, 9, 14, 15] },
  { params: { 'real name': '  TODD ' }, rows: [2, 15], why: 'case-insensitive name, trimmed value' },
  { params: { 'Real Name': '' }, rows: [4, 5, 12], why: 'a single space is not empty' },
  { params: { 'Real Name': "o'b" }, rows: [10] },
  { params: { summary: "'; DROP TABLE t; --" }, rows: [11], why: 'SQL in a value matches only itself' },
  { params: { summary: "x' OR '1'='1" }, rows: [] },
  { params: { 'Real Name': "' OR 1=1 --" }, rows: [] },
  { params: { summary: '1); DELETE FROM t; --' }, rows: [] },

  // NUMBER
  { params: { price: '12.6,56.3' }, rows: [1, 2, 14], why: 'bounds are inclusive' },
  { params: { price: '12.6,' }, rows: [1, 2, 5, 6, 7, 8, 9, 13, 14, 15] },
  { params: { price: ',56.3' }, rows: [1, 2, 3, 10, 11, 14] },
  { params: { price: '12.6,56.3,103,210' }, rows: [1, 2, 5, 6, 8, 9, 14], why: 'intervals are ORed' },
  { params: { price: '12.6,56.3,105.1' }, rows: [1, 2, 8, 14], why: 'a last lone NUMBER means =' },
  { params: { price: '105' }, rows: [9], why: 'NUMBER equals' },
  { params: { price: '12.59' }, rows: [3] },
  { params: { price: '56.31' }, rows: [15] },
  { params: { price: '0' }, rows: [11] },
  { params: { price: '-5.0' }, rows: [10] },
  { params: { price: ',0,300,' }, rows: [10, 11, 13] },
  { params: { price: '' }, rows: [4, 12, 16] },
  { params: { price: ['10,60', ',13'] }, rows: [1, 3, 14], why: 'a repeated field is ANDed' },
  {
    params: { Id: ',1534956341424005122' },
    rows: [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 13, 14],
    why: 'exact 64-bit upper bound',
  },
  { params: { Id: '1534956341424005122' }, rows: [6] },
  { params: { Id: '1534956341424005123' }, rows: [7] },
  { params: { Id: '1534956341424005122,' }, rows: [6, 7, 15] },
  { params: { Id: '1534956341424005122,1534956341424005122' }, rows: [6] },
  { params: { Id: '1534956341424005121,1534956341424005122' }, rows: [6, 14] },
  { params: { Id: '-1534956341424005122' }, rows: [13] },
  { params: { Id: '9223372036854775807' }, rows: [15] },
  { params: { id: '0' }, rows: [12], why: 'case-insensitive name' },
  { params: { Id: '' }, rows: [11, 16] },

  // BOOLEAN
  { params: { is_default: 'true' }, rows: [1, 4, 6, 8, 10, 13] },
  { params: { is_default: '1' }, rows: [1, 4, 6, 8, 10, 13] },
  { params: { is_default: 'FALSE' }, rows: [2, 5, 7, 9, 11, 14] },
  { params: { is_default: '0' }, rows: [2, 5, 7, 9, 11, 14] },
  { params: { is_default: '' }, rows: [3, 12, 15, 16] },

  // DATE
  { params: { date: '2022-07-01' }, rows: [1, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15], why: 'a lone DATE means >=' },
  { params: { date: '2022-07-01,' }, rows: [1, 3, 5, 6, 7, 8, 9, 10, 12, 13, 14, 15] },
  { params: { date: ',2023-02-01' }, rows: [1, 2, 3, 10, 11, 13] },
  { params: { date: '2022-07-01,2023-02-01' }, rows: [1, 3, 10, 13] },
  { params: { date: '2022-07-01,2023-02-01,2023-04-01,2023-05-01' }, rows: [1, 3, 5, 6, 10, 13, 14, 15] },
  { params: { date: '2022-07-01,2023-02-01,2023-04-01' }, rows: [1, 3, 5, 6, 7, 10, 12, 13, 14, 15] },
  { params: { date: '' }, rows: [4, 16] },

  // DATETIME
  {
    params: { created_at: ',2023-02-01' },
    rows: [1, 2, 5, 6, 7, 8, 9, 11, 13, 15],
    why: 'a DATE upper bound includes 23:59:59.999 and excludes the next midnight',
  },
  { params: { created_at: '2023-02-01,2023-02-01' }, rows: [1, 2, 6, 7, 11, 13], why: 'one whole day' },
  {
    params: { created_at: '2023-02-01' },
    rows: [1, 2, 3, 6, 7, 10, 11, 12, 13, 14],
    why: 'a lone date means >= its midnight',
  },
  { params: { created_at: '2023-02-01T10:00:00+02:00,' }, rows: [2, 3, 6, 7, 10, 11, 12, 13, 14], why: 'offsets' },
  {
    params: { created_at: '2023-02-01 08:00:00,2023-02-01T10:00:00Z' },
    rows: [6, 7],
    why: 'no offset is UTC; inclusive',
  },
  { params: { created_at: ',2023-02-01T23:59:59.999Z' }, rows: [1, 2, 5, 6, 7, 8, 9, 11, 13, 15] },
  { params: { created_at: ',2023-02-01T23:59:59Z' }, rows: [1, 5, 6, 7, 8, 9, 11, 13, 15] },
  { params: { created_at: '2022-07-01,2022-12-31,2024-02-29' }, rows: [8, 12, 15] },
  { params: { created_at: '' }, rows: [4, 16] },

  // Combinations
  { params: { summary: 'printer', price: ',20' }, rows: [1, 3], why: 'different fields are ANDed' },
  { params: { 'Real Name': 'tod', is_default: '1' }, rows: [1] },

  // Operators (spec section 8). TEXT [eq] is exact and case-sensitive.
  { params: { 'Real Name[eq]': 'Tod' }, rows: [14], why: 'not "Tod Smith", "TOD" or "Todd"' },
  { params: { 'Real Name[eq]': 'tod' }, rows: [], why: 'case-sensitive' },
  {
    params: { 'real name[eq]': '  Bob ' },
    rows: [6],
    why: 'the field name case-insensitive, the value trimmed, not its case',
  },
  { params: { 'Real Name[eq]': 'Zoë' }, rows: [8], why: 'not "ZOË"' },
  { params: { 'Real Name[eq]': '' }, rows: [4, 5, 12], why: 'an empty value is "is empty", as without operator' },
  { params: { 'summary[eq]': '100%' }, rows: [], why: 'no wildcards' },
  { params: { 'summary[eq]': '100% done' }, rows: [6] },
  { params: { 'summary[eq]': 'file_name' }, rows: [8], why: '_ is no wildcard' },
  { params: { 'summary[eq]': "'; DROP TABLE t; --" }, rows: [11] },
  { params: { 'summary[eq]': 'ÉCOLE Zoë' }, rows: [16] },
  { params: { 'summary[eq]': 'école zoë' }, rows: [] },
  // TEXT [ne]: the non-null values that [eq] does not match; "" is a value.
  { params: { 'Real Name[ne]': 'Tod' }, rows: [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 15, 16], why: 'nulls excluded' },
  { params: { 'Real Name[ne]': '' }, rows: [1, 2, 3, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16], why: 'not empty' },
  // TEXT [in]
  { params: { 'Real Name[in]': 'Tod,Bob,nobody' }, rows: [6, 14] },
  {
    params: { 'Real Name[in]': 'Tod, bob ,' },
    rows: [4, 5, 7, 12, 14],
    why: 'items trimmed; an empty item is "is empty"',
  },
  { params: { 'Real Name[in]': '' }, rows: [4, 5, 12] },
  // TEXT [contains]: the rule without operator, spelled out.
  { params: { 'summary[contains]': 'printer' }, rows: [1, 2, 3] },
  { params: { 'summary[contains]': '0%_' }, rows: [13] },
  { params: { 'summary[contains]': 'a,' }, rows: [], why: 'commas are literal' },
  { params: { 'summary[contains]': '' }, rows: [4, 5] },

  // A field whose real name ends in brackets matches by that name first.
  { params: { 'code[in]': 'acme' }, rows: [9, 10, 11, 12], why: 'the field "code[in]", contains' },
  { params: { 'CODE[IN]': 'acme' }, rows: [9, 10, 11, 12], why: 'the field "code[in]", case-insensitively' },
  { params: { 'code[in][eq]': 'Acme' }, rows: [9], why: 'not "Acme Dental Group", "Acme Corp" or "acme"' },
  { params: { 'code[in][eq]': 'Ä' }, rows: [15] },
  { params: { 'code[in][eq]': 'A,B' }, rows: [1], why: 'commas are literal in [eq]' },
  { params: { 'code[in][in]': 'A\\,B,a\\,b' }, rows: [1, 2], why: '\\, is a comma within an item' },
  { params: { 'code[in][in]': 'A, B' }, rows: [3, 4, 14], why: 'two items' },
  { params: { 'code[in][in]': 'A\\, B' }, rows: [8], why: 'one item' },
  { params: { 'code[in][in]': 'C\\\\D' }, rows: [7], why: '\\\\ is a backslash' },
  {
    params: { 'code[in][ne]': 'A' },
    rows: [1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 15, 16],
    why: '"" is not null: it is a value other than "A"',
  },

  // NUMBER: exact, 64-bit integers included.
  { params: { 'Id[eq]': '1534956341424005122' }, rows: [6] },
  { params: { 'Id[eq]': '1534956341424005123' }, rows: [7] },
  {
    params: { 'Id[ne]': '1534956341424005122' },
    rows: [1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 15],
    why: 'nulls excluded',
  },
  { params: { 'Id[in]': '1534956341424005122,9223372036854775807,-1534956341424005122' }, rows: [6, 13, 15] },
  { params: { 'price[eq]': '12.6' }, rows: [1, 14] },
  { params: { 'price[eq]': '1.26e1' }, rows: [1, 14] },
  { params: { 'price[ne]': '12.6' }, rows: [2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 15] },
  { params: { 'price[in]': '12.6,105, 0' }, rows: [1, 9, 11, 14] },
  { params: { 'price[in]': '105,' }, rows: [4, 9, 12, 16] },
  { params: { 'price[eq]': '' }, rows: [4, 12, 16] },
  { params: { 'price[ne]': '' }, rows: [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15] },

  // BOOLEAN
  { params: { 'is_default[eq]': 'true' }, rows: [1, 4, 6, 8, 10, 13] },
  { params: { 'is_default[ne]': 'TRUE' }, rows: [2, 5, 7, 9, 11, 14], why: 'nulls excluded' },
  { params: { 'is_default[in]': 'true,0' }, rows: [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14] },
  { params: { 'is_default[in]': '1,' }, rows: [1, 3, 4, 6, 8, 10, 12, 13, 15, 16] },
  { params: { 'is_default[ne]': '' }, rows: [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14] },

  // DATE
  { params: { 'date[eq]': '2023-02-01' }, rows: [3, 13], why: 'not >= as without operator' },
  { params: { 'date[ne]': '2023-02-01' }, rows: [1, 2, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15] },
  { params: { 'date[in]': '2023-05-01, 2024-02-29' }, rows: [6, 12, 15] },

  // DATETIME: a date is its whole UTC day, a date-time the instant.
  { params: { 'created_at[eq]': '2023-02-01' }, rows: [1, 2, 6, 7, 11, 13], why: 'the whole day' },
  { params: { 'created_at[eq]': '2023-02-01T10:00:00Z' }, rows: [6] },
  { params: { 'created_at[eq]': '2023-02-01T12:00:00+02:00' }, rows: [6], why: 'offsets' },
  { params: { 'created_at[eq]': '2023-02-01 08:00:00' }, rows: [7], why: 'no offset is UTC' },
  { params: { 'created_at[eq]': '2023-02-01T23:59:59.999Z' }, rows: [2], why: 'to the millisecond' },
  {
    params: { 'created_at[ne]': '2023-02-01' },
    rows: [3, 5, 8, 9, 10, 12, 14, 15],
    why: 'outside the day, nulls excluded',
  },
  { params: { 'created_at[ne]': '2023-02-01T10:00:00Z' }, rows: [1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15] },
  {
    params: { 'created_at[in]': '2023-02-02,2022-07-01T00:00:00Z,' },
    rows: [3, 4, 8, 14, 16],
    why: 'a day, an instant and empty',
  },

  // Operators combine with each other and with the rules without operator.
  { params: { summary: 'printer', 'summary[ne]': 'printer jam' }, rows: [1, 3] },
  { params: { 'Real Name[eq]': 'Tod', 'Real Name': 'tod' }, rows: [14] },
  { params: { 'Real Name[in]': 'Tod,Bob,bob', 'is_default[eq]': 'false' }, rows: [7, 14] },
];

/** The test name of a case. */
export function caseName(c: FilterCase): string {
  return `${JSON.stringify(c.params)} -> [${c.rows.join(',')}]${c.why ? ` (${c.why})` : ''}`;
}

/** Creates `tableName` with FIELDS and ROWS, and its indexes, through the dialect's own tables. */
export async function loadFilterTable(tables: DatasetTables, tableName: string): Promise<DatasetTable> {
  await tables.create(tableName, FIELDS);
  await tables.insert(tableName, FIELDS, ROWS, 1);
  await tables.index(tableName, FIELDS);
  return { tableName, fields: FIELDS, rowCount: ROWS.length };
}

/** Parses `params`, failing the test on a refusal. */
export function parseFilterQuery(params: Params): ParsedQuery {
  const r = parseQuery(params, FIELDS, { maxSize: 1000 });
  if (!r.ok) assert.fail(r.message);
  return r.query;
}

/** The dataset service's two queries for `params`, run: the count, and the page's `n`s (one page holds every row). */
export async function selectedRows(
  db: Kysely<any>,
  caps: DialectCapabilities,
  tables: DatasetTables,
  table: DatasetTable,
  params: Params,
): Promise<{ total: number; rows: number[] }> {
  const q = { ...parseFilterQuery(params), size: 100 };
  const count = buildCountQuery(db, caps, table, q);
  const total = count ? Number((await tables.rows(count))[0][0]) : table.rowCount;
  const page = await tables.rows(buildPageQuery(db, caps, table, { ...q, fields: [F.n] }, total));
  const rows = page.map((r) => Number(r[0]));
  await assertZonedWalk(db, caps, tables, table, { ...q, fields: [F.n] }, rows);
  return { total, rows };
}

/**
 * Checks that `q`'s page read as a walk through the table's zone map (when it has one)
 * is `rows`: the table is one block, so a filter that matches any row must keep it.
 */
export async function assertZonedWalk(
  db: Kysely<any>,
  caps: DialectCapabilities,
  tables: DatasetTables,
  table: DatasetTable,
  q: ParsedQuery,
  rows: readonly number[],
): Promise<void> {
  if (!(await tables.exists(zoneTable(table.tableName)))) return;
  // As many matches as rows makes the walk the cheaper plan whatever the filter.
  const zoned = buildPageQuery(db, caps, { ...table, zones: zoneTable(table.tableName) }, q, table.rowCount);
  const walked = (await tables.rows(zoned)).map((r) => Number(r[0]));
  assert.deepEqual(walked, rows, `through the zone map: ${zoned.sql}`);
}
