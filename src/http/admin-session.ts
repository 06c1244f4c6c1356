import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionService } from '../access/index.ts';
import { sendAdminError } from './admin-replies.ts';

export const SESSION_COOKIE = 'dg_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The admin API's gate: resolves the session cookie to `req.admin`, refuses requests
 * without one (except routes marked anonymous), and refuses state-changing requests
 * whose `x-csrf-token` header is not the session's token.
 */
export function createAdminSessionGate(deps: { sessions: SessionService }) {
  return async function adminSessionGate(req: FastifyRequest, reply: FastifyReply) {
    const token = req.cookies[SESSION_COOKIE];
    req.admin = token ? ((await deps.sessions.find(token)) ?? null) : null;
    if (req.routeOptions.config.anonymous) return;
    if (!req.admin)
      return sendAdminError(
        reply,
        'UNAUTHENTICATED',
        'You are not signed in, or your session has expired; sign in again',
      );
    if (!SAFE_METHODS.has(req.method)) {
      const given = req.headers['x-csrf-token'];
      if (typeof given !== 'string' || !sameToken(given, req.admin.csrfToken)) {
        return sendAdminError(
          reply,
          'CSRF_INVALID',
          'This request needs the x-csrf-token header of your session (reload the page)',
        );
      }
    }
  };
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Secure when the request came over https. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.protocol === 'https',
    maxAge: maxAgeSeconds,
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https' });
}
