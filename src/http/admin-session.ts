import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { roleAtLeast, type Role, type SessionService, type TokenService } from '../access/index.ts';
import { sendAdminError } from './admin-replies.ts';

export const SESSION_COOKIE = 'dg_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const TOKEN_REFUSED = {
  MALFORMED: 'The Authorization header holds no admin token: send "Bearer dgt_…" as printed by `token create`',
  UNKNOWN: 'The admin token is unknown or was revoked; create a new one',
  EXPIRED: 'The admin token has expired; create a new one',
} as const;

/** The token of an `Authorization: Bearer …` header; undefined without one (other schemes are not ours). */
function bearerOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return undefined;
  const m = /^Bearer\s+(.*)$/i.exec(auth.trim());
  return m ? m[1].trim() : undefined;
}

/**
 * The admin API's gate: resolves an admin token (`Authorization: Bearer dgt_…`) or else
 * the session cookie to `req.admin`, refuses requests without one (except routes marked
 * anonymous), and refuses a session's state-changing requests whose `x-csrf-token` header
 * is not the session's token. A presented token that is refused is a 401 on every route:
 * never a fall back to the cookie.
 */
export function createAdminSessionGate(deps: { sessions: SessionService; tokens: TokenService }) {
  return async function adminSessionGate(req: FastifyRequest, reply: FastifyReply) {
    const bearer = bearerOf(req);
    if (bearer !== undefined) {
      const checked = await deps.tokens.check(bearer);
      if (!checked.ok) return sendAdminError(reply, 'UNAUTHENTICATED', TOKEN_REFUSED[checked.reason]);
      // No cookie is involved, so no cross-site page can make the browser send this: no CSRF token.
      req.admin = checked.admin;
      if (req.routeOptions.config.anonymous) return;
      return checkRole(req, reply);
    }
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
    return checkRole(req, reply);
  };
}

const ROLE_WORK: Record<Role, string> = {
  viewer: 'reading',
  admin: 'changing keys, bindings, datasets, widgets and settings',
  owner: 'managing users, roles and admin tokens',
};

/**
 * Refuses a request whose admin's role is below the route's: its `config.role`, else
 * `viewer` for reads and `admin` for changes. Runs before the body is read.
 */
function checkRole(req: FastifyRequest, reply: FastifyReply) {
  const need = req.routeOptions.config.role ?? (SAFE_METHODS.has(req.method) ? 'viewer' : 'admin');
  const have = req.admin!.role;
  if (roleAtLeast(have, need)) return;
  const who = req.admin!.via === 'token' ? 'this token is' : 'you are';
  return sendAdminError(
    reply,
    'ROLE_REQUIRED',
    `This needs the ${need} role (${ROLE_WORK[need]}); ${who} ${have === 'admin' ? 'an' : 'a'} ${have}`,
  );
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
