import type { Expression } from 'kysely';
import type { FieldType, Value } from '../../catalog/types.ts';

/**
 * What domain code may ask of a SQL dialect. Domain code branches on these, never on
 * a dialect's name, so that adding a dialect touches only `store/dialects`.
 */
export interface DialectCapabilities {
  /** Turns a catalog value into the parameter the driver expects for a column of `type`. */
  encode(type: FieldType, value: Value): unknown;
  /**
   * The operator for a case-insensitive substring match with `\` as the escape
   * character: SQLite's LIKE is case-insensitive already, PostgreSQL needs ILIKE.
   */
  readonly likeOperator: 'like' | 'ilike';
  /**
   * A column reference that the planner will not answer from an index, so that a
   * filtered page in natural order is read by walking the table in order and stopping
   * at the page's end. Where the planner weighs LIMIT itself, a plain reference.
   */
  unindexedRef(column: string): Expression<unknown>;
}
