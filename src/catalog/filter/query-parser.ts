import { hasNul, NUL_REASON } from '../../shared/text.ts';
import type { Field } from '../types.ts';
import { parseFieldFilters, type FilterNode } from './filter-parser.ts';
import { fail, ParamError, q, type Params } from './params.ts';
import { isOption, isPaging, parseOption, parsePaging, type CountStrategy, type SortKey } from './query-options.ts';

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
  /** From `_count` (dataset pages only): how `total` is found; absent = `exact`, the contract's. */
  readonly count?: CountStrategy;
  /** From `_after` (dataset pages only): the cursor as sent, `''` = from the first row; absent = paged by `current`. */
  readonly cursor?: string;
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
  opts: { maxSize: number; defaultSize?: number; pageOptions?: boolean },
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
  opts: { maxSize: number; defaultSize?: number; pageOptions?: boolean },
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
  let count: CountStrategy | undefined;
  let cursor: string | undefined;
  const filters: FilterNode[] = [];

  for (const [name, raw] of Object.entries(params)) {
    if (raw === undefined || isPaging(name)) continue;
    if (isOption(name)) {
      const option = parseOption(name, raw, fields, opts);
      if ('sort' in option) sort = option.sort;
      else if ('fields' in option) projection = option.fields;
      else if ('count' in option) count = option.count;
      else if ('cursor' in option) cursor = option.cursor;
      else numbersAsText = option.numbersAsText;
      continue;
    }
    // One at a time: a parameter repeated a million times would overflow a spread's arguments.
    for (const node of parseFieldFilters(name, raw, fields)) filters.push(node);
  }

  if (cursor !== undefined) {
    // A cursor says where the page starts, and it is a position in natural order.
    if (params.current !== undefined)
      fail('Option "_after" can\'t be used with "current": the cursor says where the page starts');
    if (sort.length > 0)
      fail('Option "_after" pages in natural order only; it can\'t be used with "_sort" (use "current" instead)');
  }
  const query: ParsedQuery = {
    current,
    size,
    filters: Object.freeze(filters),
    sort,
    fields: projection,
    numbersAsText,
  };
  // Only when given, so that every other query is the same object as before.
  return Object.freeze({
    ...query,
    ...(count === undefined ? {} : { count }),
    ...(cursor === undefined ? {} : { cursor }),
  });
}
