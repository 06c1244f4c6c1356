import { sql, type Expression, type SqlBool } from 'kysely';
import type { DialectCapabilities } from '../store/index.ts';

/** How the console lists datasets or widgets: a text search, one integration group, an order and a page. */
export interface ListQuery {
  /** Case-insensitive substring of the name (datasets: or of the description); '' = all. */
  readonly search?: string;
  /** Only this integration group; undefined = all. */
  readonly group?: string;
  readonly sort: 'modified' | 'name';
  readonly order: 'asc' | 'desc';
  /** 1-based. */
  readonly page: number;
  readonly size: number;
}

/** One page of a listing, the number of matches over all pages, and the tenant's integration groups. */
export interface ListPage<T> {
  readonly items: T[];
  readonly total: number;
  /** Every distinct non-empty integration group among what is listed, ignoring the search and group. */
  readonly groups: string[];
}

/** `ref` contains `text`, case-insensitively; `%`, `_` and `\` in the text match themselves. */
export function containsText(caps: DialectCapabilities, ref: Expression<unknown>, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const op = caps.likeOperator === 'ilike' ? sql`ilike` : sql`like`;
  // As in the filter compiler: Kysely's `like` has no ESCAPE clause; the escape character is a constant.
  return sql<SqlBool>`${ref} ${op} ${sql.val(pattern)} escape '\\'`;
}
