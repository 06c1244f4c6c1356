import type { CompiledQuery, Expression, SqlBool } from 'kysely';
import type { DateBucket, FieldType, Value } from '../../shared/field-types.ts';

/**
 * What domain code may ask of a SQL dialect. Domain code branches on these, never on
 * a dialect's name, so that adding a dialect touches only `store/dialects`.
 */
export interface DialectCapabilities {
  /** Turns a catalog value into the parameter the driver expects for a column of `type`. */
  encode(type: FieldType, value: Value): unknown;
  /**
   * Whether `value` contains `text`, ignoring case for every Unicode letter the way
   * PostgreSQL's lower() does under a UTF-8 locale (one code point to one: "É" is "é",
   * "İ" is "i", "ß" stays "ß", so "SS" does not match it). `%`, `_` and `\` in `text`
   * match themselves. The same rows on every dialect.
   */
  containsText(value: Expression<unknown>, text: string): Expression<SqlBool>;
  /**
   * Whether text `value` contains, starts with, ends with or equals `text`: exactly
   * (case-sensitive, code point by code point), or with `ignoreCase` folding both sides as
   * `containsText` does. Nothing in `text` is a wildcard. Null is never a match.
   */
  matchText(
    value: Expression<unknown>,
    text: string,
    match: 'contains' | 'startswith' | 'endswith' | 'equals',
    ignoreCase: boolean,
  ): Expression<SqlBool>;
  /**
   * True for a NUMBER value that is not an integer within 64 bits (a fraction, or an
   * integer too large); false for one that is, null for null. What tells Edm.Int64 from
   * Edm.Decimal in the OData feed.
   */
  notInt64(value: Expression<unknown>): Expression<SqlBool>;
  /**
   * A column reference that the planner will not answer from an index, so that a
   * filtered page in natural order is read by walking the table in order and stopping
   * at the page's end. Where the planner weighs LIMIT itself, a plain reference.
   */
  unindexedRef(column: string): Expression<unknown>;
  /**
   * The first day, as a DATE value ("YYYY-MM-DD"), of the UTC day, ISO week (from
   * Monday), month, quarter or year that a DATE or DATETIME value falls in; null stays
   * null. Constants only, no parameters: the same expression can appear in SELECT and
   * GROUP BY and is recognised as the same there.
   */
  dateBucket(value: Expression<unknown>, type: 'DATE' | 'DATETIME', bucket: DateBucket): Expression<string | null>;
  /**
   * A condition over a dataset table's rows that is true until the running query's
   * deadline (see `DatasetTables.rows`) has passed, and then stops the query. Put it
   * first in WHERE so that it is checked for every row read, matching or not.
   * Undefined where the dialect limits query time by other means.
   */
  deadlineGuard(): Expression<SqlBool> | undefined;
  /**
   * Where the planner keeps row estimates (from the statistics gathered after a load):
   * the statement that asks how many rows `query` would return, and how to read the
   * number from its rows. Undefined where it keeps none; domain code then samples.
   */
  readonly rowEstimate?: {
    explain(query: CompiledQuery): CompiledQuery;
    read(rows: unknown[][]): number;
  };
  /**
   * How a natural-order walk uses a table's zone map: 'join' reads the blocks that can
   * match in order and each one's rows by `_row` range (the planner keeps that order);
   * 'span' bounds `_row` by the first and last such block.
   */
  readonly zoneWalk: 'join' | 'span';
}
