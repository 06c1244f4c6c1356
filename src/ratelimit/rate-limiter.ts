import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/** One decision about one request. */
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Whole seconds until the window resets (at least 1 while a window is open). */
  readonly resetSeconds: number;
}

/** Per-key request limits over a fixed window. Memory now; a shared store plugs in behind the same interface. */
export interface RateLimiter {
  consume(key: string, limit: number): Promise<RateDecision>;
}

/** A rate-limiter-flexible result as a decision. */
export function toDecision(res: RateLimiterRes, limit: number, allowed: boolean): RateDecision {
  return {
    allowed,
    limit,
    remaining: Math.max(0, limit - res.consumedPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
  };
}

/** Limits kept in this process's memory, one fixed window per key. */
export function createMemoryRateLimiter(opts: { windowSeconds: number; keyPrefix?: string }): RateLimiter {
  return limiterPerLimit(
    (limit) =>
      new RateLimiterMemory({
        points: limit,
        duration: opts.windowSeconds,
        keyPrefix: `${opts.keyPrefix ?? 'rl'}:${limit}`,
      }),
  );
}

/**
 * A RateLimiter over rate-limiter-flexible, which fixes the points per limiter while
 * keys differ in their limits: one limiter per distinct limit, made on first use.
 */
export function limiterPerLimit(make: (limit: number) => RateLimiterAbstract): RateLimiter {
  const limiters = new Map<number, RateLimiterAbstract>();
  return {
    async consume(key, limit) {
      let l = limiters.get(limit);
      if (!l) limiters.set(limit, (l = make(limit)));
      try {
        return toDecision(await l.consume(key), limit, true);
      } catch (e) {
        if (e instanceof RateLimiterRes) return toDecision(e, limit, false);
        throw e;
      }
    },
  };
}
