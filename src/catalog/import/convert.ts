import type { FieldType, Value } from '../types.ts';
import {
  IMPORT_RULES,
  parseBoolean,
  parseDate,
  parseDateTime,
  parseFormattedDate,
  parseFormattedDateTime,
  parseNumber,
  type DateFormat,
} from '../values/values.ts';

// How the importer turns a raw value into a field's type. The value language itself
// (numbers, booleans, dates, date-times) is ../values/values.ts, read with IMPORT_RULES.

/** How a raw value arrived: CSV cells are always STRING; JSON tokens use every kind. */
export const K_NULL = 0;
export const K_STRING = 1;
export const K_NUMBER = 2;
export const K_TRUE = 3;
export const K_FALSE = 4;
/** A JSON object or array; its text is the value's JSON. */
export const K_JSON = 5;
/** One of the K_ constants. */
export type RawKind =
  typeof K_NULL | typeof K_STRING | typeof K_NUMBER | typeof K_TRUE | typeof K_FALSE | typeof K_JSON;

/** Returned by the converters when a raw value does not convert to the field's type. */
export const INVALID: unique symbol = Symbol('invalid');
/** A converter's result. */
export type Converted = Value | typeof INVALID;

/**
 * Converts non-empty text (a CSV cell or a JSON string) to a typed Value of `type`, or INVALID. Dates are ISO 8601
 * or, when `dates` is given, written in that format; the ISO reading comes first, so the default path pays nothing.
 */
export function fromText(type: FieldType, s: string, dates: DateFormat | null = null): Converted {
  switch (type) {
    case 'TEXT':
      return s;
    case 'NUMBER':
      return parseNumber(s, IMPORT_RULES) ?? INVALID;
    case 'BOOLEAN':
      return parseBoolean(s, IMPORT_RULES) ?? INVALID;
    case 'DATE':
      return parseDate(s, IMPORT_RULES) ?? (dates === null ? INVALID : (parseFormattedDate(s, dates) ?? INVALID));
    case 'DATETIME':
      return (
        parseDateTime(s, IMPORT_RULES) ??
        (dates === null ? INVALID : (parseFormattedDateTime(s, dates, IMPORT_RULES) ?? INVALID))
      );
  }
}

/**
 * Converts a raw JSON value to a typed Value of `type`, or INVALID; an empty JSON string is
 * empty text for a TEXT field and a missing value for the others.
 */
export function fromJson(type: FieldType, kind: RawKind, text: string, dates: DateFormat | null = null): Converted {
  switch (kind) {
    case K_NULL:
      return null;
    case K_STRING:
      if (text === '') return type === 'TEXT' ? '' : null;
      return fromText(type, text, dates);
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

/** The reason given when `text` in field `name` does not convert to `type` (dates read in `dates` too). */
export function invalidValueReason(
  name: string,
  type: FieldType,
  text: string,
  dates: DateFormat | null = null,
): string {
  // Long cells are cut so that one bad value cannot flood a terminal or a log line.
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  // A date alone would parse as a DATETIME too; only a longer text is a date-time.
  const dateTime =
    type === 'DATE' &&
    ((text.length > 10 && parseDateTime(text, IMPORT_RULES) !== null) ||
      (dates !== null &&
        parseFormattedDate(text, dates) === null &&
        parseFormattedDateTime(text, dates, IMPORT_RULES) !== null));
  const what = dateTime ? 'is a date-time, not' : 'is not';
  const hint =
    dates !== null && type === 'DATE'
      ? `a DATE (${dates.name} or YYYY-MM-DD)`
      : dates !== null && type === 'DATETIME'
        ? `a DATETIME (${dates.name}, optionally with a time such as 08:50:28, or ISO 8601)`
        : HINTS[type];
  return `field "${name}": ${JSON.stringify(shown)} ${what} ${hint}`;
}
