import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryRateLimiter } from './rate-limiter.ts';

describe('the memory rate limiter', () => {
  it('allows exactly the limit per key and window, counting down, then refuses with a reset time', async () => {
    const l = createMemoryRateLimiter({ windowSeconds: 60, keyPrefix: 't1' });
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await l.consume('k1', 3));
    assert.deepEqual(
      seen.map((d) => [d.allowed, d.remaining, d.limit]),
      [
        [true, 2, 3],
        [true, 1, 3],
        [true, 0, 3],
        [false, 0, 3],
      ],
    );
    assert.ok(seen[3].resetSeconds >= 1 && seen[3].resetSeconds <= 60);
  });

  it('keeps keys apart, also keys with different limits', async () => {
    const l = createMemoryRateLimiter({ windowSeconds: 60, keyPrefix: 't2' });
    assert.equal((await l.consume('a', 1)).allowed, true);
    assert.equal((await l.consume('a', 1)).allowed, false);
    assert.equal((await l.consume('b', 1)).allowed, true);
    assert.equal((await l.consume('c', 60)).remaining, 59);
  });

  it('opens a new window when the old one ends', async () => {
    const l = createMemoryRateLimiter({ windowSeconds: 1, keyPrefix: 't3' });
    assert.equal((await l.consume('a', 1)).allowed, true);
    assert.equal((await l.consume('a', 1)).allowed, false);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await l.consume('a', 1)).allowed, true);
  });
});
