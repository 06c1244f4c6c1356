import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { limiterPerLimit, type RateLimiter } from './rate-limiter.ts';

/**
 * Limits shared by every node through Redis (one atomic script per request), with the
 * node's own memory limiter standing in while Redis is unreachable.
 */
export function createRedisRateLimiter(opts: { client: Redis; windowSeconds: number; keyPrefix: string }): RateLimiter {
  return limiterPerLimit(
    (limit) =>
      new RateLimiterRedis({
        storeClient: opts.client,
        points: limit,
        duration: opts.windowSeconds,
        keyPrefix: `${opts.keyPrefix}:rl:${limit}`,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({
          points: limit,
          duration: opts.windowSeconds,
          keyPrefix: `insured:${limit}`,
        }),
      }),
  );
}
