import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../../store/index.ts';
import { queryOffset, type ParsedQuery } from '../filter/query-parser.ts';
import { compileFilters, compileZoneFilters } from '../filter/filter-compiler.ts';
import type { Field } from '../types.ts';

/** The physical side of a dataset that a query needs. */
export interface DatasetTable {
  readonly tableName: string;
  readonly fields: readonly Field[];
  readonly rowCount: number;
  /**
   * The table's zone map, when it has one (`zoneTable` in the store): a natural-order
   * walk then reads only the blocks of rows whose ranges can match the filters.
   */
  readonly zones?: string;
}

// A filtered page in natural order is read either by walking the table in load order
// until the page is full, or through the filter's indexes and a sort of every match.
// Walking costs about (offset + size) / selectivity rows; the index path about all
// matches, each a random read plus its share of the sort — roughly ten times a walked
// row on SQLite. So walk while the expected walk is under ten times the matches.
export const WALK_PER_MATCH = 10;

// A page is read as `quick` (`RowsOptions`: tried on SQLite's main connection first) when
// its walk is expected to read at most this many rows, about a millisecond's work at
// worst (a contains filter), or when it is read through the indexes and at most this
// many rows match.
export const QUICK_WALK_ROWS = 4096;
export const QUICK_MATCHES = 256;

/**
 * Whether a page of `q` with `total` matches reads few rows (see QUICK_WALK_ROWS): no
 * sort, and few rows to walk from `offset` at the matches' density, or few matches.
 */
export function readsFewRows(ds: DatasetTable, q: ParsedQuery, total: number, offset: number): boolean {
  if (q.sort.length > 0) return false;
  if (total <= QUICK_MATCHES) return true;
  return ((offset + q.size) * ds.rowCount) / total <= QUICK_WALK_ROWS;
}

/** The rows from `first` to `last` (`_row`, inclusive): the only ones that can match, by the zone map. */
export interface RowSpan {
  readonly first: number;
  readonly last: number;
}

/**
 * The count of matching rows, or undefined when it is the dataset's row count. With a
 * `span` (from `buildZoneSpanQuery`), only the rows in it are read, in load order by
 * primary key: the filters' indexes are set aside, as a walk sets them aside.
 */
export function buildCountQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: ParsedQuery,
  span?: RowSpan,
): CompiledQuery | undefined {
  const where = compileFilters(q.filters, caps, { avoidIndexes: span !== undefined });
  if (!where) return undefined;
  let count = db.selectFrom(ds.tableName).select(sql<number>`count(*)`.as('n'));
  const guard = caps.deadlineGuard();
  if (guard) count = count.where(guard);
  if (span) count = count.where('_row', '>=', span.first).where('_row', '<=', span.last);
  return count.where(where).compile();
}

/**
 * The first and last `_row` of the blocks whose ranges can match `q`'s filters (one row
 * of two values, both null when no block can), or undefined when the table has no zone
 * map or no filter is on a zoned field.
 */
export function buildZoneSpanQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: ParsedQuery,
): CompiledQuery | undefined {
  if (ds.zones === undefined) return undefined;
  const zones = compileZoneFilters(q.filters, caps, ds.fields);
  if (!zones) return undefined;
  return db
    .selectFrom(ds.zones)
    .select((eb) => [eb.fn.min('first_row').as('first'), eb.fn.max('last_row').as('last')])
    .where(zones)
    .compile();
}

/**
 * Whether `q`'s page is a range of `_row`: no filters and no sort, so the page query
 * reads exactly the page's rows by primary key, however deep the page.
 */
export function readsRowRange(q: ParsedQuery): boolean {
  return q.filters.length === 0 && q.sort.length === 0;
}

/**
 * The SQL for one page of a dataset, given the number of matching rows. Natural order
 * is `_row`, the load order; without filters or sort a page is a range of `_row` (rows
 * are dense from 1), which costs the same on page 50,000 as on page 1.
 */
export function buildPageQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: ParsedQuery,
  total: number,
): CompiledQuery {
  const fields = q.fields ?? ds.fields;
  const offset = queryOffset(q);
  if (readsRowRange(q))
    return CompiledQuery.raw(rowRangeSql(db, ds, fields, q.rowNumbers === true), [offset, offset + q.size]);
  const columns = fields.map((f) => f.column);
  let page = db.selectFrom(ds.tableName).select(q.rowNumbers ? ['_row', ...columns] : columns);
  const walk = q.sort.length === 0 && ((offset + q.size) * ds.rowCount) / Math.max(total, 1) < WALK_PER_MATCH * total;
  const zones = walk && ds.zones !== undefined ? compileZoneFilters(q.filters, caps, ds.fields) : undefined;
  if (zones && caps.zoneWalk === 'join') {
    // The blocks that can match, in load order, then each block's rows in order: the walk
    // reads only blocks whose ranges meet every filter on a zoned field. CROSS JOIN keeps
    // the blocks as the outer loop on SQLite, so that the order needs no sort.
    page = db
      .selectFrom(`${ds.zones} as z`)
      .crossJoin(ds.tableName)
      .select(q.rowNumbers ? ['_row', ...columns] : columns)
      .where(zones)
      .whereRef('_row', '>=', 'z.first_row')
      .whereRef('_row', '<=', 'z.last_row');
  }
  // A range of `_row` above reads exactly one page; a walk or a sort may read every row.
  const guard = caps.deadlineGuard();
  if (guard) page = page.where(guard);
  const where = compileFilters(q.filters, caps, { avoidIndexes: walk });
  if (where) page = page.where(where);
  if (zones && caps.zoneWalk === 'join')
    return page.orderBy('z.block').orderBy('_row').limit(q.size).offset(offset).compile();
  if (zones) {
    // No row outside the span from the first block that can match to the last can match.
    const blocks = (agg: 'min' | 'max', column: string) =>
      db
        .selectFrom(ds.zones!)
        .select((eb) => eb.fn(agg, [column]).as('n'))
        .where(zones);
    page = page.where('_row', '>=', blocks('min', 'first_row')).where('_row', '<=', blocks('max', 'last_row'));
  }
  for (const s of q.sort) {
    page = page.orderBy(s.field.column, (ob) => (s.asc ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
  }
  return page.orderBy('_row').limit(q.size).offset(offset).compile();
}

// The SQL of a row-range page per database (its dialect), field list (a dataset
// version's own, or a request's `_fields`), table and row numbers: only the two bounds
// change between requests, so the statement is built once rather than on every request.
const rowRangeTexts = new WeakMap<Kysely<any>, WeakMap<readonly Field[], Map<string, string>>>();

/** The SQL of the page `_row` in (?, ?], in order: the bounds are its two parameters. */
function rowRangeSql(db: Kysely<any>, ds: DatasetTable, fields: readonly Field[], rowNumbers: boolean): string {
  let byFields = rowRangeTexts.get(db);
  if (!byFields) rowRangeTexts.set(db, (byFields = new WeakMap()));
  let texts = byFields.get(fields);
  if (!texts) byFields.set(fields, (texts = new Map()));
  const key = (rowNumbers ? '#' : '') + ds.tableName;
  let text = texts.get(key);
  if (text === undefined) {
    const columns = fields.map((f) => f.column);
    text = db
      .selectFrom(ds.tableName)
      .select(rowNumbers ? ['_row', ...columns] : columns)
      .where('_row', '>', 0)
      .where('_row', '<=', 0)
      .orderBy('_row')
      .compile().sql;
    texts.set(key, text);
  }
  return text;
}

/**
 * The SQL of an export: every row matching `q`'s filters in `q`'s order (natural order
 * last, so rows of equal sort keys come in load order, as pages do), `q`'s fields, no
 * paging. No deadline guard: an export has no time limit (it stops when its reader goes).
 */
export function buildExportQuery(db: Kysely<any>, caps: DialectCapabilities, ds: DatasetTable, q: ParsedQuery) {
  let rows = db.selectFrom(ds.tableName).select(pageFields(ds, q).map((f) => f.column));
  const where = compileFilters(q.filters, caps);
  if (where) rows = rows.where(where);
  for (const s of q.sort) {
    rows = rows.orderBy(s.field.column, (ob) => (s.asc ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
  }
  return rows.orderBy('_row').compile();
}

/** The fields a page returns, in output order. */
export function pageFields(ds: DatasetTable, q: ParsedQuery): readonly Field[] {
  return q.fields ?? ds.fields;
}
