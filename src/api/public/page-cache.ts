import { LRUCache } from 'lru-cache';
import { NO_FIELDS, type Params, type UsedFields } from '../../catalog/index.ts';

/** A cached answer: its body, and the dataset fields its query named (recorded on every hit). */
export interface CachedPage {
  readonly body: string;
  readonly used: UsedFields;
}

/**
 * Finished response bodies of dataset pages, keyed by the dataset's table (which names
 * its version) and the request's parameters. A dataset does not change between loads,
 * so an entry is never stale: a reload moves readers to a new table, hence new keys,
 * and the old entries age out. Bounded by bytes; 0 turns it off.
 */
export function createPageCache(maxBytes: number, onLookup?: (hit: boolean) => void) {
  const lru =
    maxBytes > 0
      ? new LRUCache<string, CachedPage>({
          maxSize: maxBytes,
          // Strings are UTF-16 in memory: two bytes a character, key and body. The field
          // names are the dataset's own strings, shared, not copies.
          sizeCalculation: (page, key) => 2 * (page.body.length + key.length),
        })
      : undefined;
  return {
    /** False when the cache is off (0 bytes): nothing is kept, so nothing is worth computing ahead. */
    enabled: lru !== undefined,
    key(tableName: string, params: Params): string {
      const names = Object.keys(params).sort();
      let k = tableName;
      for (const n of names) k += '\u0000' + JSON.stringify([n, params[n]]);
      return k;
    },
    get(key: string): CachedPage | undefined {
      const page = lru?.get(key);
      onLookup?.(page !== undefined);
      return page;
    },
    /** Whether an entry is there, without counting a lookup or making it more recently used. */
    has(key: string): boolean {
      return lru?.has(key) ?? false;
    },
    /** Keeps `body` under `key`; returns the bytes it takes, 0 when it was not kept. */
    set(key: string, body: string, used: UsedFields = NO_FIELDS): number {
      const bytes = 2 * (body.length + key.length);
      // One page can't take more than a tenth of the cache, so a few huge pages can't flush it.
      if (!lru || bytes > maxBytes / 10) return 0;
      lru.set(key, { body, used });
      return bytes;
    },
    /** The cache's size in bytes as it counts them (0: off). */
    maxBytes,
  };
}

export type PageCache = ReturnType<typeof createPageCache>;
