import { hasNul, NUL_REASON } from '../../shared/text.ts';
import type { Field, Value } from '../types.ts';
import { FILTER_RULES, INTEGER, parseBoolean, parseDate, parseDateTime, parseNumber, scanNumber } from '../values/values.ts';

/** Request parameters after URL or body decoding; a repeated parameter is an array. */
export type Params = Record<string, string | string[] | undefined>;

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

/** One sort key of `_sort`. */
export interface SortKey {
  readonly field: Field;
  readonly asc: boolean;
}

/** A validated dataset query: pagination, filters, sort and projection. */
export interface ParsedQuery {
  readonly current: number;
  /** Rows per page, after clamping to `maxSize`. */
  readonly size: number;
  /** ANDed. */
  readonly filters: readonly FilterNode[];
  /** `[]` = natural order. */
  readonly sort: readonly SortKey[];
  /** From `_fields`, in that order; `null` = all fields. */
  readonly fields: readonly Field[] | null;
}

/** The parser's answer: a query, or a message for an HTTP 400 body. */
export type ParseResult = { ok: true; query: ParsedQuery } | { ok: false; message: string };

const DEFAULT_SIZE = 10;
const DAY_MS = 86_400_000;
const OPTIONS = ['_sort', '_fields'] as const;

/**
 * Echoed values are cut at 100 characters: enough to recognise any sensible value,
 * and a megabyte-long parameter does not become a megabyte-long error body.
 */
const MAX_ECHO = 100;

/** Quotes client text for a message; JSON escaping keeps quotes and control characters visible. */
function q(s: string): string {
  return JSON.stringify(s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}…` : s);
}

class ParamError extends Error {}

function fail(message: string): never {
  throw new ParamError(message);
}

/**
 * Parses the public API's query parameters (spec sections 4 and 5) against a
 * dataset's fields; never throws on client input.
 *
 * @example parseQuery({ price: '12.6,56.3', _sort: '-id' }, fields, { maxSize: 1000 })
 */
export function parseQuery(
  params: Params,
  fields: readonly Field[],
  opts: { maxSize: number; defaultSize?: number },
): ParseResult {
  try {
    const query = parseOrThrow(params, fields, opts);
    return Object.freeze({ ok: true as const, query });
  } catch (e) {
    if (e instanceof ParamError) return Object.freeze({ ok: false as const, message: e.message });
    throw e;
  }
}

function parseOrThrow(
  params: Params,
  fields: readonly Field[],
  opts: { maxSize: number; defaultSize?: number },
): ParsedQuery {
  // Before anything else reads them, so that the message names the parameter whatever it is.
  for (const [name, raw] of Object.entries(params)) {
    if (hasNul(name)) fail(`A parameter name ${NUL_REASON}: ${q(name)}`);
    if (raw !== undefined && (Array.isArray(raw) ? raw.some(hasNul) : hasNul(raw))) fail(`Parameter ${q(name)} ${NUL_REASON}`);
  }
  const current = parsePositiveInt(params, 'current', 1);
  const size = Math.min(parsePositiveInt(params, 'size', opts.defaultSize ?? DEFAULT_SIZE), opts.maxSize);
  let sort: readonly SortKey[] = Object.freeze([]);
  let projection: readonly Field[] | null = null;
  const filters: FilterNode[] = [];

  for (const [name, raw] of Object.entries(params)) {
    if (raw === undefined || name === 'current' || name === 'size') continue;
    if (name.startsWith('_')) {
      if (name === '_sort') sort = parseSort(single(name, raw), fields);
      else if (name === '_fields') projection = parseFields(single(name, raw), fields);
      else fail(`Unknown option ${q(name)}; options are: ${OPTIONS.join(', ')}`);
      continue;
    }
    const field = resolveField(name, fields, '');
    for (const value of Array.isArray(raw) ? raw : [raw]) filters.push(parseFilter(field, value));
  }

  return Object.freeze({ current, size, filters: Object.freeze(filters), sort, fields: projection });
}

function single(name: string, raw: string | string[]): string {
  return Array.isArray(raw) ? fail(`Parameter ${q(name)} is given more than once`) : raw;
}

function parsePositiveInt(params: Params, name: 'current' | 'size', dflt: number): number {
  const raw = params[name];
  if (raw === undefined) return dflt;
  const text = single(name, raw).trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1)) fail(`Parameter ${q(name)} must be an integer >= 1, got ${q(text)}`);
  // A huge size is merely clamped; a huge page number would make offsets inexact.
  if (name === 'current' && !Number.isSafeInteger(n)) {
    fail(`Parameter "current" must be at most ${Number.MAX_SAFE_INTEGER}, got ${q(text)}`);
  }
  return n;
}

/** Exact name first; else the one field whose name matches case-insensitively. */
function resolveField(name: string, fields: readonly Field[], where: string): Field {
  const exact = fields.find((f) => f.name === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const matches = fields.filter((f) => f.name.toLowerCase() === lower);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    fail(`Ambiguous field ${q(name)}${where}: it matches ${matches.map((f) => q(f.name)).join(', ')}; use the exact name`);
  }
  const names = fields.length > 0 ? fields.map((f) => f.name).join(', ') : '(none)';
  return fail(`Unknown field ${q(name)}${where}; fields are: ${names}`);
}

/** Splits an option's comma list; an empty option means "not given", an empty item is an error. */
function optionItems(option: string, raw: string): string[] {
  const text = raw.trim();
  if (text === '') return [];
  const items = text.split(',').map((s) => s.trim());
  if (items.includes('')) fail(`Option ${q(option)} has an empty field name in ${q(text)}`);
  return items;
}

/** A leading `-` always means descending, so a field whose name starts with `-` sorts as `--name`. */
function parseSort(raw: string, fields: readonly Field[]): readonly SortKey[] {
  const keys: SortKey[] = [];
  for (const item of optionItems('_sort', raw)) {
    const desc = item.startsWith('-');
    const name = desc ? item.slice(1).trim() : item;
    if (name === '') fail(`Option "_sort" has an empty field name in ${q(raw.trim())}`);
    const field = resolveField(name, fields, ' in option "_sort"');
    if (keys.some((k) => k.field === field)) fail(`Option "_sort" names field ${q(field.name)} more than once`);
    keys.push(Object.freeze({ field, asc: !desc }));
  }
  return Object.freeze(keys);
}

function parseFields(raw: string, fields: readonly Field[]): readonly Field[] | null {
  const items = optionItems('_fields', raw);
  if (items.length === 0) return null;
  const picked: Field[] = [];
  for (const name of items) {
    const field = resolveField(name, fields, ' in option "_fields"');
    if (picked.includes(field)) fail(`Option "_fields" names field ${q(field.name)} more than once`);
    picked.push(field);
  }
  return Object.freeze(picked);
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
