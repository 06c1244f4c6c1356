import { z } from 'zod';
import { MAX_REPORT_HOURS, retentionStart, type UsageWindow } from '../../access/index.ts';
import { parseInstant } from '../../shared/durations.ts';
import { DomainError } from '../../shared/errors.ts';
import { adminOf, lastUsedAt, type AdminApp, type AdminDeps } from './admin-context.ts';

const instant = (what: string) =>
  z.string().max(64).optional().describe(`${what}: an ISO 8601 date (midnight UTC) or date-time with a zone`);

const usageQuery = z.object({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_REPORT_HOURS)
    .optional()
    .describe(
      `The window in hours, 1 to ${MAX_REPORT_HOURS}: the current hour and the hours before it ` +
        '(default 24; not with from/to)',
    ),
  from: instant('Start of the window (instead of hours); before the oldest kept usage (30 days) it is moved up to it'),
  to: instant('End of the window, with from (default now; later than now counts as now)'),
});
type UsageQuery = z.infer<typeof usageQuery>;

const window = {
  from: z.string().describe('Start of the window, ISO: the start of its first hour, or from (to the minute)'),
  to: z.string().describe('End of the window, ISO: now, or to'),
  clamped: z.boolean().describe('from was earlier than the oldest kept usage (30 days) and was moved up to it'),
};

const usageReport = z.object({
  ...window,
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

/** The window a query asks for: hours (default 24), or from/to, checked; a mistake is 400 naming the parameter. */
function windowOf(q: UsageQuery, now: number): number | UsageWindow {
  if (q.from === undefined && q.to === undefined) return q.hours ?? 24;
  if (q.hours !== undefined) throw new DomainError('INVALID_INPUT', 'hours: give either hours or from/to, not both');
  if (q.from === undefined) throw new DomainError('INVALID_INPUT', 'from: required with to');
  const from = parseInstant(q.from);
  if (!from.ok) throw new DomainError('INVALID_INPUT', `from: ${from.message}`);
  let toMs = now;
  if (q.to !== undefined) {
    const to = parseInstant(q.to);
    if (!to.ok) throw new DomainError('INVALID_INPUT', `to: ${to.message}`);
    toMs = to.value;
  }
  if (from.value >= now) throw new DomainError('INVALID_INPUT', `from: ${q.from} is in the future`);
  if (from.value >= toMs) throw new DomainError('INVALID_INPUT', `from: ${q.from} is not before to (${q.to ?? 'now'})`);
  const oldest = retentionStart(now);
  if (toMs <= oldest) {
    throw new DomainError(
      'INVALID_INPUT',
      `to: ${q.to} is before the oldest kept usage (${new Date(oldest).toISOString()}; usage is kept 30 days)`,
    );
  }
  // The report moves from up to the oldest kept usage and to down to now (clamped says so).
  return { fromMs: from.value, toMs };
}

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; a leading =+-@ is neutralised. */
function csvCell(v: string | number | boolean): string {
  let s = String(v);
  // A name starting with = + - @ would be a formula in a spreadsheet; a quote makes it text.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The Usage page: public API requests per key, hour and status. */
export function registerUsageRoutes(admin: AdminApp, deps: AdminDeps): void {
  admin.get(
    '/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'Public API requests of every key of the tenant over a window, per hour and by HTTP status',
        querystring: usageQuery,
        response: { 200: usageReport },
      },
    },
    async (req) => {
      const report = await deps.usage.report(adminOf(req).tenantId, windowOf(req.query, deps.clock.now()));
      return {
        ...report,
        keys: report.keys.map((k) => ({ ...k, lastUsedAt: lastUsedAt(deps, k.keyId, k.lastUsedAt) })),
      };
    },
  );

  admin.get(
    '/usage.csv',
    {
      schema: {
        tags: ['usage'],
        summary: 'The same counts as CSV: one line per key, hour and status with requests',
        description:
          'Takes the same hours or from/to as GET /usage. Columns: hour (ISO, the hour’s start), key_id, ' +
          'key_name, removed (true/false), status, requests. A header row always; lines with requests only, ' +
          'by hour, key name and status.',
        querystring: usageQuery,
        response: { 200: z.string().describe('text/csv; charset=utf-8') },
      },
    },
    async (req, reply) => {
      const now = deps.clock.now();
      const { rows } = await deps.usage.rows(adminOf(req).tenantId, windowOf(req.query, now));
      const lines = ['hour,key_id,key_name,removed,status,requests'];
      for (const r of rows)
        lines.push([r.hour, r.keyId, r.keyName, r.removed, r.status, r.requests].map(csvCell).join(','));
      const day = new Date(now).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="usage-${day}.csv"`)
        .send(lines.join('\r\n') + '\r\n');
    },
  );
}
