export { createMemoryRateLimiter, type RateLimiter, type RateDecision } from './rate-limiter.ts';
export { createAttemptLimiter, type AttemptLimiter, type AttemptRules } from './attempt-limiter.ts';
export { createRedisRateLimiter } from './redis-rate-limiter.ts';
export { createRedisAttemptLimiter } from './redis-attempt-limiter.ts';
export { createRedisClient, type RedisLog } from './redis-client.ts';
export { createExportSlots, type ExportSlots } from './export-slots.ts';
