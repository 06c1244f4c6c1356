import type { AdminApp, AdminDeps } from './admin-context.ts';

/** (to be written) */
export function registerKeyRoutes(_admin: AdminApp, _deps: AdminDeps): void {}
