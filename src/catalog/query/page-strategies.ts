import { sql, type CompiledQuery, type Kysely, type SqlBool } from 'kysely';
import type { DialectCapabilities } from '../../store/index.ts';
import { compileFilters } from '../filter/filter-compiler.ts';
import type { ParsedQuery } from '../filter/query-parser.ts';
import { pageFields, WALK_PER_MATCH, type DatasetTable } from './dataset-query.ts';

// The two other ways of reading a dataset page: an estimated total (`_count=estimated`)
// and a page after a keyset cursor (`_after`).

/**
 * The sample of an estimated count where the database keeps no row estimates (SQLite):
 * SAMPLE_BLOCKS runs of SAMPLE_BLOCK_ROWS consecutive rows, one in each stretch of
 * `rowCount / SAMPLE_BLOCKS` rows (rows are dense from 1), at a fixed pseudo-random place
 * within it. Runs rather than single rows, so the sample reads short ranges of the
 * primary key; many of them, so a filter that matches one region of the table (a date
 * range in load order) is seen in proportion; not evenly spaced, so data that repeats
 * every N rows is not seen at the same phase each time. 8,192 rows: about a millisecond
 * whatever the table's size, and the same estimate every time.
 */
export const SAMPLE_BLOCKS = 128;
export const SAMPLE_BLOCK_ROWS = 64;

/** The rows a sample reads; a table of at most this many rows is counted, not sampled. */
export const SAMPLE_ROWS = SAMPLE_BLOCKS * SAMPLE_BLOCK_ROWS;

/** The first `_row` of each run of the sample over a table of more than SAMPLE_ROWS rows. */
export function sampleStarts(rowCount: number): number[] {
  const stride = Math.floor(rowCount / SAMPLE_BLOCKS);
  const room = stride - SAMPLE_BLOCK_ROWS + 1;
  const starts: number[] = [];
  for (let i = 0; i < SAMPLE_BLOCKS; i++) {
    // A multiplicative hash of the run's number: fixed, and unrelated to any period of the data.
    const jitter = (Math.imul(i + 1, 2654435761) >>> 0) % room;
    starts.push(i * stride + 1 + jitter);
  }
  return starts;
}

/**
 * The matches of `q`'s filters among the sample's rows (column `n`); undefined without
 * filters. The filters don't use their indexes: the sample's ranges of `_row` are what
 * make it cheap. Scale by `rowCount / SAMPLE_ROWS` for the estimate. For SQLite: a
 * planner that may put the table first in the join (PostgreSQL) asks its own estimate
 * instead (`DialectCapabilities.rowEstimate`).
 */
export function buildSampleCountQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: Pick<ParsedQuery, 'filters'>,
): CompiledQuery | undefined {
  const where = compileFilters(q.filters, caps, { avoidIndexes: true });
  if (!where) return undefined;
  // One range of `_row` per run, read from a list of the runs' first rows: each run is a
  // short scan of the primary key. The numbers are the table's own, written as literals
  // (VALUES would make parameters text on PostgreSQL); no client text is among them.
  const starts = sql.join(sampleStarts(ds.rowCount).map((lo) => sql`(${sql.lit(lo)})`));
  let count = db
    .selectFrom(sql`(values ${starts})`.as('r'))
    .crossJoin(ds.tableName)
    .select(sql<number>`count(*)`.as('n'))
    .where(sql<SqlBool>`"_row" between r.column1 and r.column1 + ${sql.lit(SAMPLE_BLOCK_ROWS - 1)}`);
  const guard = caps.deadlineGuard();
  if (guard) count = count.where(guard);
  return count.where(where).compile();
}

/**
 * The rows matching `q`'s filters, as a statement whose plan the database estimates
 * (see `DialectCapabilities.rowEstimate`); undefined without filters.
 */
export function buildMatchingRowsQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: Pick<ParsedQuery, 'filters'>,
): CompiledQuery | undefined {
  const where = compileFilters(q.filters, caps);
  return where ? db.selectFrom(ds.tableName).select(sql.lit(1).as('one')).where(where).compile() : undefined;
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
