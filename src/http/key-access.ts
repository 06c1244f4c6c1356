import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../access/index.ts';
import { parseOrigin } from '../shared/network.ts';
import { sendPublicError } from './public-replies.ts';

// What a browser script may read of an answer besides the CORS-safelisted headers: the
// paging total, the data version, the request id and the rate-limit state.
const EXPOSED =
  'X-Request-Id, X-Total-Count, X-Dataset-Version, ETag, Retry-After, ' +
  'X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, RateLimit, RateLimit-Policy';
// Browsers keep a preflight's answer at most 2 h (Chromium) or 24 h (Firefox); the answer
// depends on nothing a key can change, so the longest that every browser honours.
const PREFLIGHT_MAX_AGE = '7200';

/**
 * The per-key checks that follow a resolved key, for every prefix of the public API
 * (`/api/`, and `/odata/` the same way): CORS headers for a listed Origin, then the
 * address allowlist. In memory, on the principal's own snapshot; false when it answered.
 */
export function checkKeyAccess(
  req: FastifyRequest,
  reply: FastifyReply,
  p: Principal,
  send: (reply: FastifyReply, code: 'KEY_ADDRESS_REFUSED') => FastifyReply = sendPublicError,
): boolean {
  if (p.corsOrigins !== null) {
    // The answer of a key with a list depends on Origin, whether or not this one is listed.
    reply.header('vary', 'Origin');
    const origin = req.headers.origin;
    // Compared as sent: browsers send the serialised origin (lower case, no default port,
    // no slash), which is how the list keeps it; anything else is not a browser's and is not echoed.
    if (typeof origin === 'string' && p.corsOrigins.has(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', EXPOSED);
    }
  }
  if (p.allowIps !== null && !p.allowIps.allows(req.ip)) {
    send(reply, 'KEY_ADDRESS_REFUSED');
    return false;
  }
  return true;
}

/**
 * Answers CORS preflights under `prefix` (every path, without a key): 204 allowing GET and
 * POST with the headers a key travels in. A preflight can't carry the key, so it allows any
 * well-formed origin (echoed, with Vary: Origin); whether a browser may read the answer is
 * decided by the actual response, which carries Access-Control-Allow-Origin only for the
 * key's listed origins.
 */
export function registerPreflight(app: FastifyInstance, prefix: '/api' | '/odata'): void {
  const handler = (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    reply.header('vary', 'Origin');
    if (typeof origin === 'string') {
      const p = parseOrigin(origin);
      if (p.ok && p.value === origin) reply.header('access-control-allow-origin', origin);
    }
    reply.header('access-control-allow-methods', 'GET, POST');
    reply.header('access-control-allow-headers', 'apikey, authorization, content-type');
    reply.header('access-control-max-age', PREFLIGHT_MAX_AGE);
    return reply.code(204).send();
  };
  app.options(prefix, handler);
  app.options(`${prefix}/*`, handler);
}
