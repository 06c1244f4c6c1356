import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COUNT_ENTRY_OVERHEAD, createCountCache } from './count-cache.ts';

describe('count cache', () => {
  it('holds no more bytes than its budget, dropping the least recently used', () => {
    const budget = 256 * 1024;
    const c = createCountCache(budget);
    const key = (i: number) => `ds_t\nselect count(*) from "ds_t" where "c" >= ?\n${i}`.padEnd(300, ' ');
    for (let i = 0; i < 1000; i++) {
      c.set(key(i), i);
      assert.ok(c.bytes <= budget, `${c.bytes} bytes after ${i + 1} counts`);
    }
    const perEntry = 2 * key(0).length + COUNT_ENTRY_OVERHEAD;
    assert.equal(c.size, Math.floor(budget / perEntry));
    assert.equal(c.get(key(999)), 999);
    assert.equal(c.get(key(0)), undefined);
  });

  it('refuses a key over a hundredth of the budget, and keeps what it holds', () => {
    const c = createCountCache(100_000);
    c.set('small', 1);
    c.set('x'.repeat(1000), 2);
    assert.equal(c.get('x'.repeat(1000)), undefined);
    assert.equal(c.get('small'), 1);
  });

  it('holds nothing with a budget of 0', () => {
    const c = createCountCache(0);
    c.set('k', 1);
    assert.equal(c.get('k'), undefined);
    assert.equal(c.bytes, 0);
  });
});
