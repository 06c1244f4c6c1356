import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { Kysely } from 'kysely';
import type { ControlSchema, Store } from '../store/index.ts';
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from './password.ts';
import { storedRole, type Role } from './roles.ts';

export interface User {
  readonly id: string;
  readonly tenantId: string;
  readonly email: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly lastSignInAt: string | null;
}

// Loose on purpose: one @, something on each side, no spaces. Whether it receives mail
// is not datagate's business; it is a sign-in name.
const EMAIL = /^[^\s@]+@[^\s@]+$/;
// NIST SP 800-63B: at least 8 characters; 1024 bounds the hashing work per attempt.
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;

function normaliseEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e) || e.length > 320) throw new DomainError('INVALID_INPUT', `"${email}" is not an email address`);
  return e;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD)
    throw new DomainError('INVALID_INPUT', `a password needs at least ${MIN_PASSWORD} characters`);
  if (password.length > MAX_PASSWORD)
    throw new DomainError('INVALID_INPUT', `a password is at most ${MAX_PASSWORD} characters`);
}

function toUser(row: {
  id: string;
  tenantId: string;
  email: string;
  role: string;
  createdAt: string;
  lastSignInAt: string | null;
}): User {
  return {
    id: row.id,
    tenantId: row.tenantId,
    email: row.email,
    role: storedRole(row.role),
    createdAt: row.createdAt,
    lastSignInAt: row.lastSignInAt,
  };
}

/** The console's admins: one tenant each, signed in by email and password. */
export function createUserService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  /** How many owners the tenant has (in `db`, a transaction when given). */
  async function owners(tenantId: string, db: Kysely<ControlSchema> = store.db): Promise<number> {
    const r = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenantId', '=', tenantId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  const lastOwner = (email: string) =>
    new DomainError('CONFLICT', `${email} is the tenant's last owner; make another admin owner first`);

  return {
    /** Adds an admin; without a role, the tenant's first user is its owner and later ones are admins. */
    async create(tenantId: string, input: { email: string; password: string; role?: Role }): Promise<User> {
      const email = normaliseEmail(input.email);
      checkPassword(input.password);
      const taken = await store.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (taken) throw new DomainError('CONFLICT', `a user with the email ${email} exists already`);
      const role = input.role ?? ((await owners(tenantId)) === 0 ? 'owner' : 'admin');
      const row = {
        id: newId(),
        tenantId,
        email,
        role,
        passwordHash: await hashPassword(input.password),
        createdAt: isoNow(clock),
        lastSignInAt: null,
      };
      await store.db.insertInto('users').values(row).execute();
      return toUser(row);
    },

    async count(tenantId: string): Promise<number> {
      const r = await store.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('tenantId', '=', tenantId)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async list(tenantId: string): Promise<User[]> {
      const rows = await store.db
        .selectFrom('users')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .orderBy('createdAt')
        .execute();
      return rows.map(toUser);
    },

    async get(tenantId: string, id: string): Promise<User> {
      const row = await store.db
        .selectFrom('users')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new DomainError('NOT_FOUND', `no user "${id}" in this tenant`);
      return toUser(row);
    },

    /**
     * Changes a user's role; the tenant's last owner keeps theirs (CONFLICT). Returns the
     * user before and after.
     */
    async setRole(tenantId: string, id: string, role: Role): Promise<{ before: User; after: User }> {
      return store.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('users')
          .selectAll()
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) throw new DomainError('NOT_FOUND', `no user "${id}" in this tenant`);
        const before = toUser(row);
        if (before.role === 'owner' && role !== 'owner' && (await owners(tenantId, trx)) <= 1)
          throw lastOwner(before.email);
        await trx.updateTable('users').set({ role }).where('id', '=', id).execute();
        return { before, after: { ...before, role } };
      });
    },

    /** Removes a user, their sessions and their favourites; never the tenant's last owner (CONFLICT). */
    async remove(tenantId: string, id: string): Promise<void> {
      const res = await store.db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('users')
          .select(['email', 'role'])
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        if (row && row.role === 'owner' && (await owners(tenantId, trx)) <= 1) throw lastOwner(row.email);
        await trx.deleteFrom('sessions').where('userId', '=', id).where('tenantId', '=', tenantId).execute();
        await trx.deleteFrom('favourites').where('userId', '=', id).where('tenantId', '=', tenantId).execute();
        return trx.deleteFrom('users').where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst();
      });
      if (Number(res.numDeletedRows) === 0) throw new DomainError('NOT_FOUND', `no user "${id}" in this tenant`);
    },

    /** The user whose email and password these are, or undefined; takes as long either way. */
    async verify(email: string, password: string): Promise<User | undefined> {
      const row = await store.db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email.trim().toLowerCase())
        .executeTakeFirst();
      if (!row || password.length > MAX_PASSWORD) {
        await verifyPassword(password.slice(0, MAX_PASSWORD), await DUMMY_HASH_PROMISE);
        return undefined;
      }
      if (!(await verifyPassword(password, row.passwordHash))) return undefined;
      const now = isoNow(clock);
      await store.db.updateTable('users').set({ lastSignInAt: now }).where('id', '=', row.id).execute();
      return toUser({ ...row, lastSignInAt: now });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
