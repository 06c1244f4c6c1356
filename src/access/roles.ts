import { DomainError } from '../shared/errors.ts';

/**
 * What a console admin (or an admin token) may do, each role everything of the one
 * before: `viewer` reads (never a key's secret), `admin` also changes keys, bindings,
 * datasets, widgets and the Public API switch, `owner` also manages users, roles and
 * admin tokens.
 */
export const ROLES = ['viewer', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** The roles an admin token may have: never owner, so that a leaked token can't make users or more tokens. */
export const TOKEN_ROLES = ['viewer', 'admin'] as const satisfies readonly Role[];

/** Whether `have` is `need` or above it. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** A stored or given role, checked; an unknown one is INVALID_INPUT naming the choices. */
export function parseRole(raw: string, allowed: readonly Role[] = ROLES): Role {
  const r = raw.trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(r))
    throw new DomainError('INVALID_INPUT', `"${raw}" is not a role: use ${allowed.join(', ')}`);
  return r as Role;
}

/** A role read from the database: anything unknown counts as the least, so a bad row fails closed. */
export function storedRole(raw: string): Role {
  return (ROLES as readonly string[]).includes(raw) ? (raw as Role) : 'viewer';
}
