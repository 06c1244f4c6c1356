import type { Field, Value } from '../types.ts';
import { FILTER_RULES, INTEGER, parseBoolean, parseDate, parseDateTime, parseNumber, scanNumber } from '../values/values.ts';
import { fail, q, resolveField } from './params.ts';

// The filters of a request (spec section 5): a parameter names a field, its value says
// what the field must hold. Values are read by ../values/values.ts with FILTER_RULES.

/**
 * One interval; `null` = unbounded on that side. Bounds are inclusive unless
 * `hiExclusive` is set, which the parser does only for a DATE upper bound on a
 * DATETIME field: `hi` is then the start of the next day (UTC), so the interval
 * covers the whole day, `23:59:59.999Z` included.
 */
export interface Range {
  readonly lo: Value | null;
  readonly hi: Value | null;
  readonly hiExclusive?: boolean;
}

/** A filter on one field; the nodes of a query are ANDed. */
export type FilterNode =
  | { readonly kind: 'empty'; readonly field: Field }
  | { readonly kind: 'contains'; readonly field: Field; readonly value: string }
  | { readonly kind: 'equals'; readonly field: Field; readonly value: Value }
  | { readonly kind: 'ranges'; readonly field: Field; readonly ranges: readonly Range[] };

const DAY_MS = 86_400_000;

/** Parses the filter parameter `name` (one value, or a repeated parameter's values, ANDed) on its field. */
export function parseFieldFilters(name: string, raw: string | string[], fields: readonly Field[]): FilterNode[] {
  const field = resolveField(name, fields, '');
  return (Array.isArray(raw) ? raw : [raw]).map((value) => parseFilter(field, value));
}

/** The longest text a contains filter may hold, in UTF-16 units (at most 30,000 bytes of UTF-8). */
export const MAX_CONTAINS_LENGTH = 10_000;

function parseFilter(field: Field, raw: string): FilterNode {
  const text = raw.trim();
  if (text === '') return Object.freeze({ kind: 'empty', field });
  switch (field.type) {
    case 'TEXT':
      // A search text that long is no search; SQLite also refuses LIKE patterns past 50,000 bytes.
      if (text.length > MAX_CONTAINS_LENGTH) fail(`Filter ${q(field.name)} is longer than ${MAX_CONTAINS_LENGTH} characters; a text filter holds at most ${MAX_CONTAINS_LENGTH}`);
      return Object.freeze({ kind: 'contains', field, value: text });
    case 'BOOLEAN': {
      const value = parseBoolean(text, FILTER_RULES);
      if (value !== undefined) return Object.freeze({ kind: 'equals', field, value });
      return invalid(field, text, text, 'expected true, false, 1 or 0');
    }
    case 'NUMBER':
    case 'DATE':
    case 'DATETIME':
      return parseIntervals(field, text);
  }
}

function invalid(field: Field, part: string, whole: string, reason: string): never {
  const context = part === whole ? '' : ` (in ${q(whole)})`;
  return fail(`Invalid value ${q(part)} for ${field.type} field ${q(field.name)}: ${reason}${context}`);
}

interface Bound {
  readonly value: Value;
  readonly exclusive?: boolean;
}

/** Parses one NUMBER/DATE/DATETIME bound; `side` matters only for a DATE bound on a DATETIME field. */
function parseBound(field: Field, part: string, whole: string, side: 'lo' | 'hi'): Bound {
  switch (field.type) {
    case 'NUMBER': {
      const n = parseNumber(part, FILTER_RULES);
      if (n !== null) return { value: n };
      const reason = scanNumber(part, true) === INTEGER ? 'integer out of the 64-bit range' : 'expected a number';
      return invalid(field, part, whole, reason);
    }
    case 'DATE': {
      const d = parseDate(part, FILTER_RULES);
      if (d !== null) return { value: d };
      return invalid(field, part, whole, 'expected a date YYYY-MM-DD');
    }
    default: {
      const ms = parseDateTime(part, FILTER_RULES);
      if (ms === null) {
        return invalid(
          field,
          part,
          whole,
          'expected an ISO 8601 date-time such as 2023-02-01T10:00:00Z, YYYY-MM-DD HH:mm:ss (UTC) or a date YYYY-MM-DD',
        );
      }
      if (side === 'hi' && parseDate(part, FILTER_RULES) !== null) return { value: ms + DAY_MS, exclusive: true };
      return { value: ms };
    }
  }
}

/**
 * Commas split the value into `lo,hi` pairs (an empty side is unbounded); a last lone
 * value means `=` for NUMBER and `>=` for DATE/DATETIME. A NUMBER filter that is a
 * single value becomes an `equals` node.
 */
function parseIntervals(field: Field, text: string): FilterNode {
  const parts = text.split(',').map((s) => s.trim());
  if (field.type === 'NUMBER' && parts.length === 1) {
    return Object.freeze({ kind: 'equals', field, value: parseBound(field, parts[0], text, 'lo').value });
  }
  const ranges: Range[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const loText = parts[i];
    if (i + 1 === parts.length) {
      if (loText === '') invalid(field, text, text, 'the last value after the intervals is empty');
      const lo = parseBound(field, loText, text, 'lo').value;
      ranges.push(Object.freeze({ lo, hi: field.type === 'NUMBER' ? lo : null }));
      continue;
    }
    const hiText = parts[i + 1];
    if (loText === '' && hiText === '') invalid(field, text, text, 'an interval needs at least one bound');
    const lo = loText === '' ? null : parseBound(field, loText, text, 'lo').value;
    const hi = hiText === '' ? null : parseBound(field, hiText, text, 'hi');
    ranges.push(Object.freeze(hi?.exclusive ? { lo, hi: hi.value, hiExclusive: true } : { lo, hi: hi?.value ?? null }));
  }
  return Object.freeze({ kind: 'ranges', field, ranges: Object.freeze(ranges) });
}
