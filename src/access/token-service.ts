import { createHash, randomBytes } from 'node:crypto';
import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { Store } from '../store/index.ts';
import type { Session } from './session-service.ts';
import { storedRole, type Role } from './roles.ts';

/** Every admin token starts with this, so that secret scanners and people tell it from an API key. */
export const TOKEN_PREFIX = 'dgt_';
// 32 random bytes = 256 bits, as 64 hex digits: an admin token opens more than a key does.
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^dgt_[0-9a-f]{64}$/;
// A name is a label in a list, like a key's.
export const MAX_TOKEN_NAME = 200;
// The last-use time is written at most once a minute per token, not per request.
const TOUCH_EVERY_MS = 60_000;

const hashToken = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface AdminToken {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  /** `dgt_…` and the last four characters. */
  readonly hint: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
}

/** A new token with its secret, which exists only in this answer. */
export interface CreatedToken extends AdminToken {
  readonly token: string;
}

/** Why a presented token was refused; the HTTP edge turns it into a 401. */
export type TokenCheck = { ok: true; admin: Session } | { ok: false; reason: 'MALFORMED' | 'UNKNOWN' | 'EXPIRED' };

function toToken(row: {
  id: string;
  name: string;
  role: string;
  hint: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}): AdminToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    hint: row.hint,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    expiresAt: row.expiresAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Admin API tokens for scripts: one tenant each, stored as a hash, the secret shown once. */
export function createTokenService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  return {
    /** Creates a token; `expiresAt` (an ISO time in the future) or null for never. */
    async create(
      tenantId: string,
      input: { name: string; expiresAt: string | null; createdBy: string; role?: Extract<Role, 'viewer' | 'admin'> },
    ): Promise<CreatedToken> {
      const name = input.name.trim();
      if (!name) throw new DomainError('INVALID_INPUT', 'a token needs a name');
      if (name.length > MAX_TOKEN_NAME)
        throw new DomainError('INVALID_INPUT', `a token's name is at most ${MAX_TOKEN_NAME} characters`);
      if (input.expiresAt !== null && Date.parse(input.expiresAt) <= clock.now())
        throw new DomainError('INVALID_INPUT', 'the expiry time is in the past');
      const secret = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('hex');
      const row = {
        id: newId(),
        tenantId,
        name,
        role: input.role ?? 'admin',
        tokenHash: hashToken(secret),
        hint: `${TOKEN_PREFIX}…${secret.slice(-4)}`,
        createdAt: isoNow(clock),
        createdBy: input.createdBy,
        expiresAt: input.expiresAt,
        lastUsedAt: null,
      };
      await store.db.insertInto('adminTokens').values(row).execute();
      return { ...toToken(row), token: secret };
    },

    /** The tenant's tokens, newest first; never a secret. */
    async list(tenantId: string): Promise<AdminToken[]> {
      const rows = await store.db
        .selectFrom('adminTokens')
        .select(['id', 'name', 'role', 'hint', 'createdAt', 'createdBy', 'expiresAt', 'lastUsedAt'])
        .where('tenantId', '=', tenantId)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toToken);
    },

    /** Deletes a token: the next request with it is refused. */
    async revoke(tenantId: string, id: string): Promise<AdminToken> {
      const row = await store.db
        .selectFrom('adminTokens')
        .select(['id', 'name', 'role', 'hint', 'createdAt', 'createdBy', 'expiresAt', 'lastUsedAt'])
        .where('tenantId', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new DomainError('NOT_FOUND', `no token "${id}" in this tenant`);
      await store.db.deleteFrom('adminTokens').where('tenantId', '=', tenantId).where('id', '=', id).execute();
      return toToken(row);
    },

    /**
     * The admin a presented secret acts as (its tenant, its name as the actor), or why
     * not; junk is refused without a look-up.
     */
    async check(secret: string): Promise<TokenCheck> {
      if (!TOKEN_PATTERN.test(secret)) return { ok: false, reason: 'MALFORMED' };
      const row = await store.db
        .selectFrom('adminTokens')
        .innerJoin('tenants', 'tenants.id', 'adminTokens.tenantId')
        .select([
          'adminTokens.id',
          'adminTokens.name',
          'adminTokens.role',
          'adminTokens.tenantId',
          'adminTokens.expiresAt',
          'adminTokens.lastUsedAt',
          'tenants.slug',
          'tenants.name as tenantName',
        ])
        .where('adminTokens.tokenHash', '=', hashToken(secret))
        .executeTakeFirst();
      if (!row) return { ok: false, reason: 'UNKNOWN' };
      const now = clock.now();
      if (row.expiresAt !== null && Date.parse(row.expiresAt) <= now) return { ok: false, reason: 'EXPIRED' };
      if (row.lastUsedAt === null || now - Date.parse(row.lastUsedAt) >= TOUCH_EVERY_MS) {
        await store.db
          .updateTable('adminTokens')
          .set({ lastUsedAt: new Date(now).toISOString() })
          .where('id', '=', row.id)
          .execute();
      }
      return {
        ok: true,
        admin: {
          via: 'token',
          userId: row.id,
          email: row.name,
          role: storedRole(row.role) === 'owner' ? 'admin' : storedRole(row.role),
          tenantId: row.tenantId,
          tenantSlug: row.slug,
          tenantName: row.tenantName,
          // A token sends no cookie, so there is nothing for a forged cross-site request to ride on.
          csrfToken: '',
          expiresAt: row.expiresAt ?? '',
        },
      };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
