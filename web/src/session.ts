// The signed-in admin, shared by the shell and every page. The server is the source of
// truth: this store only remembers what GET/POST /admin/api/session answered.
import { reactive, readonly } from 'vue';
import { api, ApiError, setCsrfToken } from './api.ts';
import type { Answer, Session } from './api-types.ts';

export type { Session };
type SessionUser = Session['user'];
type SessionTenant = Session['tenant'];

interface SessionState {
  user: SessionUser | null;
  tenant: SessionTenant | null;
  expiresAt: string | null;
  /** True once GET /admin/api/session has answered (either way). */
  checked: boolean;
}

const state = reactive<SessionState>({ user: null, tenant: null, expiresAt: null, checked: false });

/** The current session, read-only: `{ user, tenant, expiresAt, checked }`; user is null when signed out. */
export function useSession() {
  return readonly(state);
}

/** Stores a session answered by the server (sign-in, setup or GET /session). */
export function setSession(s: Session): void {
  state.user = s.user;
  state.tenant = s.tenant;
  state.expiresAt = s.expiresAt;
  state.checked = true;
  setCsrfToken(s.csrfToken);
}

/** Forgets the session locally (after sign-out, or when the server says it expired). */
export function clearSession(): void {
  state.user = null;
  state.tenant = null;
  state.expiresAt = null;
  state.checked = true;
  setCsrfToken('');
}

let pending: Promise<boolean> | null = null;

/** Asks the server whether we are signed in; true when we are. Concurrent calls share one request. */
export function loadSession(): Promise<boolean> {
  if (!pending) {
    pending = api<Session>('GET', '/session')
      .then((s) => {
        setSession(s);
        return true;
      })
      .catch((err) => {
        if (err instanceof ApiError && err.status === 401) {
          clearSession();
          return false;
        }
        throw err;
      })
      .finally(() => {
        pending = null;
      });
  }
  return pending;
}

export type Role = SessionUser['role'];
const RANK: Record<Role, number> = { viewer: 0, admin: 1, owner: 2 };

/**
 * Whether the signed-in admin's role is `need` or above (reactive in templates). The
 * server decides (403 ROLE_REQUIRED); the console only hides what would be refused.
 */
export function can(need: Role): boolean {
  return !!state.user && RANK[state.user.role] >= RANK[need];
}

/** Whether the tenant still needs its first admin (GET /admin/api/setup). */
export async function setupRequired(): Promise<boolean> {
  return (await setupState()).required;
}

/** Whether the first admin is still to be created, and whether this address needs the setup code for it. */
export async function setupState(): Promise<{ required: boolean; codeRequired: boolean }> {
  try {
    const r = await api<Answer<'/admin/api/setup'>>('GET', '/setup');
    return { required: !!r.required, codeRequired: !!r.codeRequired };
  } catch {
    return { required: false, codeRequired: false };
  }
}

/** Signs out on the server (DELETE /admin/api/session) and forgets the session. */
export async function signOut(): Promise<void> {
  try {
    await api('DELETE', '/session');
  } finally {
    clearSession();
  }
}
