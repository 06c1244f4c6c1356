import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { toDecision, type RateLimiter } from './rate-limiter.ts';

/**
 * Limits shared by every node through Redis (one atomic script per request), with the
 * node's own memory limiter standing in while Redis is unreachable.
 */
export function createRedisRateLimiter(opts: { client: Redis; windowSeconds: number; keyPrefix: string }): RateLimiter {
  const limiters = new Map<number, RateLimiterRedis>();
  function limiterFor(limit: number): RateLimiterRedis {
    let l = limiters.get(limit);
    if (!l) {
      l = new RateLimiterRedis({
        storeClient: opts.client,
        points: limit,
        duration: opts.windowSeconds,
        keyPrefix: `${opts.keyPrefix}:rl:${limit}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points: limit, duration: opts.windowSeconds, keyPrefix: `insured:${limit}` }),
      });
      limiters.set(limit, l);
    }
    return l;
  }
  return {
    async consume(key, limit) {
      try {
        return toDecision(await limiterFor(limit).consume(key), limit, true);
      } catch (e) {
        if (e instanceof RateLimiterRes) return toDecision(e, limit, false);
        throw e;
      }
    },
  };
}
