import { createHash, randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../shared/clock.ts';
import type { Store } from '../store/index.ts';
import { storedRole, type Role } from './roles.ts';

/**
 * Who an admin request acts as: a signed-in admin (`session`), or an admin token
 * (`token`), whose id and name then stand in the user's id and email.
 */
export interface Session {
  readonly via: 'session' | 'token';
  readonly userId: string;
  readonly email: string;
  /** What the admin (or the token) may do; read on every request, so a change applies at once. */
  readonly role: Role;
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly tenantName: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

// A console session ends after 12 idle hours (a working day and then some) and at the
// latest 7 days after sign-in, so a forgotten laptop doesn't stay signed in for good.
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
// The last-seen time is written at most once a minute per session, not per request.
const TOUCH_EVERY_MS = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Console sessions: an opaque cookie token (stored hashed) and a CSRF token each. */
export function createSessionService(deps: { store: Store; clock?: Clock; idleMs?: number; maxMs?: number }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const idleMs = deps.idleMs ?? SESSION_IDLE_MS;
  const maxMs = deps.maxMs ?? SESSION_MAX_MS;

  return {
    /** Starts a session; returns the cookie token (shown only here). */
    async create(user: { id: string; tenantId: string }): Promise<{ token: string }> {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      await store.db
        .insertInto('sessions')
        .values({
          tokenHash: hashToken(token),
          userId: user.id,
          tenantId: user.tenantId,
          csrfToken: randomBytes(24).toString('base64url'),
          createdAt: new Date(now).toISOString(),
          lastSeenAt: new Date(now).toISOString(),
          expiresAt: new Date(now + maxMs).toISOString(),
        })
        .execute();
      return { token };
    },

    /** The live session of this token, or undefined (unknown, idle too long, or past its end). */
    async find(token: string): Promise<Session | undefined> {
      if (!token || token.length > 100) return undefined;
      const row = await store.db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.userId')
        .innerJoin('tenants', 'tenants.id', 'sessions.tenantId')
        .select([
          'sessions.tokenHash',
          'sessions.userId',
          'sessions.tenantId',
          'sessions.csrfToken',
          'sessions.lastSeenAt',
          'sessions.expiresAt',
          'users.email',
          'users.role',
          'tenants.slug',
          'tenants.name',
        ])
        .where('sessions.tokenHash', '=', hashToken(token))
        .executeTakeFirst();
      if (!row) return undefined;
      const now = clock.now();
      const lastSeen = Date.parse(row.lastSeenAt);
      const hardEnd = Date.parse(row.expiresAt);
      if (now >= hardEnd || now - lastSeen >= idleMs) {
        await store.db.deleteFrom('sessions').where('tokenHash', '=', row.tokenHash).execute();
        return undefined;
      }
      if (now - lastSeen >= TOUCH_EVERY_MS) {
        await store.db
          .updateTable('sessions')
          .set({ lastSeenAt: new Date(now).toISOString() })
          .where('tokenHash', '=', row.tokenHash)
          .execute();
      }
      return {
        via: 'session',
        userId: row.userId,
        email: row.email,
        role: storedRole(row.role),
        tenantId: row.tenantId,
        tenantSlug: row.slug,
        tenantName: row.name,
        csrfToken: row.csrfToken,
        expiresAt: new Date(Math.min(hardEnd, Math.max(now, lastSeen) + idleMs)).toISOString(),
      };
    },

    async destroy(token: string): Promise<void> {
      await store.db.deleteFrom('sessions').where('tokenHash', '=', hashToken(token)).execute();
    },

    /** Deletes sessions past their end; run now and then. */
    async sweep(): Promise<void> {
      const now = clock.now();
      await store.db
        .deleteFrom('sessions')
        .where((eb) =>
          eb.or([
            eb('expiresAt', '<=', new Date(now).toISOString()),
            eb('lastSeenAt', '<=', new Date(now - idleMs).toISOString()),
          ]),
        )
        .execute();
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
