import { hasNul, NUL_REASON } from '../../shared/text.ts';
import type { Field } from '../types.ts';
import type { FilterNode } from '../filter/filter-parser.ts';
import type { SortKey } from '../filter/query-options.ts';
import { ODataQueryError } from './odata-errors.ts';
import { parseODataFilter } from './odata-filter.ts';
import type { EntitySet } from './odata-model.ts';

// The system query options of a request for an entity set (OData 4.0 Part 2, section 5),
// read into what the dataset and widget queries take: a filter node, sort keys, a
// projection, a window ($skip, $top) and whether to count.

/** A request's system query options, validated against an entity set. */
export interface ODataQuery {
  /** `$filter` as one node, or null. */
  readonly filter: FilterNode | null;
  readonly sort: readonly SortKey[];
  /** `$select`'s properties in the entity type's order; null = all (no `$select`, or `*`). */
  readonly select: readonly string[] | null;
  readonly skip: number;
  readonly top: number | null;
  readonly count: boolean;
  readonly skiptoken: string | null;
  /** `IEEE754Compatible=true` in `$format`. */
  readonly ieee754: boolean;
}

/** Options of OData 4.0 that this service does not implement: 501. */
const UNSUPPORTED = ['$expand', '$search', '$apply', '$compute', '$levels', '$index', '$schemaversion', '$id'];
const SUPPORTED = ['$filter', '$select', '$orderby', '$top', '$skip', '$count', '$skiptoken', '$format'];

/** Request parameters, a repeated one as an array. */
export type QueryParams = Readonly<Record<string, string | string[] | undefined>>;

function bad(message: string): never {
  throw new ODataQueryError(400, 'BadRequest', message);
}

function one(params: QueryParams, name: string): string | undefined {
  const v = params[name];
  if (Array.isArray(v)) bad(`The query option ${name} is given more than once`);
  return v;
}

/** A non-negative integer option; beyond 2^53 it could not be an offset. */
function count(name: string, raw: string): number {
  if (!/^[0-9]{1,16}$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    bad(`The query option ${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * The format parameters of `$format` or an `Accept` media range: whether JSON is
 * acceptable and whether it asks for IEEE754Compatible numbers.
 */
export function formatParameters(text: string): { json: boolean; ieee754: boolean } {
  const [type, ...params] = text.split(';').map((s) => s.trim());
  const json = /^(json|application\/json|application\/\*|\*\/\*)$/i.test(type);
  const ieee754 = params.some((p) => /^IEEE754Compatible\s*=\s*"?true"?$/i.test(p));
  return { json, ieee754 };
}

/**
 * Reads the system query options for `set`. Options not starting with `$` are custom
 * options and ignored, as OData asks. Throws ODataQueryError: 400 for a malformed or
 * unknown option, 501 for one this service does not implement.
 */
export function parseODataQuery(params: QueryParams, set: EntitySet): ODataQuery {
  for (const [name, raw] of Object.entries(params)) {
    if (!name.startsWith('$')) continue;
    // PostgreSQL's text refuses U+0000; refused here for every backend, naming the option.
    if (hasNul(name) || (raw !== undefined && (Array.isArray(raw) ? raw.some(hasNul) : hasNul(raw))))
      bad(`The query option ${JSON.stringify(name)} ${NUL_REASON}`);
    if (UNSUPPORTED.includes(name))
      throw new ODataQueryError(501, 'NotImplemented', `The query option ${name} is not supported`);
    if (!SUPPORTED.includes(name))
      bad(`Unknown query option ${JSON.stringify(name)}; this service takes ${SUPPORTED.join(', ')}`);
  }
  const filterText = one(params, '$filter');
  const filter = filterText === undefined ? null : parseODataFilter(filterText, set.byName);
  const selectText = one(params, '$select');
  const orderText = one(params, '$orderby');
  const topText = one(params, '$top');
  const skipText = one(params, '$skip');
  const countText = one(params, '$count');
  if (countText !== undefined && countText !== 'true' && countText !== 'false')
    bad(`The query option $count must be true or false, got ${JSON.stringify(countText)}`);
  const formatText = one(params, '$format');
  let ieee754 = false;
  if (formatText !== undefined) {
    const f = formatParameters(formatText);
    if (!f.json)
      throw new ODataQueryError(
        501,
        'NotImplemented',
        `The format ${JSON.stringify(formatText)} is not supported; use json`,
      );
    ieee754 = f.ieee754;
  }
  return Object.freeze({
    filter,
    sort: orderText === undefined ? [] : parseOrderBy(orderText, set),
    select: selectText === undefined ? null : parseSelect(selectText, set),
    skip: skipText === undefined ? 0 : count('$skip', skipText),
    top: topText === undefined ? null : count('$top', topText),
    count: countText === 'true',
    skiptoken: one(params, '$skiptoken') ?? null,
    ieee754,
  });
}

/** The property `name` names in `set`, for `$select` and `$orderby`. */
function property(set: EntitySet, name: string, option: string): Field {
  const field = set.byName.get(name);
  if (field === undefined)
    bad(
      `Unknown property ${JSON.stringify(name)} in ${option}; properties are: ` +
        [set.key, ...set.properties.map((p) => p.name)].join(', '),
    );
  return field;
}

function items(text: string, option: string): string[] {
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => s === '')) bad(`The query option ${option} has an empty item in ${JSON.stringify(text)}`);
  return list;
}

/** `$select = selectItem *( COMMA selectItem )`; `*` is every property. */
function parseSelect(text: string, set: EntitySet): readonly string[] | null {
  const names = items(text, '$select');
  if (names.includes('*')) return null;
  const known = new Set([set.key, ...set.properties.map((p) => p.name)]);
  for (const n of names) {
    if (n.includes('/') || n.includes('(')) throw new ODataQueryError(501, 'NotImplemented', `$select of ${n}`);
    if (!known.has(n)) property(set, n, '$select');
  }
  return Object.freeze([set.key, ...set.properties.map((p) => p.name)].filter((n) => names.includes(n)));
}

/** `$orderby = orderbyItem *( COMMA orderbyItem )`, `orderbyItem = commonExpr [ RWS ( "asc" / "desc" ) ]`. */
function parseOrderBy(text: string, set: EntitySet): readonly SortKey[] {
  const keys: SortKey[] = [];
  for (const item of items(text, '$orderby')) {
    const m = /^(\S+)(?:\s+(asc|desc))?$/.exec(item);
    if (m === null) bad(`Cannot read ${JSON.stringify(item)} in $orderby; write a property, then asc or desc`);
    if (set.kind === 'widget' && m[1] === set.key)
      throw new ODataQueryError(
        501,
        'NotImplemented',
        `A widget's ${set.key} is its place in the result: it can't be sorted`,
      );
    const field = property(set, m[1], '$orderby');
    if (keys.some((k) => k.field === field)) bad(`$orderby names ${JSON.stringify(m[1])} more than once`);
    keys.push(Object.freeze({ field, asc: m[2] !== 'desc' }));
  }
  // Ordering by the key ascending alone is the natural order: no sort at all.
  if (keys.length === 1 && keys[0].field === set.keyField && keys[0].asc) return [];
  return Object.freeze(keys);
}
