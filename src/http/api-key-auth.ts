import type { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessRegistry, Principal } from '../access/index.ts';
import type { AttemptLimiter, RateDecision, RateLimiter } from '../ratelimit/index.ts';
import type { PublicErrorCode } from '../shared/errors.ts';
import { checkKeyAccess } from './key-access.ts';
import { publicErrorReply, sendPublicError as sendPublic } from './public-replies.ts';

/** A rate-limit decision still to come, settled so that a failure is never an unhandled rejection. */
type PendingDecision = Promise<{ decision: RateDecision } | { error: unknown }>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** The rate-limit decision the gate did not wait for (see `createApiKeyGate`'s `overlap`). */
    pendingRate?: { decision: PendingDecision; headersBefore: ReadonlySet<string> };
  }
}

/**
 * The key a request presents: the `apikey` header, else an `Authorization: Bearer` token,
 * else (with `basic`, the OData feed) the password of `Authorization: Basic`, whatever
 * the user name: what Excel's and Power BI's "Basic" credential sends.
 */
export function presentedKey(req: FastifyRequest, basic = false): string | undefined {
  const h = req.headers.apikey;
  const key = Array.isArray(h) ? h[0] : h;
  if (key !== undefined && key.trim() !== '') return key.trim();
  const auth = req.headers.authorization;
  if (auth && /^bearer\s+/i.test(auth)) {
    const token = auth.replace(/^bearer\s+/i, '').trim();
    if (token) return token;
  }
  if (basic && auth && /^basic\s+/i.test(auth)) {
    // RFC 7617: base64 of "user-id:password"; the password is everything after the first colon.
    const decoded = Buffer.from(auth.replace(/^basic\s+/i, '').trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon === -1 ? '' : decoded.slice(colon + 1).trim();
    if (password) return password;
  }
  return undefined;
}

function setRateHeaders(reply: FastifyReply, d: RateDecision): void {
  reply.header('x-ratelimit-limit', d.limit);
  reply.header('x-ratelimit-remaining', d.remaining);
  reply.header('x-ratelimit-reset', d.resetSeconds);
  // draft-ietf-httpapi-ratelimit-headers: a named policy (quota, window) and its state.
  reply.header('ratelimit-policy', `"per-key";q=${d.limit};w=60`);
  reply.header('ratelimit', `"per-key";r=${d.remaining};t=${d.resetSeconds}`);
}

/**
 * The public API's gate, as a preHandler: key present and valid (failed attempts limited
 * per address), the key's CORS origins and address allowlist, its rate limit, then the
 * tenant's switch. Sets `req.principal` as soon as the key is valid, so that a 403 or a
 * 429 that follows is counted for the key. A refused address counts neither toward the
 * key's limit nor as a failed attempt: the key is real, only its place is wrong.
 */
export function createApiKeyGate(deps: {
  access: AccessRegistry;
  limiter: RateLimiter;
  attempts: AttemptLimiter;
  now: () => number;
  /** Told of every 429, for the metrics. */
  rejected?: (kind: 'key' | 'address') => void;
  /** Takes the key as the password of HTTP Basic too (the OData feed). */
  basic?: boolean;
  /** How a refusal is written; the public API's bodies unless told otherwise (the OData feed's). */
  sendError?: (reply: FastifyReply, code: PublicErrorCode, msg?: string) => FastifyReply;
  /**
   * The requests whose route may run while the rate-limit call is under way (page reads
   * of the public API); their answer waits for it in `settleRateLimit`. Only with the
   * public API's bodies (a 429 replacing an answer is written as `publicErrorReply`).
   */
  overlap?: (req: FastifyRequest) => boolean;
}) {
  const sendPublicError = deps.sendError ?? sendPublic;
  // Per key, whether this node's last decision left room for another request. Only then
  // does the route run before the decision is known: a key at or over its limit is
  // refused before any query, as always, so a client past its limit cannot make the
  // server run queries whose answers are thrown away (at most the requests in flight
  // when the limit is reached). One entry per key that made a request: keys are few.
  const roomLeft = new Map<string, boolean>();
  const decided = (keyId: string, d: RateDecision) => {
    roomLeft.set(keyId, d.allowed && d.remaining > 0);
    return d;
  };
  function attemptsLimited(reply: FastifyReply, wait: number): FastifyReply {
    deps.rejected?.('address');
    reply.header('retry-after', wait);
    sendPublicError(
      reply,
      'KEY_ATTEMPTS_LIMITED',
      `Too many invalid API keys from this address; retry in ${wait} seconds.`,
    );
    return reply;
  }

  return async function gate(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const secret = presentedKey(req, deps.basic);
    if (secret === undefined) {
      sendPublicError(reply, 'KEY_MISSING');
      return reply;
    }
    // This node's own view of blocked addresses: no I/O, so a valid key costs no Redis
    // call here. A block another node made is learnt below, at the first invalid key
    // from that address, which is refused as blocked (see redis-attempt-limiter.ts).
    const wait = deps.attempts.blockedFor(req.ip);
    if (wait > 0) return attemptsLimited(reply, wait);
    const auth = deps.access.authenticate(secret, deps.now());
    // A real key that is disabled or expired is no guess: refused before its rate limit
    // and without counting against the address. Nothing after the gate (the page cache
    // included) runs for it.
    if (!auth.ok && auth.reason === 'DISABLED') {
      sendPublicError(reply, 'KEY_DISABLED');
      return reply;
    }
    if (!auth.ok && auth.reason === 'EXPIRED') {
      sendPublicError(reply, 'KEY_EXPIRED');
      return reply;
    }
    if (!auth.ok) {
      const blocked = await deps.attempts.recordFailure(req.ip);
      if (blocked > 0) return attemptsLimited(reply, blocked);
      sendPublicError(reply, 'KEY_INVALID');
      return reply;
    }
    const p = auth.principal;
    req.principal = p;
    if (!checkKeyAccess(req, reply, p, sendPublicError)) return reply;
    // The rate-limit call (a Redis round trip with several nodes) alongside the route's
    // work, when a refusal is unlikely; the switch is checked first, so that the answers
    // (429 before 403) are the same either way.
    if (deps.overlap?.(req) && roomLeft.get(p.keyId) === true && deps.access.isEnabled(p.tenantId)) {
      const decision: PendingDecision = deps.limiter.consume(p.keyId, p.rateLimit).then(
        (d) => ({ decision: decided(p.keyId, d) }),
        (error: unknown) => ({ error }),
      );
      req.pendingRate = { decision, headersBefore: new Set(Object.keys(reply.getHeaders())) };
      return;
    }
    const d = decided(p.keyId, await deps.limiter.consume(p.keyId, p.rateLimit));
    setRateHeaders(reply, d);
    if (!d.allowed) {
      deps.rejected?.('key');
      reply.header('retry-after', d.resetSeconds);
      sendPublicError(reply, 'RATE_LIMITED', `API rate limit exceeded: ${p.rateLimit} requests per minute.`);
      return reply;
    }
    deps.access.noteUse(p.keyId, deps.now());
    if (!deps.access.isEnabled(p.tenantId)) {
      sendPublicError(reply, 'API_DISABLED');
      return reply;
    }
  };
}

/**
 * The `onSend` hook that completes an overlapped gate (registered before compression):
 * waits for the rate-limit decision, sets its headers, and when the key was over its
 * limit replaces whatever the route answered (rows, an error, a 304) with the 429 the
 * gate would have sent, without a header the route set and with its body stream (if
 * any) destroyed. Nothing the route produced leaves the server.
 */
export function createRateLimitSettler(deps: {
  access: AccessRegistry;
  now: () => number;
  rejected?: (kind: 'key' | 'address') => void;
}) {
  return async function settleRateLimit(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const pending = req.pendingRate;
    if (pending === undefined) return payload;
    req.pendingRate = undefined;
    const settled = await pending.decision;
    const p = req.principal!;
    if ('decision' in settled && settled.decision.allowed) {
      setRateHeaders(reply, settled.decision);
      deps.access.noteUse(p.keyId, deps.now());
      return payload;
    }
    // Refused, or the limiter failed (a 500, as when the gate waits): nothing of the route's answer.
    if (isStream(payload)) payload.destroy();
    for (const name of Object.keys(reply.getHeaders())) if (!pending.headersBefore.has(name)) reply.removeHeader(name);
    if ('error' in settled) throw settled.error;
    const d = settled.decision;
    setRateHeaders(reply, d);
    deps.rejected?.('key');
    reply.header('retry-after', d.resetSeconds);
    return publicErrorReply(reply, 'RATE_LIMITED', `API rate limit exceeded: ${p.rateLimit} requests per minute.`);
  };
}

function isStream(payload: unknown): payload is Readable {
  return (
    typeof (payload as Readable | null)?.pipe === 'function' && typeof (payload as Readable).destroy === 'function'
  );
}
