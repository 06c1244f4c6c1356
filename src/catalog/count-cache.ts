import { LRUCache } from 'lru-cache';
import type { FilterNode } from './filter/filter-parser.ts';
import type { Field } from './types.ts';

/**
 * What one count costs besides its key: the LRU's entry (map slot, index, links) and
 * the number; an estimate, on the high side for V8 with pointer compression.
 */
export const COUNT_ENTRY_OVERHEAD = 100;

/**
 * Counts of filtered rows, keyed by table (which names the version) and the filters
 * (`filtersKey`; an estimate by its SQL). Datasets don't change between loads, so an
 * entry never goes stale. Bounded by bytes, not entries: a key holds the filter's
 * values, up to 10,000 characters of text each, so a count of entries alone bounds
 * nothing. 0 turns it off.
 */
export function createCountCache(maxBytes: number) {
  const lru =
    maxBytes > 0
      ? new LRUCache<string, number>({
          maxSize: maxBytes,
          // Strings are at most two bytes a character in memory.
          sizeCalculation: (_n, key) => 2 * key.length + COUNT_ENTRY_OVERHEAD,
        })
      : undefined;
  return {
    get(key: string): number | undefined {
      return lru?.get(key);
    },
    set(key: string, n: number): void {
      // One key can't take more than a hundredth of the cache, so long filters can't flush it.
      if (lru && 2 * key.length + COUNT_ENTRY_OVERHEAD <= maxBytes / 100) lru.set(key, n);
    },
    /** Bytes held, as the cache counts them. */
    get bytes(): number {
      return lru?.calculatedSize ?? 0;
    },
    get size(): number {
      return lru?.size ?? 0;
    },
  };
}

export type CountCache = ReturnType<typeof createCountCache>;

/**
 * The count cache's key for an exact count: the table (which names the version) and the
 * filters as parsed, each field by its column. Two keys are equal only when the filters
 * are: JSON tells a string from a number, and the values JSON would write alike (a
 * bigint and its number, -0 and 0, the non-finite numbers and null) are written apart.
 * An estimate's key is its SQL behind a `~` (dataset-service.ts), so the two never meet.
 */
export function filtersKey(ds: { tableName: string }, filters: readonly FilterNode[]): string {
  return `${ds.tableName}\n${JSON.stringify(filters, filterJson)}`;
}

function filterJson(key: string, v: unknown): unknown {
  if (key === 'field' && typeof v === 'object' && v !== null) return { column: (v as Field).column };
  if (typeof v === 'bigint') return { bigint: String(v) };
  if (typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)))
    return { number: Object.is(v, -0) ? '-0' : String(v) };
  return v;
}
