import type { AdminApp, AdminDeps } from './admin-context.ts';

/** (to be written) */
export function registerSettingsRoutes(_admin: AdminApp, _deps: AdminDeps): void {}
