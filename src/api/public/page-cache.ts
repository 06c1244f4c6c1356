import { LRUCache } from 'lru-cache';
import type { Params } from '../../catalog/index.ts';

/**
 * Finished response bodies of dataset pages, keyed by the dataset's table (which names
 * its version) and the request's parameters. A dataset does not change between loads,
 * so an entry is never stale: a reload moves readers to a new table, hence new keys,
 * and the old entries age out. Bounded by bytes; 0 turns it off.
 */
export function createPageCache(maxBytes: number, onLookup?: (hit: boolean) => void) {
  const lru =
    maxBytes > 0
      ? new LRUCache<string, string>({
          maxSize: maxBytes,
          // Strings are UTF-16 in memory: two bytes a character, key and body.
          sizeCalculation: (body, key) => 2 * (body.length + key.length),
        })
      : undefined;
  return {
    key(tableName: string, params: Params): string {
      const names = Object.keys(params).sort();
      let k = tableName;
      for (const n of names) k += '\u0000' + JSON.stringify([n, params[n]]);
      return k;
    },
    get(key: string): string | undefined {
      const body = lru?.get(key);
      onLookup?.(body !== undefined);
      return body;
    },
    set(key: string, body: string): void {
      // One page can't take more than a tenth of the cache, so a few huge pages can't flush it.
      if (lru && 2 * (body.length + key.length) <= maxBytes / 10) lru.set(key, body);
    },
  };
}

export type PageCache = ReturnType<typeof createPageCache>;
