import v8 from 'node:v8';

const MB = 1024 * 1024;

/** `DATAGATE_MEMORY_MB` when unset. */
export const DEFAULT_MEMORY_MB = 200;

/**
 * How `DATAGATE_MEMORY_MB` is shared between the parts of a server that grow with load.
 * The rest of the budget is the process itself: Node, V8's compiled code and the
 * modules (about 85 MB resident once started), and the V8 heap that requests use
 * while they run.
 */
export interface MemoryBudget {
  /** The page cache (finished pages and widget results), in bytes as it counts them. */
  readonly pageCacheBytes: number;
  /** Cached row counts of filtered pages, in bytes of their keys. */
  readonly countCacheBytes: number;
  /** SQLite's page cache of each connection, in KiB (`PRAGMA cache_size = -N`). */
  readonly sqliteCacheKib: number;
  /** Whether V8 is told to keep its heap small rather than grow it for speed. */
  readonly compactHeap: boolean;
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
  compactHeap: false,
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
          compactHeap: true,
        };
  return Object.freeze({
    ...shared,
    pageCacheBytes: pageCacheMb === undefined ? shared.pageCacheBytes : pageCacheMb * MB,
  });
}

/**
 * Applies the budget's heap part to this process. V8 grows its heap up to several times
 * what is live before it collects, to spend less time collecting: under a long load of
 * new queries that doubled the server's resident memory. `--optimize-for-size` keeps the
 * heap near what is live; V8 reads it at every collection, so it works when set at run
 * time (measured: RELIABILITY.md). Process-wide: the commands that serve call it, never
 * a library or a test.
 */
export function applyHeapBudget(budget: MemoryBudget): void {
  if (budget.compactHeap) v8.setFlagsFromString('--optimize-for-size');
}
