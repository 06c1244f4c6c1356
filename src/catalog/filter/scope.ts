import type { Field } from '../types.ts';
import type { FilterNode } from './filter-parser.ts';
import { findField, type Params } from './params.ts';
import { parseQuery } from './query-parser.ts';

/** A binding's row scope, parsed: the filters ANDed into every read through it, or why it does not compile. */
export type ScopeResult =
  | { readonly ok: true; readonly filters: readonly FilterNode[] }
  | { readonly ok: false; readonly message: string; readonly field: string };

/** A filter in the filter language (`a=1&b[eq]=x`) as parameters, decoded like a query string. */
export function filterParams(filter: string): Params {
  const params: Params = {};
  for (const [k, v] of new URLSearchParams(filter.trim())) {
    const prev = params[k];
    params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return params;
}

const NONE: ScopeResult = Object.freeze({ ok: true as const, filters: Object.freeze([]) });

/** The field a scope parameter is about: its whole name when a field has it, else without `[operator]`. */
function fieldNameOf(name: string, fields: readonly Field[]): string {
  if (findField(name, fields) !== undefined) return name;
  const open = name.lastIndexOf('[');
  return open > 0 && name.endsWith(']') ? name.slice(0, open) : name;
}

/**
 * Parses a row scope against a dataset's fields, with the parser of the client's own
 * filters, so that it compiles to the same SQL. Paging parameters and options are
 * refused: a scope only filters. `''` is every row. `field` names the first parameter's
 * field that does not parse (for a message that does not echo the scope's values).
 */
export function parseScope(where: string, fields: readonly Field[]): ScopeResult {
  if (where.trim() === '') return NONE;
  const params = filterParams(where);
  for (const name of Object.keys(params)) {
    if (name === 'current' || name === 'size' || name.startsWith('_'))
      return {
        ok: false,
        field: name,
        message: `a scope takes only filters on fields; ${JSON.stringify(name)} is a paging parameter or an option`,
      };
  }
  const parsed = parseQuery(params, fields, { maxSize: 1 });
  if (parsed.ok) return { ok: true, filters: parsed.query.filters };
  let field = Object.keys(params)[0] ?? '';
  for (const [name, raw] of Object.entries(params)) {
    if (!parseQuery({ [name]: raw }, fields, { maxSize: 1 }).ok) {
      field = fieldNameOf(name, fields);
      break;
    }
  }
  return { ok: false, field, message: parsed.message };
}
