export { createMemoryRateLimiter, createAttemptLimiter, type RateLimiter, type RateDecision, type AttemptLimiter } from './rate-limiter.ts';
export { createRedisRateLimiter } from './redis-rate-limiter.ts';
export { createRedisClient, type RedisLog } from './redis-client.ts';
