import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { DateBucket, FieldType, Value } from '../../shared/field-types.ts';
import type { DialectCapabilities } from './capabilities.ts';
import { DEADLINE_FUNCTION, GUARD_EVERY_ROWS } from './sqlite.ts';

/** Modifiers of SQLite's date() per bucket, after the value itself; constants, never input. */
function bucketed(args: RawBuilder<unknown>, bucket: Exclude<DateBucket, 'day' | 'quarter'>): Expression<string | null> {
  switch (bucket) {
    // 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is its Monday.
    case 'week':
      return sql<string | null>`date(${args}, 'weekday 0', '-6 days')`;
    case 'month':
      return sql<string | null>`date(${args}, 'start of month')`;
    case 'year':
      return sql<string | null>`date(${args}, 'start of year')`;
  }
}

// `_row & (GUARD_EVERY_ROWS - 1)` is zero on one row in GUARD_EVERY_ROWS: the JavaScript
// function behind the guard runs that often, the rest of the rows pay for a bit test.
const GUARD_MASK = sql.raw(String(GUARD_EVERY_ROWS - 1));

/**
 * SQLite stores NUMBER with NUMERIC affinity (integers stay exact 64-bit integers),
 * BOOLEAN as 0/1, DATE as "YYYY-MM-DD" text and DATETIME as integer epoch milliseconds.
 */
export const sqliteCapabilities: DialectCapabilities = {
  encode(type: FieldType, value: Value): unknown {
    if (value === null) return null;
    if (type === 'BOOLEAN') return value ? 1 : 0;
    return value;
  },
  likeOperator: 'like',
  // SQLite's documented way to keep a term off an index: a unary + on the column.
  unindexedRef: (column) => sql`+${sql.ref(column)}`,

  dateBucket(value, type, bucket) {
    // DATE text is already a day; DATETIME milliseconds become seconds (1000.0 keeps
    // the sub-second part, so a negative time is not rounded up to the next day).
    const args = type === 'DATE' ? sql`${value}` : sql`${value} / 1000.0, 'unixepoch'`;
    switch (bucket) {
      case 'day':
        // The DATE column itself, so that a filter on the bucket can still use its index.
        return type === 'DATE' ? (value as Expression<string | null>) : sql<string | null>`date(${args})`;
      case 'quarter':
        // Back from the month's first day by (month - 1) % 3 months; a null value stays null.
        return sql<string | null>`date(${args}, 'start of month', '-' || ((cast(strftime('%m', ${args}) as integer) + 2) % 3) || ' months')`;
      default:
        return bucketed(args, bucket);
    }
  },

  deadlineGuard(): Expression<SqlBool> {
    return sql<SqlBool>`("_row" & ${GUARD_MASK} <> 0 or ${sql.raw(DEADLINE_FUNCTION)}())`;
  },
};
