import { z } from 'zod';
import { MAX_REPORT_HOURS } from '../../access/index.ts';
import { adminOf, lastUsedAt, type AdminApp, type AdminDeps } from './admin-context.ts';

const usageQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_REPORT_HOURS)
    .default(24)
    .describe(`The window in hours, 1 to ${MAX_REPORT_HOURS}: the current hour and the hours before it`),
});

const usageReport = z.object({
  from: z.string().describe('Start of the window: the start of the first hour, ISO'),
  to: z.string().describe('End of the window: now, ISO'),
  keys: z
    .array(
      z.object({
        keyId: z.string(),
        keyName: z.string().describe("The key's name; a removed key's name when it was removed"),
        removed: z.boolean().describe('The key was removed; its requests stay counted'),
        lastUsedAt: z.string().nullable(),
        requests: z.number().describe('Requests in the window'),
        byStatus: z
          .record(z.string(), z.number())
          .describe('Requests in the window by HTTP status, e.g. {"200": 10, "429": 2}'),
        series: z
          .array(
            z.object({
              at: z.string().describe('The hour, ISO'),
              requests: z.number(),
              errors: z.number().describe('Status 400 or above'),
            }),
          )
          .describe('One point per hour of the window, oldest first, zeros included'),
      }),
    )
    .describe('Every key of the tenant, traffic or not, and removed keys with requests in the window'),
});

/** The Usage page: public API requests per key, hour and status. */
export function registerUsageRoutes(admin: AdminApp, deps: AdminDeps): void {
  admin.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Public API requests of every key of the tenant over the last hours, per hour and by HTTP status',
        querystring: usageQuery,
        response: { 200: usageReport },
      },
    },
    async (req) => {
      const report = await deps.usage.report(adminOf(req).tenantId, req.query.hours);
      return {
        ...report,
        keys: report.keys.map((k) => ({ ...k, lastUsedAt: lastUsedAt(deps, k.keyId, k.lastUsedAt) })),
      };
    },
  );
}
