import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import type { DateBucket, FieldType, Value } from '../../shared/field-types.ts';
import type { DialectCapabilities } from './capabilities.ts';
import { likeEscaped, likePattern } from './dataset-tables.ts';
import { PARAM_WRITERS } from './sqlite-codecs.ts';
import { DEADLINE_FUNCTION, GUARD_EVERY_ROWS } from './sqlite-deadline.ts';
import { foldCase, ICONTAINS_FUNCTION, IMATCH_FUNCTION } from './sqlite-functions.ts';

/** A GLOB pattern for text that contains, starts with, ends with or equals `text`. */
function globPattern(text: string, match: 'contains' | 'startswith' | 'endswith' | 'equals'): string {
  const p = text.replace(/[*?[]/g, (c) => `[${c}]`);
  return match === 'contains' ? `*${p}*` : match === 'startswith' ? `${p}*` : match === 'endswith' ? `*${p}` : p;
}

/** An already escaped LIKE pattern, anchored as `match` says. */
function anchor(p: string, match: 'contains' | 'startswith' | 'endswith' | 'equals'): string {
  return match === 'contains' ? `%${p}%` : match === 'startswith' ? `${p}%` : match === 'endswith' ? `%${p}` : p;
}

/**
 * The LIKE pattern (escaped, unanchored) that selects a superset of the text that folds
 * to `folded`: ASCII as itself, `_` for every other character and for i and k (see
 * containsText); `exact` when LIKE alone decides.
 */
function looseLike(folded: string): { loose: string; exact: boolean; ascii: boolean } {
  let loose = '';
  let exact = true;
  let ascii = true;
  for (const ch of folded) {
    const code = ch.codePointAt(0)!;
    if (code < 128 && ch !== 'i' && ch !== 'k') loose += likeEscaped(ch);
    else {
      loose += '_';
      exact = false;
      if (code >= 128) ascii = false;
    }
  }
  return { loose, exact, ascii };
}

/** Modifiers of SQLite's date() per bucket, after the value itself; constants, never input. */
function bucketed(
  args: RawBuilder<unknown>,
  bucket: Exclude<DateBucket, 'day' | 'quarter'>,
): Expression<string | null> {
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
    return value === null ? null : PARAM_WRITERS[type](value);
  },
  containsText(value, text) {
    const folded = foldCase(text);
    const like = (pattern: string) => sql<SqlBool>`${value} like ${sql.val(`%${pattern}%`)} escape '\\'`;
    // SQLite's LIKE (in C) folds ASCII letters only. The only other characters whose
    // lower case is ASCII are "İ" (i) and the Kelvin sign (k), and folding never changes
    // the number of characters: LIKE with `_` in place of every other character and of
    // i and k selects a superset, and the JavaScript check runs on those rows only.
    const { loose, exact, ascii } = looseLike(folded);
    // Nothing to fold but ASCII letters: the text as given, LIKE alone.
    if (exact) return like(likeEscaped(text));
    const check = sql<SqlBool>`${sql.raw(ICONTAINS_FUNCTION)}(${value}, ${sql.val(folded)})`;
    // An ASCII text matches through LIKE alone unless the row holds "İ" or a Kelvin sign.
    const precise = ascii ? sql<SqlBool>`(${like(likeEscaped(folded))} or ${check})` : check;
    return sql<SqlBool>`(${like(loose)} and ${precise})`;
  },
  matchText(value, text, match, ignoreCase) {
    if (match === 'contains' && ignoreCase) return this.containsText(value, text);
    if (!ignoreCase) {
      if (match === 'equals') return sql<SqlBool>`${value} = ${sql.val(text)}`;
      // GLOB compares code points, case-sensitively; `*`, `?` and `[` are escaped as classes.
      return sql<SqlBool>`${value} glob ${sql.val(globPattern(text, match))}`;
    }
    const folded = foldCase(text);
    const { loose, exact } = looseLike(folded);
    if (exact) return sql<SqlBool>`${value} like ${sql.val(likePattern(text, match))} escape '\\'`;
    // LIKE with `_` for every character it can't fold selects a superset (see containsText).
    const like = sql<SqlBool>`${value} like ${sql.val(anchor(loose, match))} escape '\\'`;
    const check = sql<SqlBool>`${sql.raw(IMATCH_FUNCTION)}(${value}, ${sql.val(folded)}, ${sql.val(match)})`;
    return sql<SqlBool>`(${like} and ${check})`;
  },
  notInt64: (value) => sql<SqlBool>`typeof(${value}) in ('real', 'text', 'blob')`,
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
        return sql<
          string | null
        >`date(${args}, 'start of month', '-' || ((cast(strftime('%m', ${args}) as integer) + 2) % 3) || ' months')`;
      default:
        return bucketed(args, bucket);
    }
  },

  deadlineGuard(): Expression<SqlBool> {
    return sql<SqlBool>`("_row" & ${GUARD_MASK} <> 0 or ${sql.raw(DEADLINE_FUNCTION)}())`;
  },

  zoneWalk: 'join',
};
