// One table of OData `$filter`s over the rows of filter-cases.ts and the rows they
// select, run on SQLite by src/catalog/odata/odata-filter.test.ts and on PostgreSQL by
// src/store/dialects/postgres.int.test.ts: `$filter` compiles through the filter
// language's query builder and must select the same rows on both dialects.
import type { Kysely } from 'kysely';
import { buildModel, parseODataFilter, type EntitySet } from '../../src/catalog/odata/index.ts';
import { buildCountQuery, buildPageQuery, type DatasetTable } from '../../src/catalog/query/dataset-query.ts';
import type { DialectCapabilities } from '../../src/store/dialects/capabilities.ts';
import type { DatasetTables } from '../../src/store/dialects/dataset-tables.ts';
import { assertZonedWalk, F, FIELDS, ROWS } from './filter-cases.ts';

/**
 * The entity set of the filter table: properties Id, summary, price, is_default, date,
 * created_at, Real_Name, n and code_in_.
 */
export const ODATA_SET: EntitySet = buildModel([
  { kind: 'dataset', id: '1', name: 'Filters', fields: FIELDS, int64Columns: new Set([F.id.column, F.n.column]) },
])[0];

const ALL = ROWS.map((_, i) => i + 1);
const except = (...n: number[]) => ALL.filter((i) => !n.includes(i));

/** A `$filter` and the `n`s of the rows it selects, in load order. */
export interface ODataCase {
  readonly filter: string;
  readonly rows: readonly number[];
  readonly why?: string;
}

export const ODATA_CASES: readonly ODataCase[] = [
  // NUMBER, exact for 64-bit integers
  { filter: 'Id eq 1534956341424005122', rows: [6] },
  { filter: 'Id gt 1534956341424005122', rows: [7, 15], why: 'gt excludes the bound' },
  { filter: 'Id ge 1534956341424005122', rows: [6, 7, 15] },
  { filter: 'Id lt 0', rows: [13] },
  { filter: 'Id le 0', rows: [12, 13] },
  { filter: 'Id ne 1', rows: except(1), why: 'ne is true on null (two-valued, unlike [ne])' },
  { filter: 'Id eq null', rows: [11, 16] },
  { filter: 'Id ne null', rows: except(11, 16) },
  { filter: 'price gt 56.3', rows: [5, 6, 7, 8, 9, 13, 15] },
  { filter: 'price lt -0.5', rows: [10] },
  { filter: 'price ge 12.6 and price le 12.6', rows: [1, 14] },
  { filter: 'not (price gt 0)', rows: [4, 10, 11, 12, 16], why: 'not includes nulls' },
  { filter: 'price gt null', rows: [], why: 'any comparison but eq/ne with null is false' },
  { filter: 'Id in (1, 2, 9223372036854775807)', rows: [1, 2, 15] },
  { filter: '5 lt n', rows: [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], why: 'a literal on the left' },

  // TEXT: eq and the methods are case-sensitive; tolower/toupper fold
  { filter: "summary eq 'filename'", rows: [9] },
  { filter: "summary eq 'FILENAME'", rows: [] },
  { filter: "contains(summary,'printer')", rows: [2], why: 'contains is case-sensitive in OData' },
  { filter: "contains(tolower(summary),'printer')", rows: [1, 2, 3] },
  { filter: "contains(tolower(summary),'Printer')", rows: [], why: 'a lower-cased text holds no capital' },
  { filter: "contains(toupper(summary),'PRINTER')", rows: [1, 2, 3] },
  { filter: "startswith(summary,'file')", rows: [8, 9] },
  { filter: "endswith(summary,'name')", rows: [8, 9] },
  { filter: "contains(summary,'%')", rows: [6, 13, 15], why: '% is literal' },
  { filter: "contains(summary,'_')", rows: [8, 13, 15], why: '_ is literal' },
  { filter: "startswith(summary,'100%')", rows: [6] },
  { filter: "contains(summary,'*')", rows: [], why: '* is literal (no GLOB wildcard)' },
  { filter: "contains(summary,'?') or contains(summary,'[')", rows: [] },
  { filter: "contains(summary,'k\\s')", rows: [10], why: 'backslash is literal' },
  { filter: "endswith(summary,'slash')", rows: [10] },
  { filter: "contains(summary,'é')", rows: [12], why: 'É is not é without a fold' },
  { filter: "startswith(tolower(summary),'é')", rows: [16], why: 'Unicode folds like PostgreSQL lower()' },
  { filter: "endswith(tolower(Real_Name),'ë')", rows: [8, 16] },
  { filter: "tolower(Real_Name) eq 'tod'", rows: [9, 14] },
  { filter: "toupper(Real_Name) eq 'ZOË'", rows: [8, 16] },
  { filter: "tolower(Real_Name) ne 'tod'", rows: except(9, 14) },
  { filter: "Real_Name eq 'Tod'", rows: [14] },
  { filter: "Real_Name ne 'x'", rows: except(11), why: 'nulls are not equal to x' },
  { filter: "summary eq ''", rows: [4], why: 'empty text is not null' },
  { filter: 'summary eq null', rows: [5] },
  { filter: "summary in ('tod', 'filename', null)", rows: [5, 9, 14] },
  { filter: "code_in_ in ('A', 'a,b')", rows: [2, 3, 14], why: 'commas inside a string are literal' },
  { filter: "contains(summary,'''')", rows: [11], why: "'' is a quote" },
  { filter: "summary eq '''; DROP TABLE t; --'", rows: [11] },

  // BOOLEAN
  { filter: 'is_default', rows: [1, 4, 6, 8, 10, 13], why: 'a boolean property alone' },
  { filter: 'not is_default', rows: except(1, 4, 6, 8, 10, 13) },
  { filter: 'is_default eq false', rows: [2, 5, 7, 9, 11, 14] },
  { filter: 'is_default ne true', rows: except(1, 4, 6, 8, 10, 13) },

  // DATE and DATETIME
  { filter: 'date eq 2023-02-01', rows: [3, 13] },
  { filter: 'date ge 2023-05-01', rows: [6, 7, 12, 15] },
  { filter: 'date lt 2022-07-01', rows: [2, 11] },
  { filter: 'date ne 2023-02-01', rows: except(3, 13) },
  { filter: 'created_at ge 2023-02-01T00:00:00Z and created_at lt 2023-02-02T00:00:00Z', rows: [1, 2, 6, 7, 11, 13] },
  { filter: 'created_at gt 2023-02-01T23:59:59.999Z', rows: [3, 10, 12, 14] },
  { filter: 'created_at eq 2023-02-01T12:00:00+02:00', rows: [6], why: 'an offset is converted to UTC' },
  { filter: 'created_at le 2022-06-30T23:59:59.999Z', rows: [9] },
  { filter: 'created_at lt 2022-07-01', rows: [9], why: 'a date on a DATETIME is its midnight UTC' },
  { filter: 'created_at ge 2024-02-29T12:00Z', rows: [12], why: 'seconds may be left out' },

  // and, or, not, parentheses, true/false
  { filter: '(n le 3 or n ge 15) and not (n eq 2)', rows: [1, 3, 15, 16] },
  { filter: "n gt 14 or summary eq 'tod'", rows: [14, 15, 16] },
  { filter: 'n eq 1 or n eq 2 and n eq 3', rows: [1], why: 'and binds tighter than or' },
  { filter: 'not not (n eq 4)', rows: [4] },
  { filter: 'true', rows: ALL },
  { filter: 'false', rows: [] },
  { filter: 'n eq 1 or true', rows: ALL },
  { filter: 'RowNumber gt 14', rows: [15, 16], why: "a dataset's key is its row number" },
];

/** The test name of a case. */
export function odataCaseName(c: ODataCase): string {
  return `$filter=${c.filter} -> [${c.rows.join(',')}]${c.why ? ` (${c.why})` : ''}`;
}

/** The count and the page's `n`s for `filter`, through the dataset query builder (one page holds every row). */
export async function odataSelectedRows(
  db: Kysely<any>,
  caps: DialectCapabilities,
  tables: DatasetTables,
  table: DatasetTable,
  filter: string,
): Promise<{ total: number; rows: number[] }> {
  const node = parseODataFilter(filter, ODATA_SET.byName);
  const q = { current: 1, size: 100, filters: [node], sort: [], fields: [F.n], numbersAsText: false };
  const count = buildCountQuery(db, caps, table, q);
  const total = count ? Number((await tables.rows(count))[0][0]) : table.rowCount;
  const page = await tables.rows(buildPageQuery(db, caps, table, q, total));
  const rows = page.map((r) => Number(r[0]));
  await assertZonedWalk(db, caps, tables, table, q, rows);
  return { total, rows };
}
