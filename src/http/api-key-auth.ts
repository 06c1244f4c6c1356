import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessRegistry, Principal } from '../access/index.ts';
import type { AttemptLimiter, RateDecision, RateLimiter } from '../ratelimit/index.ts';
import type { PublicErrorCode } from '../shared/errors.ts';
import { checkKeyAccess } from './key-access.ts';
import { sendPublicError as sendPublic } from './public-replies.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
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
}) {
  const sendPublicError = deps.sendError ?? sendPublic;
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
    const d = await deps.limiter.consume(p.keyId, p.rateLimit);
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
