import { systemClock, type Clock } from '../shared/clock.ts';

/** How many failures a subject (an address, an email) may make, and what follows. */
export interface AttemptRules {
  /** Failures within one window that block the subject; the one that reaches it blocks. */
  readonly limit: number;
  /** A fixed window, started by the subject's first failure. */
  readonly windowSeconds: number;
  /** How long a blocked subject is refused. */
  readonly blockSeconds: number;
}

/** What one recorded failure did. */
export interface FailureOutcome {
  /** Milliseconds the subject was already blocked for; the failure was not counted then. */
  readonly alreadyMs: number;
  /** Milliseconds the subject is blocked for after it (0: not blocked). */
  readonly blockedMs: number;
}

/** Where failures are counted: this node's memory, or Redis shared by every node. */
export interface AttemptStore {
  fail(subject: string): Promise<FailureOutcome>;
  /** Milliseconds the subject is blocked for, 0 when it is not. */
  blockedMs(subject: string): Promise<number>;
}

/**
 * Failed attempts (invalid API keys, wrong passwords) counted per subject; at the limit
 * the subject is refused outright for a while, so that keys and passwords can't be
 * guessed by brute force.
 */
export interface AttemptLimiter {
  /**
   * Seconds the subject must still wait as far as this node knows, or 0: no I/O, for
   * the check on every request. It knows every block it was told of by `check` or
   * `recordFailure`, whichever node made it.
   */
  blockedFor(subject: string): number;
  /** Seconds the subject must still wait, asking the shared store (Redis) when there is one. */
  check(subject: string): Promise<number>;
  /**
   * Counts a failure; the one that reaches the limit blocks the subject. Resolves with
   * the seconds to wait when the subject was blocked already (by this node or another;
   * the failure is not counted then), else 0.
   */
  recordFailure(subject: string): Promise<number>;
}

/**
 * Counts failures in this process's memory, synchronously, on the given clock.
 * Entries whose window or block has ended are swept at most once a window, so a
 * stream of one-off addresses can't grow the map beyond a window's worth of them.
 */
export function createMemoryAttemptCounter(rules: AttemptRules, clock: Clock = systemClock) {
  const windowMs = rules.windowSeconds * 1000;
  const blockMs = rules.blockSeconds * 1000;
  // `until`: the end of the counting window, or of the block once `count` reached the limit.
  const entries = new Map<string, { count: number; until: number }>();
  let sweepAt = clock.now() + windowMs;

  function live(subject: string, now: number) {
    const e = entries.get(subject);
    if (e === undefined || e.until > now) return e;
    entries.delete(subject);
    return undefined;
  }
  function sweep(now: number) {
    if (now < sweepAt) return;
    sweepAt = now + windowMs;
    for (const [subject, e] of entries) if (e.until <= now) entries.delete(subject);
  }

  return {
    fail(subject: string): FailureOutcome {
      const now = clock.now();
      sweep(now);
      let e = live(subject, now);
      if (e !== undefined && e.count >= rules.limit) return { alreadyMs: e.until - now, blockedMs: e.until - now };
      if (e === undefined) entries.set(subject, (e = { count: 0, until: now + windowMs }));
      e.count++;
      if (e.count < rules.limit) return { alreadyMs: 0, blockedMs: 0 };
      e.until = now + blockMs;
      return { alreadyMs: 0, blockedMs: blockMs };
    },
    blockedMs(subject: string): number {
      const now = clock.now();
      const e = live(subject, now);
      return e !== undefined && e.count >= rules.limit ? e.until - now : 0;
    },
  };
}

/**
 * An AttemptLimiter over a store, with this node's own view of the blocks it has been
 * told of, so that `blockedFor` needs no I/O.
 */
export function attemptLimiterOver(store: AttemptStore, clock: Clock): AttemptLimiter {
  // Subject → when its block ends. Blocked subjects are few; ended blocks are dropped
  // when looked at, and all of them at most once a minute.
  const view = new Map<string, number>();
  let sweepAt = clock.now() + 60_000;

  function learn(subject: string, ms: number): void {
    const now = clock.now();
    if (now >= sweepAt) {
      sweepAt = now + 60_000;
      for (const [s, until] of view) if (until <= now) view.delete(s);
    }
    if (ms > 0) view.set(subject, Math.max(view.get(subject) ?? 0, now + ms));
  }
  function blockedFor(subject: string): number {
    const until = view.get(subject);
    if (until === undefined) return 0;
    const left = until - clock.now();
    if (left <= 0) {
      view.delete(subject);
      return 0;
    }
    return Math.ceil(left / 1000);
  }

  return {
    blockedFor,
    async check(subject) {
      learn(subject, await store.blockedMs(subject));
      return blockedFor(subject);
    },
    async recordFailure(subject) {
      const o = await store.fail(subject);
      learn(subject, Math.max(o.alreadyMs, o.blockedMs));
      return o.alreadyMs > 0 ? Math.max(1, blockedFor(subject)) : 0;
    },
  };
}

/** Failed attempts counted in this process's memory alone (a single node, or no Redis). */
export function createAttemptLimiter(rules: AttemptRules & { clock?: Clock }): AttemptLimiter {
  const clock = rules.clock ?? systemClock;
  const counter = createMemoryAttemptCounter(rules, clock);
  return attemptLimiterOver(
    {
      fail: async (subject) => counter.fail(subject),
      blockedMs: async (subject) => counter.blockedMs(subject),
    },
    clock,
  );
}
