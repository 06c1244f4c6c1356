import type { Field, FieldType, Value } from '../types.ts';
import {
  FILTER_RULES,
  INTEGER,
  parseBoolean,
  parseDate,
  parseDateTime,
  parseNumber,
  scanNumber,
} from '../values/values.ts';
import { fail, findField, q, resolveField } from './params.ts';

// The filters of a request (spec section 5): a parameter names a field, its value says
// what the field must hold. Values are read by ../values/values.ts with FILTER_RULES.
// An operator in brackets after the name (`status[eq]=Open`, spec section 8) picks
// another comparison; without one, the rules of section 5 apply unchanged.

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
  /** `lo` itself is outside the range (OData `gt`). */
  readonly loExclusive?: boolean;
}

/** Where a `text` node's value must sit in the field's text. */
export type TextMatch = 'contains' | 'startswith' | 'endswith' | 'equals';

/**
 * A filter; the nodes of a query are ANDed. A node on one field is never true on a
 * null value except `empty` and `null`, which is what makes `not` exclude nulls. The
 * filter language makes only nodes on one field; `all`, `either`, `negate`, `null`,
 * `text` and `never` are what the OData `$filter` (../odata/) adds, compiled by the
 * same compiler so that every front end gets them.
 */
export type FilterNode = FieldNode | CombinedNode;

/** Nodes across fields: OData's `and`, `or` and `not`, and a filter no row matches. */
export type CombinedNode =
  | { readonly kind: 'all'; readonly nodes: readonly FilterNode[] }
  | { readonly kind: 'either'; readonly nodes: readonly FilterNode[] }
  /** True wherever `node` is not true, nulls included: OData's two-valued `not`. */
  | { readonly kind: 'negate'; readonly node: FilterNode }
  | { readonly kind: 'never' };

/** A filter on one field. */
export type FieldNode =
  | { readonly kind: 'empty'; readonly field: Field }
  /** Null only (OData `eq null`); `empty` also takes '' on TEXT. */
  | { readonly kind: 'null'; readonly field: Field }
  /** TEXT matched exactly (case-sensitive) or ignoring case as `containsText` does. */
  | {
      readonly kind: 'text';
      readonly field: Field;
      readonly match: TextMatch;
      readonly value: string;
      readonly ignoreCase: boolean;
    }
  | { readonly kind: 'contains'; readonly field: Field; readonly value: string }
  | { readonly kind: 'equals'; readonly field: Field; readonly value: Value }
  | { readonly kind: 'ranges'; readonly field: Field; readonly ranges: readonly Range[] }
  /** One of the values, exactly (`[in]`); never empty. */
  | { readonly kind: 'in'; readonly field: Field; readonly values: readonly Value[] }
  /** Any of the nodes, all on `field` (an `[in]` list whose items are not all plain values). */
  | { readonly kind: 'any'; readonly field: Field; readonly nodes: readonly FilterNode[] }
  /** A value that `node` does not match; nulls never match (`[ne]`). */
  | { readonly kind: 'not'; readonly field: Field; readonly node: FilterNode };

/** The fields a node reads, each once, in the order met. */
export function filterFields(node: FilterNode): Field[] {
  switch (node.kind) {
    case 'all':
    case 'either':
      return [...new Set(node.nodes.flatMap(filterFields))];
    case 'negate':
      return filterFields(node.node);
    case 'never':
      return [];
    default:
      return [node.field];
  }
}

/** The operators that may follow a field name in brackets (spec section 8), in the order messages list them. */
export const OPERATORS = ['eq', 'ne', 'in', 'contains'] as const;
export type Operator = (typeof OPERATORS)[number];

/** The field types each operator applies to; any other pair is refused. */
const OPERATOR_TYPES: Readonly<Record<Operator, readonly FieldType[]>> = {
  eq: ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME'],
  ne: ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME'],
  in: ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME'],
  contains: ['TEXT'],
};

/** The operators that apply to a field of `type`. */
export function operatorsFor(type: FieldType): Operator[] {
  return OPERATORS.filter((op) => OPERATOR_TYPES[op].includes(type));
}

/**
 * The parameter names `field[operator]` that filter `field` with an operator, one per
 * operator that applies to its type; a name that is itself a field's name (in any
 * case) names that field instead, so it is left out.
 *
 * @example operatorNames({ name: 'price', type: 'NUMBER' }, fields)
 * // [['eq', 'price[eq]'], ['ne', 'price[ne]'], ['in', 'price[in]']]
 */
export function operatorNames(
  field: Pick<Field, 'name' | 'type'>,
  fields: readonly Pick<Field, 'name'>[],
): [Operator, string][] {
  return operatorsFor(field.type)
    .map((op): [Operator, string] => [op, `${field.name}[${op}]`])
    .filter(([, name]) => findField(name, fields) === undefined);
}

const DAY_MS = 86_400_000;

/**
 * The most values an `[in]` list may hold: generous for a hand-written list or a
 * scope, and it keeps the SQL (one parameter a value, two a DATETIME day) small.
 */
export const MAX_IN_VALUES = 500;

/** Parses the filter parameter `name` (one value, or a repeated parameter's values, ANDed) on its field. */
export function parseFieldFilters(name: string, raw: string | string[], fields: readonly Field[]): FilterNode[] {
  const { field, op } = resolveFilterName(name, fields);
  const values = Array.isArray(raw) ? raw : [raw];
  return values.map((value) => (op === null ? parseFilter(field, value) : parseOperator(field, op, value)));
}

/**
 * The field a filter parameter names, and its operator. The whole name is tried first,
 * exactly and then case-insensitively as in section 5, so a field whose real name ends
 * in brackets keeps matching; only a name that matches no field is read as
 * `field[operator]`, the operator being what is inside its last brackets.
 */
function resolveFilterName(name: string, fields: readonly Field[]): { field: Field; op: Operator | null } {
  const whole = findField(name, fields);
  if (whole !== undefined) return { field: resolveField(name, fields, ''), op: null };
  const open = name.lastIndexOf('[');
  const inside = open > 0 && name.endsWith(']') ? name.slice(open + 1, -1) : null;
  const base = inside === null || inside.includes(']') ? null : name.slice(0, open);
  const op = inside !== null && (OPERATORS as readonly string[]).includes(inside) ? (inside as Operator) : null;
  // Not `field[operator]`, or neither a field nor an operator: refused as an unknown
  // field (resolveField throws), with the message names had before operators.
  if (base === null || (op === null && findField(base, fields) === undefined))
    return { field: resolveField(name, fields, ''), op: null };
  const field = resolveField(base, fields, ` in ${q(name)}`);
  if (op === null) fail(`Unknown operator ${q(inside!)} in ${q(name)}; operators are: ${OPERATORS.join(', ')}`);
  if (!OPERATOR_TYPES[op].includes(field.type)) {
    fail(
      `Operator ${q(op)} in ${q(name)} does not apply to ${field.type} field ${q(field.name)}; ${field.type} ` +
        `fields take: ${operatorsFor(field.type).join(', ')}`,
    );
  }
  return { field, op };
}

/** The longest text a contains filter may hold, in UTF-16 units (at most 30,000 bytes of UTF-8). */
export const MAX_CONTAINS_LENGTH = 10_000;

function checkTextLength(field: Field, text: string): void {
  // A search text that long is no search; SQLite also refuses LIKE patterns past 50,000 bytes.
  if (text.length > MAX_CONTAINS_LENGTH)
    fail(
      `Filter ${q(field.name)} is longer than ${MAX_CONTAINS_LENGTH} characters; a text filter holds at ` +
        `most ${MAX_CONTAINS_LENGTH}`,
    );
}

function parseFilter(field: Field, raw: string): FilterNode {
  const text = raw.trim();
  if (text === '') return Object.freeze({ kind: 'empty', field });
  switch (field.type) {
    case 'TEXT':
      checkTextLength(field, text);
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

/**
 * One value with an operator. An empty value means "is empty" as in section 5 (`[ne]`:
 * "is not empty"), and is an item of its own in an `[in]` list.
 */
function parseOperator(field: Field, op: Operator, raw: string): FilterNode {
  const text = raw.trim();
  switch (op) {
    case 'contains':
      return parseFilter(field, raw);
    case 'eq':
      return exact(field, text, text);
    case 'ne':
      return Object.freeze({ kind: 'not', field, node: exact(field, text, text) });
    case 'in':
      return oneOf(field, listItems(field, text), text);
  }
}

/**
 * `[eq]` of one value: equality for every type (TEXT case-sensitive, NUMBER exact),
 * except that a DATE on a DATETIME field means the whole UTC day.
 */
function exact(field: Field, part: string, whole: string): FilterNode {
  if (part === '') return Object.freeze({ kind: 'empty', field });
  if (field.type === 'TEXT') {
    checkTextLength(field, part);
    return Object.freeze({ kind: 'equals', field, value: part });
  }
  // A list given to [eq] or [ne] (in [in], commas have split the items already).
  if (part === whole && part.includes(',')) invalid(field, part, whole, 'expected one value; [in] takes a list');
  switch (field.type) {
    case 'BOOLEAN': {
      const value = parseBoolean(part, FILTER_RULES);
      if (value !== undefined) return Object.freeze({ kind: 'equals', field, value });
      return invalid(field, part, whole, 'expected true, false, 1 or 0');
    }
    case 'NUMBER':
      return Object.freeze({ kind: 'equals', field, value: parseBound(field, part, whole, 'lo').value });
    case 'DATE':
      return Object.freeze({ kind: 'equals', field, value: parseBound(field, part, whole, 'lo').value });
    case 'DATETIME': {
      const start = parseBound(field, part, whole, 'lo').value as number;
      if (parseDate(part, FILTER_RULES) === null) return Object.freeze({ kind: 'equals', field, value: start });
      const day: Range = Object.freeze({ lo: start, hi: start + DAY_MS, hiExclusive: true });
      return Object.freeze({ kind: 'ranges', field, ranges: Object.freeze([day]) });
    }
  }
}

/** `[in]`: any of the items' `[eq]`; plain values are gathered into one `in` node. */
function oneOf(field: Field, items: readonly string[], whole: string): FilterNode {
  const values: Value[] = [];
  const days: Range[] = [];
  let empty = false;
  for (const item of items) {
    const node = exact(field, item, whole);
    if (node.kind === 'equals') values.push(node.value);
    else if (node.kind === 'ranges') days.push(...node.ranges);
    else empty = true;
  }
  const nodes: FilterNode[] = [];
  if (values.length > 0) nodes.push(Object.freeze({ kind: 'in', field, values: Object.freeze(values) }));
  if (days.length > 0) nodes.push(Object.freeze({ kind: 'ranges', field, ranges: Object.freeze(days) }));
  if (empty) nodes.push(Object.freeze({ kind: 'empty', field }));
  return nodes.length === 1 ? nodes[0] : Object.freeze({ kind: 'any', field, nodes: Object.freeze(nodes) });
}

/**
 * Splits an `[in]` value on commas: `\,` is a comma within an item, `\\` a backslash;
 * any other backslash is refused, so that no list means something its writer did not
 * see. Items are trimmed; an empty item stands for "is empty".
 */
function listItems(field: Field, text: string): string[] {
  const items: string[] = [];
  let item = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ',') {
      items.push(item.trim());
      item = '';
    } else if (c !== '\\') {
      item += c;
    } else {
      const next = text[i + 1];
      if (next !== ',' && next !== '\\') {
        const seq = next === undefined ? '\\' : `\\${String.fromCodePoint(text.codePointAt(i + 1)!)}`;
        fail(
          `Invalid escape ${q(seq)} in [in] list of field ${q(field.name)}: write \\, for a comma and \\\\ for ` +
            `a backslash (in ${q(text)})`,
        );
      }
      item += next;
      i++;
    }
    if (items.length >= MAX_IN_VALUES) {
      fail(
        `Filter ${q(field.name)} lists more than ${MAX_IN_VALUES} values; an [in] list holds at most ${MAX_IN_VALUES}`,
      );
    }
  }
  items.push(item.trim());
  return items;
}
