import { sql } from 'kysely';
import type { FieldType, Value } from '../../catalog/types.ts';
import type { DialectCapabilities } from './capabilities.ts';

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
};
