import { z } from 'zod';
import { adminOf, type AdminApp, type AdminDeps } from './admin-context.ts';

// 50 entries fill a screen; 200 is the audit service's own cap per page.
const DEFAULT_SIZE = 50;
const MAX_SIZE = 200;

/** The tenant's audit log, newest first. */
export function registerAuditRoutes(admin: AdminApp, deps: AdminDeps): void {
  admin.get(
    '/audit',
    {
      schema: {
        tags: ['audit'],
        summary: 'Who changed what, when and from where; newest first',
        querystring: z.object({
          page: z.coerce.number().int().min(1).default(1),
          size: z.coerce.number().int().min(1).max(MAX_SIZE).default(DEFAULT_SIZE),
          action: z.string().max(100).optional().describe('Only this action, e.g. key.create'),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                at: z.string(),
                actor: z.string(),
                action: z.string(),
                target: z.string(),
                detail: z.string(),
                ip: z.string(),
              }),
            ),
            total: z.number().int(),
          }),
        },
      },
    },
    async (req) => {
      const { page, size, action } = req.query;
      return deps.access.audit.list(adminOf(req).tenantId, { page, size, action: action || undefined });
    },
  );
}
