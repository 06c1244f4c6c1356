import { sql, type CompiledQuery, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { DialectCapabilities } from '../../store/index.ts';
import { compileFilters } from '../filter/filter-compiler.ts';
import type { ParsedQuery } from '../filter/query-parser.ts';
import { pageFields, WALK_PER_MATCH, type DatasetTable } from './dataset-query.ts';

// The two other ways of reading a dataset page: an estimated total (`_count=estimated`)
// and a page after a keyset cursor (`_after`).

/**
 * The sample of an estimated count: SAMPLE_BLOCKS runs of SAMPLE_BLOCK_ROWS consecutive
 * rows, spread evenly over `_row` (rows are dense from 1). Runs rather than single rows,
 * so the sample reads a few short ranges of the primary key; many of them, so a filter
 * that matches one region of the table (a date range in load order) is still seen in
 * proportion. 4,096 rows: a few milliseconds whatever the table's size.
 */
export const SAMPLE_BLOCKS = 64;
export const SAMPLE_BLOCK_ROWS = 64;

/** The rows a sample reads; a table of at most this many rows is counted, not sampled. */
export const SAMPLE_ROWS = SAMPLE_BLOCKS * SAMPLE_BLOCK_ROWS;

/** The first `_row` of each run of the sample over a table of `rowCount` rows. */
export function sampleStarts(rowCount: number): number[] {
  const starts: number[] = [];
  for (let i = 0; i < SAMPLE_BLOCKS; i++) starts.push(Math.floor((i * rowCount) / SAMPLE_BLOCKS) + 1);
  return starts;
}

/**
 * The matches of `q`'s filters among the sample's rows (column `n`); undefined without
 * filters. The filters don't use their indexes: the sample's ranges of `_row` are what
 * make it cheap. Scale by `rowCount / SAMPLE_ROWS` for the estimate.
 */
export function buildSampleCountQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: Pick<ParsedQuery, 'filters'>,
): CompiledQuery | undefined {
  const where = compileFilters(q.filters, caps, { avoidIndexes: true });
  if (!where) return undefined;
  const runs: Expression<SqlBool>[] = sampleStarts(ds.rowCount).map(
    (lo) => sql<SqlBool>`"_row" between ${lo} and ${lo + SAMPLE_BLOCK_ROWS - 1}`,
  );
  let count = db
    .selectFrom(ds.tableName)
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.or(runs));
  const guard = caps.deadlineGuard();
  if (guard) count = count.where(guard);
  return count.where(where).compile();
}

/**
 * The SQL of the page after `afterRow` in natural order: the page's fields, then `_row`
 * (read for the next cursor), one row more than the page (to tell whether another page
 * follows). `total` is the number of matches, exact or estimated: as for pages by number,
 * the page walks the table in load order from `afterRow` unless the filter is so
 * selective that reading its matches through indexes is cheaper. Either way the cost
 * does not grow with how far the walk has got.
 */
export function buildKeysetPageQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: ParsedQuery,
  afterRow: number,
  total: number,
): CompiledQuery {
  const columns = pageFields(ds, q).map((f) => f.column);
  let page = db.selectFrom(ds.tableName).select([...columns, '_row']);
  if (q.filters.length === 0) {
    return page
      .where('_row', '>', afterRow)
      .where('_row', '<=', afterRow + q.size + 1)
      .orderBy('_row')
      .compile();
  }
  const walk = (q.size * ds.rowCount) / Math.max(total, 1) < WALK_PER_MATCH * total;
  const guard = caps.deadlineGuard();
  if (guard) page = page.where(guard);
  page = page.where('_row', '>', afterRow).where(compileFilters(q.filters, caps, { avoidIndexes: walk })!);
  return page
    .orderBy('_row')
    .limit(q.size + 1)
    .compile();
}
