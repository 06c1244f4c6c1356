import type Database from 'better-sqlite3';
import { foldCase } from '../../shared/text.ts';

/**
 * The SQL functions datagate adds to every SQLite connection it opens (see
 * `registerSqliteFunctions`). Domain code reaches them only through
 * `sqliteCapabilities` and the SQLite store, never by name.
 */

/** An exact sum of any size: the SQLite store's retry when the built-in sum() overflows. */
export const EXACT_SUM_FUNCTION = 'dg_exact_sum';
/** `dg_icontains(value, folded)`: whether `foldCase(value)` contains `folded` (already folded). */
export const ICONTAINS_FUNCTION = 'dg_icontains';
/** `dg_imatch(value, folded, match)`: whether `foldCase(value)` starts with, ends with or equals `folded`. */
export const IMATCH_FUNCTION = 'dg_imatch';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// Folding lives in shared/ so that the OData parser folds a literal the way SQL folds a column.
export { foldCase };

type SumState = { int: bigint; real: number; reals: boolean; any: boolean };

/** Registers datagate's SQL functions on a connection; call it wherever a connection is opened. */
export function registerSqliteFunctions(db: Database.Database): void {
  // Integers add up as BigInt, so no size overflows; any REAL makes the sum a REAL, as
  // with sum(). A result within 64 bits is an integer, beyond them its decimal digits as
  // TEXT (the widget JSON writes numbers as strings anyway). About 7× slower than sum():
  // the store runs it only after sum() has failed with "integer overflow".
  db.aggregate(EXACT_SUM_FUNCTION, {
    start: (): SumState => ({ int: 0n, real: 0, reals: false, any: false }),
    step: (s: SumState, v: unknown) => {
      if (v === null || v === undefined) return s;
      s.any = true;
      if (typeof v === 'bigint') s.int += v;
      else if (typeof v === 'number') {
        s.real += v;
        s.reals = true;
      } else {
        // Text and blobs count as sum() counts them: their numeric prefix, as REAL.
        s.real += Number.parseFloat(String(v)) || 0;
        s.reals = true;
      }
      return s;
    },
    result: (s: SumState) => {
      if (!s.any) return null;
      if (s.reals) return Number(s.int) + s.real;
      return s.int >= INT64_MIN && s.int <= INT64_MAX ? s.int : s.int.toString();
    },
    safeIntegers: true,
    deterministic: true,
    directOnly: true,
  });

  db.function(IMATCH_FUNCTION, { deterministic: true, directOnly: true }, (value: unknown, folded: unknown, match) => {
    if (value === null || folded === null) return null;
    const v = foldCase(String(value));
    const f = String(folded);
    const hit =
      match === 'startswith'
        ? v.startsWith(f)
        : match === 'endswith'
          ? v.endsWith(f)
          : match === 'equals'
            ? v === f
            : v.includes(f);
    return hit ? 1 : 0;
  });

  db.function(ICONTAINS_FUNCTION, { deterministic: true, directOnly: true }, (value: unknown, folded: unknown) => {
    if (value === null || folded === null) return null;
    return foldCase(String(value)).includes(String(folded)) ? 1 : 0;
  });
}

/**
 * `sqlText` with every call of the built-in sum() (outside quoted names and string
 * literals) replaced by the exact sum. The SQL is the store's own (Kysely's), not input.
 */
export function withExactSums(sqlText: string): string {
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < sqlText.length; i++) {
    const c = sqlText[i];
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
      out += c;
      continue;
    }
    if (
      (c === 's' || c === 'S') &&
      sqlText.slice(i, i + 4).toLowerCase() === 'sum(' &&
      (i === 0 || !/[\w$]/.test(sqlText[i - 1]))
    ) {
      out += `${EXACT_SUM_FUNCTION}(`;
      i += 3;
      continue;
    }
    out += c;
  }
  return out;
}
