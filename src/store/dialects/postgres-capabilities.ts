import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { DateBucket, FieldType, Value } from '../../shared/field-types.ts';
import type { DialectCapabilities } from './capabilities.ts';
import { likeEscaped, likePattern } from './dataset-tables.ts';
import { pgDate, pgDateTime } from './postgres-codecs.ts';

// The 64-bit range as constants of the SQL text, never parameters.
const INT64_MIN = sql.raw('-9223372036854775808');
const INT64_MAX = sql.raw('9223372036854775807');

/** date_trunc's unit per bucket, as SQL string literals. */
const BUCKET_UNITS: Record<DateBucket, RawBuilder<unknown>> = {
  day: sql.raw(`'day'`),
  week: sql.raw(`'week'`),
  month: sql.raw(`'month'`),
  quarter: sql.raw(`'quarter'`),
  year: sql.raw(`'year'`),
};

/**
 * PostgreSQL stores NUMBER as `numeric` (exact), BOOLEAN as `boolean`, DATE as `date`
 * and DATETIME as `timestamptz`. Parameters travel as text, so each value is encoded
 * as text that PostgreSQL parses exactly for the column it is compared with.
 */
export const postgresCapabilities: DialectCapabilities = {
  encode(type: FieldType, value: Value): unknown {
    if (value === null) return null;
    switch (type) {
      case 'NUMBER':
        // A bigint's decimal digits, and a number's shortest round-trip text (what the
        // driver sends): both are exact for numeric.
        return typeof value === 'bigint' ? value.toString() : value;
      case 'DATETIME':
        return typeof value === 'number' ? pgDateTime(value) : value;
      case 'DATE':
        return typeof value === 'string' ? pgDate(value) : value;
      default:
        return value;
    }
  },
  // ILIKE lower-cases both sides one character at a time (towlower under a UTF-8 locale).
  // Kysely's ilike has no ESCAPE clause; the escape character is a constant.
  containsText: (value, text) => sql<SqlBool>`${value} ilike ${sql.val(`%${likeEscaped(text)}%`)} escape '\\'`,
  matchText(value, text, match, ignoreCase) {
    if (match === 'equals' && !ignoreCase) return sql<SqlBool>`${value} = ${sql.val(text)}`;
    const op = sql.raw(ignoreCase ? 'ilike' : 'like');
    return sql<SqlBool>`${value} ${op} ${sql.val(likePattern(text, match))} escape '\\'`;
  },
  notInt64: (value) =>
    sql<SqlBool>`(${value} <> trunc(${value}) or ${value} not between ${INT64_MIN} and ${INT64_MAX})`,
  // PostgreSQL's planner weighs LIMIT against the filter's selectivity itself: a plain reference.
  unindexedRef: (column) => sql.ref(column),
  dateBucket(value, type, bucket) {
    // A DATE is read as a timestamp without a time zone, a DATETIME as its UTC wall
    // time, so the session's time zone never enters; date_trunc's weeks start on
    // Monday (ISO 8601). The unit is a constant from a fixed list, never a parameter,
    // so that GROUP BY recognises the SELECT's expression.
    if (type === 'DATE' && bucket === 'day') return value as Expression<string | null>;
    const wall = type === 'DATE' ? sql`cast(${value} as timestamp)` : sql`(${value} at time zone 'UTC')`;
    return sql<string | null>`cast(date_trunc(${BUCKET_UNITS[bucket]}, ${wall}) as date)`;
  },
  // PostgreSQL stops a statement itself (statement_timeout, see `DatasetTables.rows`).
  deadlineGuard: () => undefined,
  // ANALYZE runs after every load (postgres-tables.ts), so the estimates are of the rows read.
  rowEstimate: {
    explain: (query) => ({ ...query, sql: `EXPLAIN (FORMAT JSON) ${query.sql}` }),
    read(rows) {
      // One row, one value: the plan as JSON (parsed by the driver, or its text), whose top node counts every row.
      const v = rows[0]?.[0];
      const plan = (typeof v === 'string' ? JSON.parse(v) : v) as [{ Plan: { 'Plan Rows': number } }];
      return Math.round(Number(plan[0].Plan['Plan Rows']));
    },
  },
  // The planner sorts a join's rows rather than keep a nested loop's order under LIMIT.
  zoneWalk: 'span',
};
