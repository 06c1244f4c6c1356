const MB = 1024 * 1024;

/** `DATAGATE_MEMORY_MB` when unset. */
export const DEFAULT_MEMORY_MB = 200;

/**
 * How `DATAGATE_MEMORY_MB` is shared between the parts of a server that grow with load.
 * The rest of the budget is the process itself: Node, V8's compiled code and the
 * modules (about 85 MB resident once started), and the V8 heap that requests use
 * while they run. V8's heap is sized by how node is started, not here: the service unit
 * and the image start the server with `--optimize-for-size`, which keeps the heap near
 * what is live. Set from inside the process (through `node:v8`), as it once was,
 * the flag put about one server start in three into a state where every request cost
 * three times the CPU (scavenges of 2–10 ms instead of 0.3–0.6 ms); V8 flags changed
 * after V8 has started are not supported.
 */
export interface MemoryBudget {
  /** The page cache (finished pages and widget results), in bytes as it counts them. */
  readonly pageCacheBytes: number;
  /** Cached row counts of filtered pages, in bytes of their keys. */
  readonly countCacheBytes: number;
  /** SQLite's page cache of each connection, in KiB (`PRAGMA cache_size = -N`). */
  readonly sqliteCacheKib: number;
}

// The shares of the budget. At the default 200 MB: 25 MB of pages (~8,000 typical
// ones), 3 MB of count keys (~5,000 counts), 8 MB of SQLite pages per connection.
const PAGE_CACHE_SHARE = 1 / 8;
const COUNT_CACHE_SHARE = 1 / 64;
const SQLITE_CACHE_SHARE = 1 / 25;

/** The sizes without a budget (`DATAGATE_MEMORY_MB=0`): what the parts used before they were budgeted. */
const UNBUDGETED = {
  pageCacheBytes: 32 * MB,
  countCacheBytes: 16 * MB,
  // better-sqlite3's compiled-in default (SQLITE_DEFAULT_CACHE_SIZE=-16000).
  sqliteCacheKib: 16_000,
} as const;

/**
 * The budget of each part, from `memoryMb` (0: no budget) and an explicit page cache
 * size in MB (`DATAGATE_PAGE_CACHE_MB`), which wins over its share when given.
 */
export function memoryBudget(memoryMb: number, pageCacheMb?: number): MemoryBudget {
  const shared =
    memoryMb === 0
      ? UNBUDGETED
      : {
          pageCacheBytes: Math.floor(memoryMb * MB * PAGE_CACHE_SHARE),
          countCacheBytes: Math.floor(memoryMb * MB * COUNT_CACHE_SHARE),
          sqliteCacheKib: Math.floor(memoryMb * 1024 * SQLITE_CACHE_SHARE),
        };
  return Object.freeze({
    ...shared,
    pageCacheBytes: pageCacheMb === undefined ? shared.pageCacheBytes : pageCacheMb * MB,
  });
}
