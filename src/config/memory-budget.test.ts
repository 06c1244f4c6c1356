import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import { DEFAULT_MEMORY_MB, memoryBudget } from './memory-budget.ts';

const MB = 1024 * 1024;

describe('memory budget', () => {
  it('shares DATAGATE_MEMORY_MB between the page cache, the count cache and SQLite', () => {
    const b = memoryBudget(200);
    assert.equal(b.pageCacheBytes, 25 * MB);
    assert.equal(b.countCacheBytes, Math.floor((200 * MB) / 64));
    assert.equal(b.sqliteCacheKib, 8192);
    // Half the budget, half of every part.
    const half = memoryBudget(100);
    assert.equal(half.pageCacheBytes, b.pageCacheBytes / 2);
    assert.equal(half.countCacheBytes, Math.floor(b.countCacheBytes / 2));
    assert.equal(half.sqliteCacheKib, b.sqliteCacheKib / 2);
    // The parts leave most of the budget to the process itself.
    assert.ok(b.pageCacheBytes + b.countCacheBytes + b.sqliteCacheKib * 1024 < 0.2 * 200 * MB);
  });

  it('takes an explicit page cache size over its share, 0 included', () => {
    assert.equal(memoryBudget(200, 64).pageCacheBytes, 64 * MB);
    assert.equal(memoryBudget(200, 0).pageCacheBytes, 0);
    assert.equal(memoryBudget(200, 0).sqliteCacheKib, 8192);
  });

  it('without a budget (0), keeps the fixed sizes', () => {
    const b = memoryBudget(0);
    assert.equal(b.pageCacheBytes, 32 * MB);
    assert.equal(b.sqliteCacheKib, 16_000);
  });

  it('is read from the environment: default, a value, and refusals', () => {
    assert.equal(loadConfig({}).memoryMb, DEFAULT_MEMORY_MB);
    assert.equal(loadConfig({}).api.pageCacheMb, undefined);
    assert.equal(loadConfig({ DATAGATE_MEMORY_MB: '512', DATAGATE_PAGE_CACHE_MB: '0' }).memoryMb, 512);
    assert.equal(loadConfig({ DATAGATE_PAGE_CACHE_MB: '0' }).api.pageCacheMb, 0);
    assert.equal(loadConfig({ DATAGATE_MEMORY_MB: '0' }).memoryMb, 0);
    for (const bad of ['10', '-1', 'lots', '1.5']) {
      assert.throws(
        () => loadConfig({ DATAGATE_MEMORY_MB: bad }),
        (e: unknown) => e instanceof ConfigError && /memoryMb/.test(e.message),
        bad,
      );
    }
  });
});
