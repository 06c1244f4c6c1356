/** The five field types a dataset column can have (spec section 1). */
export const FIELD_TYPES = ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A dataset field: its public name, type and the physical column that stores it. */
export interface Field {
  readonly name: string;
  readonly type: FieldType;
  /** Physical column name, generated (`c0`, `c1`, ...): field names never reach SQL. */
  readonly column: string;
}

/**
 * A typed value as the catalog handles it, independent of the database:
 * TEXT string; NUMBER number, or bigint for integers beyond 2^53; BOOLEAN boolean;
 * DATE "YYYY-MM-DD"; DATETIME epoch milliseconds (UTC); missing values null.
 */
export type Value = string | number | bigint | boolean | null;

export function isFieldType(s: string): s is FieldType {
  return (FIELD_TYPES as readonly string[]).includes(s);
}

/** How a widget may bucket a DATE or DATETIME dimension (spec section 7); weeks start on Monday, all in UTC. */
export const DATE_BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type DateBucket = (typeof DATE_BUCKETS)[number];
