import { filterFields } from './filter-parser.ts';
import type { ParsedQuery } from './query-parser.ts';

/**
 * The dataset fields a parsed query names, by use, each once and as the dataset spells
 * it: what a reload that drops or retypes one of them would break for the client.
 */
export interface UsedFields {
  readonly filter: readonly string[];
  readonly sort: readonly string[];
  /** The projection (`_fields`, OData's `$select`); empty when all fields are read. */
  readonly select: readonly string[];
}

/** What a query naming no field uses: one shared object, so a request of that kind allocates nothing. */
export const NO_FIELDS: UsedFields = Object.freeze({
  filter: Object.freeze([]),
  sort: Object.freeze([]),
  select: Object.freeze([]),
});

/**
 * The fields `q`'s filters, sort and projection name (a scope's filters are not the
 * client's: pass the query before they are added).
 *
 * @example usedFields(parseQuery({ status: 'open', _sort: '-hours' }, fields, opts).query)
 * // { filter: ['status'], sort: ['hours'], select: [] }
 */
export function usedFields(q: Pick<ParsedQuery, 'filters' | 'sort' | 'fields'>): UsedFields {
  if (q.filters.length === 0 && q.sort.length === 0 && q.fields === null) return NO_FIELDS;
  const filter = new Set<string>();
  for (const node of q.filters) for (const f of filterFields(node)) filter.add(f.name);
  return Object.freeze({
    filter: Object.freeze([...filter]),
    sort: Object.freeze(q.sort.map((s) => s.field.name)),
    select: Object.freeze(q.fields === null ? [] : q.fields.map((f) => f.name)),
  });
}
