// The one reading of NUMBER, BOOLEAN, DATE and DATETIME values from text, for the
// importer (CSV cells, JSON strings and numbers) and for the filters of the public API.
// The two read the same language except where `ValueRules` says otherwise; each of those
// differences has its cases, and the reason, in value-cases.ts.
//
// Scanners walk char codes instead of matching regexes: the importer runs them once per
// cell in both of its passes, and a regex per value costs several times more.

/** Where the importer and the filters read values differently; value-cases.ts has a case for each. */
export interface ValueRules {
  /** `.5`, `5.` and `5.e3` are numbers (a filter); else the point has digits on both sides (the importer). */
  readonly bareDecimalPoint: boolean;
  /** An integer beyond signed 64 bits is the nearest double (the importer), or no number (a filter). */
  readonly wideIntegers: boolean;
  /** An integer literal `-0` is the number 0, not -0 (a filter). */
  readonly unsignedZero: boolean;
  /** Years may be 0000, ISO 8601's year 1 BC (a filter); the importer takes 0001-9999. */
  readonly yearZero: boolean;
  /** A comma may stand for the point before the fraction of a second, as ISO 8601 allows (the importer). */
  readonly commaFraction: boolean;
  /** `yes` and `no` are booleans besides true/false/1/0 (the importer). */
  readonly yesNo: boolean;
}

/** How the importer reads a CSV cell or a JSON value for a field of a given type. */
export const IMPORT_RULES: ValueRules = Object.freeze({
  bareDecimalPoint: false,
  wideIntegers: true,
  unsignedZero: false,
  yearZero: false,
  commaFraction: true,
  yesNo: true,
});

/** How a filter of the public API reads one value (spec section 5). */
export const FILTER_RULES: ValueRules = Object.freeze({
  bareDecimalPoint: true,
  wideIntegers: false,
  unsignedZero: true,
  yearZero: true,
  commaFraction: false,
  yesNo: false,
});

/** `scanNumber` results. */
export const NOT_A_NUMBER = 0;
export const INTEGER = 1;
export const DECIMAL = 2;
/** A literal with an exponent, which may overflow to Infinity. */
export const EXPONENT = 3;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DAY_MS = 86_400_000;

/**
 * Classifies `s` as a number literal: strict is JSON's grammar (no leading zeros, no `+`),
 * lenient also takes `+12` and `007`; `bareDecimalPoint` (with lenient) also `.5` and `5.`.
 */
export function scanNumber(s: string, lenient: boolean, bareDecimalPoint = false): number {
  // Bounds are checked before every read: charCodeAt past the end returns NaN, which
  // would turn `c` into a double and slow the whole loop down.
  const n = s.length;
  let i = 0;
  let c = n > 0 ? s.charCodeAt(0) : 0;
  if (c === 45 || (lenient && c === 43)) c = ++i < n ? s.charCodeAt(i) : 0;
  let intDigits = 1;
  if (c === 48 && !lenient) {
    c = ++i < n ? s.charCodeAt(i) : 0;
  } else {
    const start = i;
    while (c >= 48 && c <= 57) c = ++i < n ? s.charCodeAt(i) : 0;
    intDigits = i - start;
    if (intDigits === 0 && !(bareDecimalPoint && c === 46)) return NOT_A_NUMBER;
  }
  if (i === n) return INTEGER;
  let kind = INTEGER;
  if (c === 46) {
    const start = ++i;
    c = i < n ? s.charCodeAt(i) : 0;
    while (c >= 48 && c <= 57) c = ++i < n ? s.charCodeAt(i) : 0;
    if (i === start && !(bareDecimalPoint && intDigits > 0)) return NOT_A_NUMBER;
    kind = DECIMAL;
  }
  if (c === 101 || c === 69) {
    c = ++i < n ? s.charCodeAt(i) : 0;
    if (c === 43 || c === 45) c = ++i < n ? s.charCodeAt(i) : 0;
    const start = i;
    while (c >= 48 && c <= 57) c = ++i < n ? s.charCodeAt(i) : 0;
    if (i === start) return NOT_A_NUMBER;
    kind = EXPONENT;
  }
  return i === n ? kind : NOT_A_NUMBER;
}

/** Whether `s` is a finite number literal in JSON's grammar, the test type inference uses. */
export function isNumberLiteral(s: string): boolean {
  const kind = scanNumber(s, false);
  return kind === EXPONENT ? Number.isFinite(Number(s)) : kind !== NOT_A_NUMBER;
}

/** Converts an integer literal exactly: a number when safe, a bigint within 64 bits, else the nearest double. */
export function toInteger(s: string): number | bigint {
  // Up to 15 characters means at most 15 digits, always below 2^53.
  if (s.length <= 15) return Number(s);
  const big = BigInt(s);
  if (big >= MIN_SAFE && big <= MAX_SAFE) return Number(big);
  if (big >= INT64_MIN && big <= INT64_MAX) return big;
  return Number(s);
}

/**
 * Reads a NUMBER: integers exact (a number when safe, a bigint within 64 bits), decimals
 * and exponents as finite doubles; null for anything else, surrounding spaces included.
 *
 * @example parseNumber('1534956341424005122', FILTER_RULES) === 1534956341424005122n
 */
export function parseNumber(s: string, rules: ValueRules): number | bigint | null {
  const kind = scanNumber(s, true, rules.bareDecimalPoint);
  if (kind === INTEGER) {
    const v = toInteger(s);
    if (typeof v === 'number' && !Number.isSafeInteger(v)) return rules.wideIntegers ? v : null;
    return v === 0 && rules.unsignedZero ? 0 : v;
  }
  if (kind === NOT_A_NUMBER) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** Whether `s` is `true` or `false`, case-insensitive: the only booleans inference accepts. */
export function isTrueFalse(s: string): boolean {
  const n = s.length;
  if (n === 4) return s === 'true' || s.toLowerCase() === 'true';
  if (n === 5) return s === 'false' || s.toLowerCase() === 'false';
  return false;
}

/** Reads a BOOLEAN: true/false/1/0, and yes/no where the rules say, case-insensitive; undefined otherwise. */
export function parseBoolean(s: string, rules: ValueRules): boolean | undefined {
  switch (s.length) {
    case 1:
      return s === '1' ? true : s === '0' ? false : undefined;
    case 2:
      return rules.yesNo && s.toLowerCase() === 'no' ? false : undefined;
    case 3:
      return rules.yesNo && s.toLowerCase() === 'yes' ? true : undefined;
    case 4:
      return isTrueFalse(s) ? true : undefined;
    case 5:
      return isTrueFalse(s) ? false : undefined;
    default:
      return undefined;
  }
}

/** The two-digit number at `i`, or -1; callers keep `i + 1` within the string (see scanNumber). */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil); Date.UTC maps years < 100 to
 * 19xx.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Days since the epoch of the `YYYY-MM-DD` at the start of `s` (a string of at least 10 characters), or NaN. */
function leadingDate(s: string, rules: ValueRules): number {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const hi = twoDigits(s, 0);
  const lo = twoDigits(s, 2);
  const m = twoDigits(s, 5);
  const d = twoDigits(s, 8);
  if (hi < 0 || lo < 0 || m < 1 || m > 12 || d < 1) return NaN;
  const y = hi * 100 + lo;
  if ((y === 0 && !rules.yearZero) || d > daysInMonth(y, m)) return NaN;
  return daysFromCivil(y, m, d);
}

/**
 * Reads a DATE: a calendar date written `YYYY-MM-DD`, returned unchanged; null for
 * anything else (`2023-02-30`, `2023-1-5`, a date-time).
 */
export function parseDate(s: string, rules: ValueRules): string | null {
  return s.length === 10 && !Number.isNaN(leadingDate(s, rules)) ? s : null;
}

/**
 * The time of day after a date, from the separator at `at` (`T`, `t` or a space): `HH:mm`,
 * `HH:mm:ss`, a fraction of a second, a `Z` or `±HH:MM`, `±HHMM` or `±HH` offset, then the
 * end of `s`. Milliseconds from the date's midnight UTC, or NaN.
 */
function timeOfDay(s: string, at: number, rules: ValueRules): number {
  const n = s.length;
  if (n < at + 6) return NaN;
  const sep = s.charCodeAt(at);
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN;
  const hh = twoDigits(s, at + 1);
  const mi = twoDigits(s, at + 4);
  if (hh < 0 || hh > 23 || s.charCodeAt(at + 3) !== 58 || mi < 0 || mi > 59) return NaN;
  let i = at + 6;
  let sec = 0;
  let ms = 0;
  if (n >= i + 3 && s.charCodeAt(i) === 58) {
    sec = twoDigits(s, i + 1);
    if (sec < 0 || sec > 59) return NaN;
    i += 3;
    const dot = i < n ? s.charCodeAt(i) : 0;
    if (dot === 46 || (dot === 44 && rules.commaFraction)) {
      const start = ++i;
      let c = i < n ? s.charCodeAt(i) : 0;
      while (c >= 48 && c <= 57) {
        // Milliseconds are the catalog's resolution: further digits are cut.
        if (i - start < 3) ms = ms * 10 + (c - 48);
        c = ++i < n ? s.charCodeAt(i) : 0;
      }
      const digits = i - start;
      if (digits === 0 || digits > 9) return NaN;
      if (digits === 1) ms *= 100;
      else if (digits === 2) ms *= 10;
    }
  }
  let offsetMinutes = 0;
  if (i < n) {
    const z = s.charCodeAt(i);
    if (z === 90 || z === 122) {
      i++;
    } else if ((z === 43 || z === 45) && i + 2 < n) {
      const oh = twoDigits(s, i + 1);
      i += 3;
      let om = 0;
      if (i + 2 < n && s.charCodeAt(i) === 58) {
        om = twoDigits(s, i + 1);
        i += 3;
      } else if (i + 1 < n) {
        om = twoDigits(s, i);
        i += 2;
      }
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
      offsetMinutes = (oh * 60 + om) * (z === 45 ? -1 : 1);
    } else {
      return NaN;
    }
  }
  if (i !== n) return NaN;
  return hh * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offsetMinutes * 60_000;
}

/**
 * Reads a DATETIME to epoch milliseconds: ISO 8601 (`2023-02-10T08:50:28Z`, a fraction, a
 * `±HH:MM`, `±HHMM` or `±HH` offset, minutes without seconds), `YYYY-MM-DD HH:mm:ss`, or a
 * date `YYYY-MM-DD` (its midnight); no offset means UTC, digits beyond milliseconds are
 * cut. Null for anything else or for out-of-range parts.
 *
 * @example parseDateTime('2023-02-01 10:00:00', FILTER_RULES) === Date.UTC(2023, 1, 1, 10)
 */
export function parseDateTime(s: string, rules: ValueRules): number | null {
  const n = s.length;
  if (n === 10) {
    const days = leadingDate(s, rules);
    return Number.isNaN(days) ? null : days * DAY_MS;
  }
  if (n < 16) return null;
  const days = leadingDate(s, rules);
  if (Number.isNaN(days)) return null;
  const time = timeOfDay(s, 10, rules);
  return Number.isNaN(time) ? null : days * DAY_MS + time;
}

// Date formats an import may be told to read (`--date-format`), besides ISO 8601. A closed
// list: each is unambiguous once chosen, and a source's dates are written one way.

/** The names of the date formats an import reads; the first, ISO 8601's, is the default. */
export const DATE_FORMATS = [
  'YYYY-MM-DD',
  'MM/DD/YYYY',
  'DD/MM/YYYY',
  'DD.MM.YYYY',
  'DD-MM-YYYY',
  'YYYY/MM/DD',
] as const;
/** One of DATE_FORMATS. */
export type DateFormatName = (typeof DATE_FORMATS)[number];

/** How a chosen date format is scanned: the order of its parts and the character between them. */
export interface DateFormat {
  readonly name: DateFormatName;
  /** YMD, MDY or DMY. */
  readonly order: typeof YMD | typeof MDY | typeof DMY;
  /** The separator's char code. */
  readonly sep: number;
}

const YMD = 0;
const MDY = 1;
const DMY = 2;

const FORMATS: ReadonlyMap<string, DateFormat> = new Map(
  (
    [
      ['MM/DD/YYYY', MDY, '/'],
      ['DD/MM/YYYY', DMY, '/'],
      ['DD.MM.YYYY', DMY, '.'],
      ['DD-MM-YYYY', DMY, '-'],
      ['YYYY/MM/DD', YMD, '/'],
    ] as const
  ).map(([name, order, sep]) => [name, Object.freeze({ name, order, sep: sep.charCodeAt(0) })]),
);

/** Whether `s` names one of DATE_FORMATS, exactly as written there. */
export function isDateFormatName(s: string): s is DateFormatName {
  return (DATE_FORMATS as readonly string[]).includes(s);
}

/** The scanner of a date format; null for ISO 8601's `YYYY-MM-DD`, which is always read. */
export function dateFormatOf(name: DateFormatName): DateFormat | null {
  return FORMATS.get(name) ?? null;
}

// What the last successful scanFormatted read. Module state rather than a returned object, so
// that reading a cell allocates nothing beyond its result (the importer's hot loop).
let scannedYear = 0;
let scannedMonth = 0;
let scannedDay = 0;
let scannedEnd = 0;

/**
 * Scans a date written in format `f` at the start of `s`: a four-digit year (0001-9999),
 * a month and a day of one or two digits, in the format's order and with its separator;
 * the calendar is checked (no 02/30, 02/29 in leap years only). False when it is not one.
 */
function scanFormatted(s: string, f: DateFormat): boolean {
  const n = s.length;
  let i = 0;
  let first = 0;
  let second = 0;
  let third = 0;
  for (let part = 0; part < 3; part++) {
    const year = f.order === YMD ? part === 0 : part === 2;
    const start = i;
    let v = 0;
    let c = i < n ? s.charCodeAt(i) : 0;
    while (c >= 48 && c <= 57 && i - start < (year ? 4 : 2)) {
      v = v * 10 + (c - 48);
      c = ++i < n ? s.charCodeAt(i) : 0;
    }
    // Two-digit years are refused: which century they mean is a guess.
    if (year ? i - start !== 4 : i === start) return false;
    if (part < 2) {
      if (c !== f.sep) return false;
      i++;
    }
    if (part === 0) first = v;
    else if (part === 1) second = v;
    else third = v;
  }
  const y = f.order === YMD ? first : third;
  const m = f.order === MDY ? first : second;
  const d = f.order === YMD ? third : f.order === MDY ? second : first;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return false;
  scannedYear = y;
  scannedMonth = m;
  scannedDay = d;
  scannedEnd = i;
  return true;
}

function pad2(v: number): string {
  return v < 10 ? `0${v}` : String(v);
}

/**
 * Reads a DATE written in format `f` (`10.02.2023` in DD.MM.YYYY), as the catalog keeps it:
 * `YYYY-MM-DD`. Null for anything else; ISO dates are parseDate's.
 *
 * @example parseFormattedDate('2/9/2024', dateFormatOf('MM/DD/YYYY')!) === '2024-02-09'
 */
export function parseFormattedDate(s: string, f: DateFormat): string | null {
  if (!scanFormatted(s, f) || scannedEnd !== s.length) return null;
  return `${String(scannedYear).padStart(4, '0')}-${pad2(scannedMonth)}-${pad2(scannedDay)}`;
}

/**
 * Reads a DATETIME whose date is written in format `f`, to epoch milliseconds: the date
 * alone (its midnight UTC), or followed by a time of day as in ISO 8601 (`10.02.2023
 * 08:50`, `02/10/2023T08:50:28Z`, `… 08:50:28.5+01:00`). Null for anything else.
 */
export function parseFormattedDateTime(s: string, f: DateFormat, rules: ValueRules): number | null {
  if (!scanFormatted(s, f)) return null;
  const days = daysFromCivil(scannedYear, scannedMonth, scannedDay);
  if (scannedEnd === s.length) return days * DAY_MS;
  const time = timeOfDay(s, scannedEnd, rules);
  return Number.isNaN(time) ? null : days * DAY_MS + time;
}
