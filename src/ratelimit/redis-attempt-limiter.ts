import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../shared/clock.ts';
import {
  attemptLimiterOver,
  createMemoryAttemptCounter,
  type AttemptLimiter,
  type AttemptRules,
} from './attempt-limiter.ts';

// One key per subject holds its failure count; its time to live is the rest of the
// counting window, and from the failure that reaches the limit on, the rest of the
// block. Each script is one atomic call, so that failures made at the same moment on
// several nodes are counted exactly once each.
// KEYS[1] the subject's key; ARGV limit, window ms, block ms. Returns {already ms, blocked ms}.
const FAIL = `
local limit = tonumber(ARGV[1])
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= limit then
  local left = redis.call('PTTL', KEYS[1])
  if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    left = tonumber(ARGV[3])
  end
  return {left, left}
end
n = redis.call('INCR', KEYS[1])
if n >= limit then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {0, tonumber(ARGV[3])}
end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return {0, 0}
`;
// KEYS[1] the subject's key; ARGV limit. Returns the block's milliseconds left, or 0.
const BLOCKED = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then return 0 end
return left
`;

/** The two scripts, defined on the client once and run by their SHA (EVALSHA). */
interface AttemptCommands {
  datagateAttemptFail(key: string, limit: number, windowMs: number, blockMs: number): Promise<[number, number]>;
  datagateAttemptBlocked(key: string, limit: number): Promise<number>;
}

/**
 * Failed attempts counted in Redis, shared by every node and kept across restarts: one
 * atomic script per check and per failure. While Redis is unreachable (the client
 * refuses commands at once, see redis-client.ts) the node counts in its own memory,
 * as the key limits do.
 *
 * `blockedFor`, the check made on every public request, asks nobody: it answers from the
 * blocks this node has learnt of, from its own failures' answers or from `check`. A
 * block made by another node is learnt at the first failure from that subject here,
 * which is then refused as blocked. So a guesser's invalid keys are refused on every
 * node once the address is blocked; only a valid key, which a guesser (against 160
 * random bits) does not have, may still pass on a node that has had no failure from the
 * address yet. Asking Redis on every request instead would cost every valid key a
 * round trip.
 */
export function createRedisAttemptLimiter(
  opts: AttemptRules & { client: Redis; keyPrefix: string; name: string; clock?: Clock },
): AttemptLimiter {
  const clock = opts.clock ?? systemClock;
  const { client } = opts;
  client.defineCommand('datagateAttemptFail', { numberOfKeys: 1, lua: FAIL });
  client.defineCommand('datagateAttemptBlocked', { numberOfKeys: 1, lua: BLOCKED });
  const redis = client as unknown as AttemptCommands;
  const own = createMemoryAttemptCounter(opts, clock);
  const key = (subject: string) => `${opts.keyPrefix}:attempts:${opts.name}:${subject}`;
  const windowMs = opts.windowSeconds * 1000;
  const blockMs = opts.blockSeconds * 1000;

  return attemptLimiterOver(
    {
      async fail(subject) {
        if (client.status === 'ready') {
          try {
            const [alreadyMs, blockedMs] = await redis.datagateAttemptFail(key(subject), opts.limit, windowMs, blockMs);
            return { alreadyMs: Number(alreadyMs), blockedMs: Number(blockedMs) };
          } catch {
            // Redis went away mid-call (the client logs the outage once): count here.
          }
        }
        return own.fail(subject);
      },
      async blockedMs(subject) {
        if (client.status === 'ready') {
          try {
            return Number(await redis.datagateAttemptBlocked(key(subject), opts.limit));
          } catch {
            // As above.
          }
        }
        return own.blockedMs(subject);
      },
    },
    clock,
  );
}
