import type { Field } from '../types.ts';
import { fail, q, resolveField, single, type Params } from './params.ts';

// The parameters that are not filters: paging (`current`, `size`) and the options
// `_sort` and `_fields` (spec section 4 and the options of section 5).

/** One sort key of `_sort`. */
export interface SortKey {
  readonly field: Field;
  readonly asc: boolean;
}

/** Which page, and how many rows a page holds. */
export interface Paging {
  readonly current: number;
  /** Rows per page, after clamping to `maxSize`. */
  readonly size: number;
}

/** The options a request may give; every other name beginning with `_` is refused. */
export const OPTIONS = ['_sort', '_fields', '_numbers'] as const;

/** The options of a dataset page alone (not widgets, exports or scopes): the count strategy and the cursor. */
export const PAGE_OPTIONS = ['_count', '_after'] as const;

/**
 * How a dataset page's `total` is found: `exact` counts every match (the default),
 * `estimated` counts a fixed sample of rows and scales it, `none` does not count.
 */
export type CountStrategy = 'exact' | 'estimated' | 'none';

const COUNT_STRATEGIES: readonly CountStrategy[] = ['exact', 'estimated', 'none'];

const DEFAULT_SIZE = 10;

/** Whether the parameter `name` is a paging parameter, read by `parsePaging` alone. */
export function isPaging(name: string): boolean {
  return name === 'current' || name === 'size';
}

/** Whether the parameter `name` is an option (`_sort`, `_fields`, or an unknown one) rather than a filter. */
export function isOption(name: string): boolean {
  return name.startsWith('_');
}

/** Reads `current` and `size`: integers >= 1, `size` clamped to `maxSize`. */
export function parsePaging(params: Params, opts: { maxSize: number; defaultSize?: number }): Paging {
  const current = parsePositiveInt(params, 'current', 1);
  const size = Math.min(parsePositiveInt(params, 'size', opts.defaultSize ?? DEFAULT_SIZE), opts.maxSize);
  return { current, size };
}

/**
 * Reads one option: the sort keys of `_sort`, the projection of `_fields` (null: all
 * fields), or how `_numbers` writes NUMBER values (`string`: as JSON strings of their digits).
 */
export function parseOption(
  name: string,
  raw: string | string[],
  fields: readonly Field[],
  opts: { pageOptions?: boolean } = {},
):
  | { readonly sort: readonly SortKey[] }
  | { readonly fields: readonly Field[] | null }
  | { readonly numbersAsText: boolean }
  | { readonly count: CountStrategy }
  | { readonly cursor: string } {
  if (name === '_sort') return { sort: parseSort(single(name, raw), fields) };
  if (name === '_fields') return { fields: parseFields(single(name, raw), fields) };
  if (name === '_numbers') return { numbersAsText: parseNumbers(single(name, raw)) };
  if (opts.pageOptions && name === '_count') return { count: parseCount(single(name, raw)) };
  // Read as it is (trimmed); what it says is checked against the dataset it is used on.
  if (opts.pageOptions && name === '_after') return { cursor: single(name, raw).trim() };
  const known = opts.pageOptions ? [...OPTIONS, ...PAGE_OPTIONS] : OPTIONS;
  return fail(`Unknown option ${q(name)}; options are: ${known.join(', ')}`);
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

/** `_numbers=string` writes NUMBER values as strings; `number` (or empty) as JSON numbers, the default. */
function parseNumbers(raw: string): boolean {
  const text = raw.trim();
  if (text === 'string') return true;
  if (text === 'number' || text === '') return false;
  return fail(`Option "_numbers" must be "string" or "number", got ${q(text)}`);
}

/** `_count=exact|estimated|none`; empty is the default, `exact`. */
function parseCount(raw: string): CountStrategy {
  const text = raw.trim();
  if (text === '') return 'exact';
  const found = COUNT_STRATEGIES.find((c) => c === text);
  return found ?? fail(`Option "_count" must be "exact", "estimated" or "none", got ${q(text)}`);
}
