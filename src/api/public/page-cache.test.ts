import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { memoryBudget } from '../../config/memory-budget.ts';
import { NO_FIELDS } from '../../catalog/index.ts';
import { createPageCache } from './page-cache.ts';

describe('page cache', () => {
  it('keeps no more pages than its byte budget holds, the most recent ones', () => {
    // The page cache of a 64 MB budget: 8 MB.
    const budget = memoryBudget(64).pageCacheBytes;
    assert.equal(budget, 8 * 1024 * 1024);
    const cache = createPageCache(budget);
    const body = '{"code":0,"data":' + 'x'.repeat(10_000) + '}';
    const keys = Array.from({ length: 1000 }, (_, i) => cache.key('ds_t', { current: String(i + 1) }));
    for (const k of keys) cache.set(k, body);
    const held = keys.filter((k) => cache.get(k) !== undefined);
    const perPage = 2 * (body.length + keys[0].length);
    // Keys differ in length by a few characters: within one page of the exact number.
    assert.ok(Math.abs(held.length - Math.floor(budget / perPage)) <= 1, `${held.length} pages held`);
    assert.ok(held.length < keys.length);
    assert.equal(cache.get(keys.at(-1)!)?.body, body);
    assert.equal(cache.get(keys[0]), undefined);
  });

  it('refuses a page over a tenth of its budget', () => {
    const cache = createPageCache(100_000);
    const k = cache.key('ds_t', {});
    cache.set(k, 'x'.repeat(6_000));
    assert.equal(cache.get(k), undefined);
    cache.set(k, 'x'.repeat(4_000));
    assert.equal(cache.get(k)?.body, 'x'.repeat(4_000));
  });

  it('holds nothing when turned off', () => {
    const cache = createPageCache(memoryBudget(200, 0).pageCacheBytes);
    const k = cache.key('ds_t', {});
    cache.set(k, '{}');
    assert.equal(cache.get(k), undefined);
  });

  it('keeps the fields a cached page’s query named, for the hits to record', () => {
    const cache = createPageCache(100_000);
    const k = cache.key('ds_t', { status: 'open' });
    const used = { filter: ['status'], sort: [], select: [] };
    cache.set(k, '{}', used);
    assert.equal(cache.get(k)?.used, used);
    cache.set(cache.key('ds_t', {}), '{}');
    assert.equal(cache.get(cache.key('ds_t', {}))?.used, NO_FIELDS);
  });
});
