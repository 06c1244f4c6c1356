import pg from 'pg';
import type { FieldType, Value } from '../../shared/field-types.ts';

// How catalog values travel to PostgreSQL and back: the text the pool's type parsers
// read, the era rule for dates, and the array literals of the bulk insert.

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** int8 and integral numeric text: a number when safe, else an exact bigint. */
export function parseIntegerText(text: string): number | bigint {
  // Up to 15 digits (and a sign) is always a safe integer: skip the BigInt.
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
}

/** numeric text: integers exact (see `parseIntegerText`), decimals as the nearest double. */
export function parseNumericText(text: string): number | bigint {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Anything but a sign or a digit ('.', 'NaN', 'Infinity'): not an integer.
    if (c !== 45 && (c < 48 || c > 57)) return Number(text);
  }
  return parseIntegerText(text);
}

/** date text (DateStyle ISO) as the catalog's `YYYY-MM-DD`; `0001-01-01 BC` is year 0000. */
export function parseDateText(text: string): string {
  if (!text.endsWith(' BC')) return text;
  const dash = text.indexOf('-');
  const year = 1 - Number(text.slice(0, dash));
  const digits = String(Math.abs(year)).padStart(4, '0');
  return (year < 0 ? '-' : '') + digits + text.slice(dash, -3);
}

const TIMESTAMP_RE = new RegExp(
  // date and time of day, with the fraction of a second
  /^([0-9]{4,})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?/.source +
    // UTC offset (hours, then minutes and seconds if not 0) and era
    /(?:([+-])([0-9]{2})(?::([0-9]{2}))?(?::([0-9]{2}))?)?( BC)?$/.source,
);

/**
 * timestamptz text (DateStyle ISO, any session time zone) as epoch milliseconds;
 * microseconds are cut to the millisecond, the catalog's precision.
 */
export function parseTimestampText(text: string): number {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) {
    if (text === 'infinity') return Infinity;
    if (text === '-infinity') return -Infinity;
    throw new Error(`unexpected timestamp text ${JSON.stringify(text)}`);
  }
  const year = m[12] ? 1 - Number(m[1]) : Number(m[1]);
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), millis);
  if (year >= 0 && year < 100) {
    // Date.UTC reads years 0-99 as 1900-1999: set the year itself.
    const d = new Date(ms);
    d.setUTCFullYear(year);
    ms = d.getTime();
  }
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    ms -= m[8] === '-' ? -offset : offset;
  }
  return ms;
}

/**
 * The parsers of this store's pool, not pg's global ones: values come back in the
 * catalog's contract (see `Value`), and other pg users in the process are unaffected.
 */
export function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseIntegerText);
  types.setTypeParser(pg.types.builtins.NUMERIC, parseNumericText);
  types.setTypeParser(pg.types.builtins.DATE, parseDateText);
  types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestampText);
  // A timestamp without a time zone only arises from expressions: it is UTC.
  types.setTypeParser(pg.types.builtins.TIMESTAMP, parseTimestampText);
  return types;
}

/**
 * A catalog DATE as PostgreSQL reads it. ISO year 0000 is 1 BC, which PostgreSQL
 * spells with an era instead of a year zero.
 */
export function pgDate(date: string): string {
  return date.startsWith('0000-') ? `0001${date.slice(4)} BC` : date;
}

/** A catalog DATETIME (epoch milliseconds) as exact ISO text, with the same era rule as `pgDate`. */
export function pgDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.startsWith('0000-') ? `0001${iso.slice(4)} BC` : iso;
}

export type ElementWriter = (v: NonNullable<Value>) => string;

/** Text (and era dates) always quoted: a backslash and a double quote are the only escapes inside quotes. */
function quoted(s: string): string {
  let needsEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) {
      needsEscape = true;
      break;
    }
  }
  return `"${needsEscape ? s.replace(/["\\]/g, '\\$&') : s}"`;
}

/** How a catalog value is written as an element of a PostgreSQL array literal for the bulk insert. */
export const ELEMENT_WRITERS: Record<FieldType, ElementWriter> = {
  // A number's shortest round-trip text or a bigint's digits: exact for numeric, never quoted.
  NUMBER: (v) => String(v),
  TEXT: (v) => quoted(v as string),
  BOOLEAN: (v) => (v ? 't' : 'f'),
  DATE: (v) => quoted(pgDate(v as string)),
  DATETIME: (v) => quoted(pgDateTime(Number(v))),
};

/**
 * One column of `rows[start..end)` as an array literal. Built here rather than by pg
 * from a JS array: this is the load's hot loop, and it runs while the server inserts
 * the previous chunk.
 */
export function arrayLiteral(
  rows: readonly Value[][],
  column: number,
  start: number,
  end: number,
  write: ElementWriter,
): string {
  let out = '{';
  for (let r = start; r < end; r++) {
    const v = rows[r][column];
    if (r > start) out += ',';
    out += v === null || v === undefined ? 'NULL' : write(v);
  }
  return out + '}';
}

/** The `_row` numbers `first`, `first + 1`, … as a bigint array literal. */
export function rowNumbers(first: number, count: number): string {
  let out = '{';
  for (let i = 0; i < count; i++) out += (i > 0 ? ',' : '') + (first + i);
  return out + '}';
}
