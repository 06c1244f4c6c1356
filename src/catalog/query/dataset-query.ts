import { sql, type Kysely, type CompiledQuery } from 'kysely';
import type { DialectCapabilities } from '../../store/index.ts';
import type { ParsedQuery } from '../filter/filter-parser.ts';
import { compileFilters } from '../filter/filter-compiler.ts';
import type { Field } from '../types.ts';

/** The physical side of a dataset that a query needs. */
export interface DatasetTable {
  readonly tableName: string;
  readonly fields: readonly Field[];
  readonly rowCount: number;
}

export interface PageQuery {
  /** Rows of the page, columns in `fields` order. */
  readonly page: CompiledQuery;
  /** The number of matching rows; absent when it is the dataset's row count. */
  readonly count: CompiledQuery | undefined;
  /** Selected fields, in output order. */
  readonly fields: readonly Field[];
}

/**
 * Builds the SQL for one page of a dataset. Natural order is `_row`, the load order;
 * without filters or sort a page is a range of `_row` (rows are dense from 1), which
 * costs the same on page 50,000 as on page 1.
 */
export function buildPageQuery(
  db: Kysely<any>,
  caps: DialectCapabilities,
  ds: DatasetTable,
  q: ParsedQuery,
): PageQuery {
  const fields = q.fields ?? ds.fields;
  const where = compileFilters(q.filters, caps);
  const offset = (q.current - 1) * q.size;
  let page = db.selectFrom(ds.tableName).select(fields.map((f) => f.column));
  if (!where && q.sort.length === 0) {
    page = page.where('_row', '>', offset).where('_row', '<=', offset + q.size).orderBy('_row');
  } else {
    if (where) page = page.where(where);
    for (const s of q.sort) {
      page = page.orderBy(s.field.column, (ob) => (s.asc ? ob.asc().nullsFirst() : ob.desc().nullsLast()));
    }
    page = page.orderBy('_row').limit(q.size).offset(offset);
  }
  const count = where
    ? db.selectFrom(ds.tableName).select(sql<number>`count(*)`.as('n')).where(where).compile()
    : undefined;
  return { page: page.compile(), count, fields };
}
