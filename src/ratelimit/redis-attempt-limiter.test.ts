import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisAttemptLimiter } from './redis-attempt-limiter.ts';

/** A clock that moves only when told. */
function fakeClock(start = Date.UTC(2025, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('the Redis lockouts while Redis is away, on the injected clock', () => {
  // Never connected (lazyConnect, and no command is sent while it is not ready): the
  // limiter counts in the node's own memory, as it does during an outage.
  const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
  after(() => client.disconnect());

  it('blocks at the limit and lifts the block when the fake clock passes its end, without waiting', async () => {
    const clock = fakeClock();
    const l = createRedisAttemptLimiter({
      limit: 2,
      windowSeconds: 60,
      blockSeconds: 300,
      client,
      keyPrefix: 'unit',
      name: 'key',
      clock,
    });
    assert.equal(client.status, 'wait', 'the client never connects');
    assert.equal(await l.recordFailure('10.0.0.1'), 0);
    assert.equal(await l.recordFailure('10.0.0.1'), 0, 'the failure that reaches the limit is answered as a failure');
    assert.equal(l.blockedFor('10.0.0.1'), 300);
    clock.advance(120_000);
    assert.equal(await l.recordFailure('10.0.0.1'), 180, 'refused as blocked, with the time left on the fake clock');
    assert.equal(await l.check('10.0.0.1'), 180);
    clock.advance(179_999);
    assert.equal(l.blockedFor('10.0.0.1'), 1);
    clock.advance(1);
    assert.equal(l.blockedFor('10.0.0.1'), 0);
    assert.equal(await l.check('10.0.0.1'), 0, 'the memory counter ends the block on the same clock');
    assert.equal(await l.recordFailure('10.0.0.1'), 0, 'and counts afresh');
    assert.equal(l.blockedFor('10.0.0.1'), 0);
  });
});
