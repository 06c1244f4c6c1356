import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptLimiterOver, createAttemptLimiter, type AttemptStore } from './attempt-limiter.ts';

/** A clock that moves only when told. */
function fakeClock(start = Date.UTC(2025, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('the failed-attempt limiter', () => {
  it('blocks a subject at its limit, for the block time, and no other subject', async () => {
    const clock = fakeClock();
    const l = createAttemptLimiter({ limit: 2, windowSeconds: 60, blockSeconds: 300, clock });
    assert.equal(l.blockedFor('1.1.1.1'), 0);
    assert.equal(await l.recordFailure('1.1.1.1'), 0);
    assert.equal(l.blockedFor('1.1.1.1'), 0);
    assert.equal(await l.recordFailure('1.1.1.1'), 0, 'the failure that reaches the limit is answered as a failure');
    assert.equal(l.blockedFor('1.1.1.1'), 300);
    assert.equal(await l.check('1.1.1.1'), 300);
    assert.equal(l.blockedFor('2.2.2.2'), 0);
    assert.equal(await l.check('2.2.2.2'), 0);
  });

  it('ends a block exactly when its time is up, and counts afresh after it', async () => {
    const clock = fakeClock();
    const l = createAttemptLimiter({ limit: 3, windowSeconds: 60, blockSeconds: 300, clock });
    for (let i = 0; i < 3; i++) await l.recordFailure('a');
    clock.advance(299_000);
    assert.equal(l.blockedFor('a'), 1);
    clock.advance(999);
    assert.equal(l.blockedFor('a'), 1, 'a part of a second left is still a second to wait');
    clock.advance(1);
    assert.equal(l.blockedFor('a'), 0);
    assert.equal(await l.check('a'), 0);
    assert.equal(await l.recordFailure('a'), 0);
    assert.equal(await l.recordFailure('a'), 0);
    assert.equal(l.blockedFor('a'), 0, 'two failures after the block are two, not five');
  });

  it('forgets failures when their window ends without reaching the limit', async () => {
    const clock = fakeClock();
    const l = createAttemptLimiter({ limit: 3, windowSeconds: 60, blockSeconds: 300, clock });
    await l.recordFailure('a');
    await l.recordFailure('a');
    clock.advance(60_000);
    await l.recordFailure('a');
    await l.recordFailure('a');
    assert.equal(l.blockedFor('a'), 0);
    clock.advance(59_999);
    await l.recordFailure('a');
    assert.equal(l.blockedFor('a'), 300, 'three failures within the second window block');
  });

  it('does not count, nor lengthen the block with, failures while blocked, and says how long is left', async () => {
    const clock = fakeClock();
    const l = createAttemptLimiter({ limit: 1, windowSeconds: 60, blockSeconds: 10, clock });
    assert.equal(await l.recordFailure('a'), 0);
    clock.advance(4_000);
    assert.equal(await l.recordFailure('a'), 6);
    clock.advance(6_000);
    assert.equal(l.blockedFor('a'), 0);
  });

  it('learns a block from its store when checking or recording, and then answers without asking', async () => {
    const clock = fakeClock();
    // A store that another node has filled: subject "b" is blocked for 90 s.
    const asked: string[] = [];
    const store: AttemptStore = {
      async fail(subject) {
        asked.push(`fail ${subject}`);
        return subject === 'b' ? { alreadyMs: 90_000, blockedMs: 90_000 } : { alreadyMs: 0, blockedMs: 0 };
      },
      async blockedMs(subject) {
        asked.push(`check ${subject}`);
        return subject === 'b' ? 90_000 : 0;
      },
    };
    const l = attemptLimiterOver(store, clock);
    assert.equal(l.blockedFor('b'), 0, 'not known here yet');
    assert.equal(await l.recordFailure('b'), 90);
    assert.equal(l.blockedFor('b'), 90);
    clock.advance(30_000);
    assert.equal(l.blockedFor('b'), 60);
    assert.equal(await l.check('c'), 0);
    assert.deepEqual(asked, ['fail b', 'check c']);
    clock.advance(60_000);
    assert.equal(l.blockedFor('b'), 0);
  });
});
