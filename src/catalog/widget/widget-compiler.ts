import { expressionBuilder, sql, type CompiledQuery, type Expression, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../../store/dialects/capabilities.ts';
import { compileFilters } from '../filter/filter-compiler.ts';
import { filterFields, type FilterNode } from '../filter/filter-parser.ts';
import { queryOffset, type ParsedQuery } from '../filter/query-parser.ts';
import type { Field } from '../types.ts';
import type { PlannedDimension, PlannedMeasure, WidgetPlan } from './widget-spec.ts';

/** The SQL of one widget request. */
export interface WidgetQueries {
  /**
   * One page of the result: the page's columns in output order, then the number of
   * rows of the whole (capped) result, the same on every row.
   */
  readonly page: CompiledQuery;
  /** The number of result rows alone: for a page past the end, which has no row to carry it. */
  readonly count: CompiledQuery;
}

/** The alias of the result-wide row count in the page query; result columns are `d<i>` and `m<i>`. */
const TOTAL = '_total';

const eb = expressionBuilder<any, any>();

function dimensionExpr(d: PlannedDimension, caps: DialectCapabilities): Expression<unknown> {
  const col = eb.ref(d.field.column);
  return d.bucket ? caps.dateBucket(col, d.field.type as 'DATE' | 'DATETIME', d.bucket) : col;
}

function measureExpr(m: PlannedMeasure): Expression<unknown> {
  if (m.field === null) return eb.fn.countAll();
  const col = eb.ref(m.field.column);
  switch (m.agg) {
    case 'count':
      return eb.fn.count(col);
    case 'count_distinct':
      return eb.fn.count(col).distinct();
    case 'sum':
      return eb.fn.sum(col);
    case 'avg':
      return eb.fn.avg(col);
    case 'min':
      return eb.fn.min(col);
    case 'max':
      return eb.fn.max(col);
  }
}

/**
 * A measure where a filter compares it. A count is NUMBER like every measure, but an
 * integer in the database (bigint on PostgreSQL, which refuses a fractional parameter
 * such as "1.5" there): as numeric it compares with any NUMBER value, on every dialect.
 */
function measureFilterExpr(m: PlannedMeasure): Expression<unknown> {
  const e = measureExpr(m);
  return m.field === null || m.agg === 'count' || m.agg === 'count_distinct' ? sql`cast(${e} as numeric)` : e;
}

/**
 * Compiles a widget request to SQL that runs in the database as one GROUP BY:
 *
 *   SELECT <page columns>, count(*) OVER () FROM (
 *     SELECT <dimensions>, <measures> FROM <dataset table>
 *     WHERE <deadline guard> AND <widget filter> AND <API filters on dimensions>
 *     GROUP BY <dimensions> HAVING <API filters on measures, counts as numeric>
 *     ORDER BY <widget sort, then dimensions> LIMIT <widget limit>
 *   ) r ORDER BY <API _sort, widget sort, dimensions> LIMIT <size> OFFSET <offset>
 *
 * `q` is parsed against `plan.columns`. Every order ends with the dimensions, which
 * are unique per row, so pages never overlap. Pure: no I/O. With `all` (an export), the
 * page is the whole result in that order: no LIMIT/OFFSET and no row count column.
 */
export function buildWidgetQueries(
  db: Kysely<any>,
  caps: DialectCapabilities,
  table: { readonly tableName: string },
  plan: WidgetPlan,
  q: ParsedQuery,
  opts: { all?: boolean } = {},
): WidgetQueries {
  const source = new Map<string, Expression<unknown>>();
  // What filters compare: the same expressions, but counts as numeric (see measureFilterExpr).
  const filtered = new Map<string, Expression<unknown>>();
  for (const d of plan.dimensions) {
    const e = dimensionExpr(d, caps);
    source.set(d.column.column, e);
    filtered.set(d.column.column, e);
  }
  for (const m of plan.measures) {
    source.set(m.column.column, measureExpr(m));
    filtered.set(m.column.column, measureFilterExpr(m));
  }
  const dimensionColumns = new Set(plan.dimensions.map((d) => d.column.column));
  const ref = (f: Field) => filtered.get(f.column)!;
  const onDimensions: FilterNode[] = [];
  const onMeasures: FilterNode[] = [];
  // A node over dimensions only filters rows before grouping; one that reads a measure
  // (an OData `or` may span both) filters groups, where dimensions can be read too.
  for (const node of q.filters) {
    const onlyDimensions = filterFields(node).every((f) => dimensionColumns.has(f.column));
    (onlyDimensions ? onDimensions : onMeasures).push(node);
  }

  let grouped = db
    .selectFrom(table.tableName)
    .select(plan.columns.map((c) => sql`${source.get(c.column)!}`.as(c.column)));
  const guard = caps.deadlineGuard();
  if (guard) grouped = grouped.where(guard);
  const own = compileFilters(plan.filters, caps);
  if (own) grouped = grouped.where(own);
  const before = compileFilters(onDimensions, caps, { ref });
  if (before) grouped = grouped.where(before);
  if (plan.dimensions.length > 0) grouped = grouped.groupBy(plan.dimensions.map((d) => source.get(d.column.column)!));
  const after = compileFilters(onMeasures, caps, { ref });
  if (after) grouped = grouped.having(after);

  const widgetOrder = [...plan.sort, ...plan.dimensions.map((d) => ({ column: d.column, asc: true }))];
  if (plan.limit !== null) {
    for (const key of distinct(widgetOrder))
      grouped = grouped.orderBy(key.column.column, (ob) => (key.asc ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
    grouped = grouped.limit(plan.limit);
  }

  const out = q.fields ?? plan.columns;
  let page = db
    .selectFrom(grouped.as('r'))
    .select([...out.map((c) => c.column), ...(opts.all ? [] : [sql<number>`count(*) over ()`.as(TOTAL)])]);
  for (const key of distinct(
    [...q.sort, ...widgetOrder].map((k) => ({ column: 'field' in k ? k.field : k.column, asc: k.asc })),
  )) {
    page = page.orderBy(key.column.column, (ob) => (key.asc ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
  }
  if (!opts.all) page = page.limit(q.size).offset(queryOffset(q));
  const count = db.selectFrom(grouped.as('r')).select(sql<number>`count(*)`.as('n'));
  return { page: page.compile(), count: count.compile() };
}

/** Sort keys without repeats: the first mention of a column decides its direction. */
function distinct<K extends { column: Field; asc: boolean }>(keys: readonly K[]): K[] {
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(k.column.column) && seen.add(k.column.column));
}
