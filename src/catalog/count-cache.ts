import { LRUCache } from 'lru-cache';

/**
 * What one count costs besides its key: the LRU's entry (map slot, index, links) and
 * the number; an estimate, on the high side for V8 with pointer compression.
 */
export const COUNT_ENTRY_OVERHEAD = 100;

/**
 * Counts of filtered rows, keyed by table (which names the version) and the filter's
 * SQL and values. Datasets don't change between loads, so an entry never goes stale.
 * Bounded by bytes, not entries: a key holds the filter's values, up to 10,000
 * characters of text each, so a count of entries alone bounds nothing. 0 turns it off.
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
