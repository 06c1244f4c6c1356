import type { AdminApp, AdminDeps } from './admin-context.ts';

/** (to be written) */
export function registerWidgetRoutes(_admin: AdminApp, _deps: AdminDeps): void {}
