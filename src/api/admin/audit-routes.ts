import type { AdminApp, AdminDeps } from './admin-context.ts';

/** (to be written) */
export function registerAuditRoutes(_admin: AdminApp, _deps: AdminDeps): void {}
