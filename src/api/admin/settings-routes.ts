import { z } from 'zod';
import { adminOf, audit, publicBaseUrl, type AdminApp, type AdminDeps } from './admin-context.ts';

/** The tenant's Enable Public API switch, and the public API facts the console shows. */
export function registerSettingsRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { tenants } = deps.access;

  admin.get(
    '/settings',
    {
      schema: {
        tags: ['settings'],
        summary: 'The Public API switch, the base URL clients call and the largest page size',
        response: {
          200: z.object({ publicApiEnabled: z.boolean(), publicBaseUrl: z.string(), maxPageSize: z.number().int() }),
        },
      },
    },
    async (req) => {
      const tenant = await tenants.find(adminOf(req).tenantSlug);
      return {
        publicApiEnabled: tenant?.publicApiEnabled ?? false,
        publicBaseUrl: publicBaseUrl(deps, req),
        maxPageSize: deps.maxPageSize,
      };
    },
  );

  admin.put(
    '/settings/public-api',
    {
      schema: {
        tags: ['settings'],
        summary: 'Turns the Public API on or off for every key of the tenant (within a second)',
        body: z.object({ enabled: z.boolean() }),
        response: { 200: z.object({ enabled: z.boolean() }) },
      },
    },
    async (req) => {
      const { enabled } = req.body;
      await tenants.setPublicApi(adminOf(req).tenantId, enabled);
      await deps.changed();
      await audit(deps, req, enabled ? 'publicApi.enable' : 'publicApi.disable', 'Public API');
      return { enabled };
    },
  );
}
