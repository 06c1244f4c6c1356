export { createMemoryRateLimiter, createAttemptLimiter, type RateLimiter, type RateDecision, type AttemptLimiter } from './rate-limiter.ts';
