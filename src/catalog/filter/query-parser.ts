import { hasNul, NUL_REASON } from '../../shared/text.ts';
import type { Field } from '../types.ts';
import { parseFieldFilters, type FilterNode } from './filter-parser.ts';
import { fail, ParamError, q, type Params } from './params.ts';
import { isOption, isPaging, parseOption, parsePaging, type SortKey } from './query-options.ts';

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
  /** From `_numbers=string`: NUMBER values written as JSON strings of their exact digits. */
  readonly numbersAsText: boolean;
  /** Rows to pass over before the page; `(current - 1) * size` when absent (OData's `$skip` sets it). */
  readonly offset?: number;
  /** A dataset page's rows start with their `_row` (the OData key) before the fields. */
  readonly rowNumbers?: boolean;
}

/** The rows a query passes over before its page. */
export function queryOffset(q: Pick<ParsedQuery, 'current' | 'size' | 'offset'>): number {
  return q.offset ?? (q.current - 1) * q.size;
}

/** The parser's answer: a query, or a message for an HTTP 400 body. */
export type ParseResult = { ok: true; query: ParsedQuery } | { ok: false; message: string };

/**
 * Parses the public API's query parameters (spec sections 4 and 5) against a
 * dataset's fields; never throws on client input. Paging and options are read by
 * query-options.ts, filters by filter-parser.ts; parameters are taken in their order, so
 * the first mistake is the one named.
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
    if (raw !== undefined && (Array.isArray(raw) ? raw.some(hasNul) : hasNul(raw)))
      fail(`Parameter ${q(name)} ${NUL_REASON}`);
  }
  const { current, size } = parsePaging(params, opts);
  let sort: readonly SortKey[] = Object.freeze([]);
  let projection: readonly Field[] | null = null;
  let numbersAsText = false;
  const filters: FilterNode[] = [];

  for (const [name, raw] of Object.entries(params)) {
    if (raw === undefined || isPaging(name)) continue;
    if (isOption(name)) {
      const option = parseOption(name, raw, fields);
      if ('sort' in option) sort = option.sort;
      else if ('fields' in option) projection = option.fields;
      else numbersAsText = option.numbersAsText;
      continue;
    }
    // One at a time: a parameter repeated a million times would overflow a spread's arguments.
    for (const node of parseFieldFilters(name, raw, fields)) filters.push(node);
  }

  return Object.freeze({ current, size, filters: Object.freeze(filters), sort, fields: projection, numbersAsText });
}
