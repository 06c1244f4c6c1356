import type { FieldType, Value } from '../types.ts';

// Scanners below walk char codes instead of matching regexes: they run once per
// cell in both import passes, and a regex per value costs several times more.

/** How a raw value arrived: CSV cells are always STRING; JSON tokens use every kind. */
export const K_NULL = 0;
export const K_STRING = 1;
export const K_NUMBER = 2;
export const K_TRUE = 3;
export const K_FALSE = 4;
/** A JSON object or array; its text is the value's JSON. */
export const K_JSON = 5;
/** One of the K_ constants. */
export type RawKind = typeof K_NULL | typeof K_STRING | typeof K_NUMBER | typeof K_TRUE | typeof K_FALSE | typeof K_JSON;

/** Returned by the converters when a raw value does not convert to the field's type. */
export const INVALID: unique symbol = Symbol('invalid');
/** A converter's result. */
export type Converted = Value | typeof INVALID;

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
 * lenient also takes `+12` and `007` (for fields forced to NUMBER).
 */
export function scanNumber(s: string, lenient: boolean): number {
  // Bounds are checked before every read: charCodeAt past the end returns NaN, which
  // would turn `c` into a double and slow the whole loop down.
  const n = s.length;
  let i = 0;
  let c = n > 0 ? s.charCodeAt(0) : 0;
  if (c === 45 || (lenient && c === 43)) c = ++i < n ? s.charCodeAt(i) : 0;
  if (c === 48 && !lenient) {
    c = ++i < n ? s.charCodeAt(i) : 0;
  } else {
    const start = i;
    while (c >= 48 && c <= 57) c = ++i < n ? s.charCodeAt(i) : 0;
    if (i === start) return NOT_A_NUMBER;
  }
  if (i === n) return INTEGER;
  let kind = INTEGER;
  if (c === 46) {
    const start = ++i;
    c = i < n ? s.charCodeAt(i) : 0;
    while (c >= 48 && c <= 57) c = ++i < n ? s.charCodeAt(i) : 0;
    if (i === start) return NOT_A_NUMBER;
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

/** Whether `s` is `true` or `false`, case-insensitive: the only booleans inference accepts. */
export function isTrueFalse(s: string): boolean {
  const n = s.length;
  if (n === 4) return s === 'true' || s.toLowerCase() === 'true';
  if (n === 5) return s === 'false' || s.toLowerCase() === 'false';
  return false;
}

/** Parses a boolean given as true/false/1/0/yes/no (case-insensitive); undefined otherwise. */
export function parseBoolean(s: string): boolean | undefined {
  switch (s.length) {
    case 1:
      return s === '1' ? true : s === '0' ? false : undefined;
    case 2:
      return s.toLowerCase() === 'no' ? false : undefined;
    case 3:
      return s.toLowerCase() === 'yes' ? true : undefined;
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

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Days since the epoch of the `YYYY-MM-DD` at the start of `s` (years 0001-9999), or NaN. */
function leadingDate(s: string): number {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return NaN;
  const hi = twoDigits(s, 0);
  const lo = twoDigits(s, 2);
  const m = twoDigits(s, 5);
  const d = twoDigits(s, 8);
  if (hi < 0 || lo < 0 || m < 1 || m > 12 || d < 1) return NaN;
  const y = hi * 100 + lo;
  if (y === 0 || d > daysInMonth(y, m)) return NaN;
  return daysFromCivil(y, m, d);
}

/** Whether `s` is a valid calendar date written `YYYY-MM-DD`. */
export function isDate(s: string): boolean {
  return s.length === 10 && !Number.isNaN(leadingDate(s));
}

/**
 * Parses an ISO 8601 date-time (`2023-02-10T08:50:28Z`, a fraction, a `±HH:MM` offset, or
 * `YYYY-MM-DD HH:mm:ss`, which is UTC) to epoch milliseconds; NaN when it is not one.
 */
export function parseDateTime(s: string): number {
  const n = s.length;
  if (n < 16) return NaN;
  const days = leadingDate(s);
  if (Number.isNaN(days)) return NaN;
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return NaN;
  const hh = twoDigits(s, 11);
  const mi = twoDigits(s, 14);
  if (hh < 0 || hh > 23 || s.charCodeAt(13) !== 58 || mi < 0 || mi > 59) return NaN;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (n >= 19 && s.charCodeAt(i) === 58) {
    sec = twoDigits(s, i + 1);
    if (sec < 0 || sec > 59) return NaN;
    i += 3;
    const dot = i < n ? s.charCodeAt(i) : 0;
    if (dot === 46 || dot === 44) {
      const start = ++i;
      let c = i < n ? s.charCodeAt(i) : 0;
      while (c >= 48 && c <= 57) {
        // Milliseconds are the catalog's resolution: further digits are truncated.
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
  return days * DAY_MS + hh * 3_600_000 + mi * 60_000 + sec * 1000 + ms - offsetMinutes * 60_000;
}

/** Converts non-empty text (a CSV cell or a JSON string) to a typed Value of `type`, or INVALID. */
export function fromText(type: FieldType, s: string): Converted {
  switch (type) {
    case 'TEXT':
      return s;
    case 'NUMBER': {
      const kind = scanNumber(s, true);
      if (kind === INTEGER) return toInteger(s);
      if (kind === NOT_A_NUMBER) return INVALID;
      const n = Number(s);
      return Number.isFinite(n) ? n : INVALID;
    }
    case 'BOOLEAN':
      return parseBoolean(s) ?? INVALID;
    case 'DATE':
      return isDate(s) ? s : INVALID;
    case 'DATETIME': {
      const ms = s.length === 10 ? leadingDate(s) * DAY_MS : parseDateTime(s);
      return Number.isNaN(ms) ? INVALID : ms;
    }
  }
}

/**
 * Converts a raw JSON value to a typed Value of `type`, or INVALID; an empty JSON string is
 * empty text for a TEXT field and a missing value for the others.
 */
export function fromJson(type: FieldType, kind: RawKind, text: string): Converted {
  switch (kind) {
    case K_NULL:
      return null;
    case K_STRING:
      if (text === '') return type === 'TEXT' ? '' : null;
      return fromText(type, text);
    case K_NUMBER:
      return fromText(type, text);
    case K_TRUE:
    case K_FALSE:
      if (type === 'BOOLEAN') return kind === K_TRUE;
      return type === 'TEXT' ? text : INVALID;
    case K_JSON:
      return type === 'TEXT' ? text : INVALID;
  }
}

const HINTS: Record<FieldType, string> = {
  TEXT: 'TEXT',
  NUMBER: 'a NUMBER',
  BOOLEAN: 'a BOOLEAN (true/false/1/0/yes/no)',
  DATE: 'a DATE (YYYY-MM-DD)',
  DATETIME: 'a DATETIME (ISO 8601, e.g. 2023-02-10T08:50:28Z)',
};

/** The reason given when `text` in field `name` does not convert to `type`. */
export function invalidValueReason(name: string, type: FieldType, text: string): string {
  // Long cells are cut so that one bad value cannot flood a terminal or a log line.
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  const what = type === 'DATE' && !Number.isNaN(parseDateTime(text)) ? 'is a date-time, not' : 'is not';
  return `field "${name}": ${JSON.stringify(shown)} ${what} ${HINTS[type]}`;
}
