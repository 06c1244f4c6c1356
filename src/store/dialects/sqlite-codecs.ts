import type Database from 'better-sqlite3';
import type { FieldType, Value } from '../../shared/field-types.ts';

// How catalog values travel to SQLite and back: the parameters of the bulk insert and
// of filters, and the mode rows are read in.

export type ParamWriter = (v: NonNullable<Value>) => unknown;

/** A value SQLite stores as it is: numbers and bigints, text, and DATETIME's epoch milliseconds. */
export const asStored: ParamWriter = (v) => v;

/** How a (non-null) catalog value is bound as a parameter; null is bound as null. */
export const PARAM_WRITERS: Record<FieldType, ParamWriter> = {
  NUMBER: asStored,
  TEXT: asStored,
  // SQLite has no boolean type: 1 and 0 in an INTEGER column.
  BOOLEAN: (v) => (v ? 1 : 0),
  // "YYYY-MM-DD" text, which sorts and compares as the date does.
  DATE: asStored,
  DATETIME: asStored,
};

/**
 * Sets a reading statement to the mode every dataset read uses: rows as arrays in
 * select order, and integers as bigints, so that 64-bit integers come back exact.
 */
export function readExact(stmt: Database.Statement): Database.Statement {
  return stmt.raw(true).safeIntegers(true);
}
