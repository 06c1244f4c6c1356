import { z } from 'zod';
import type { FastifyReply } from 'fastify';
import { FIELD_TYPES, type FieldType, type Value } from '../../catalog/index.ts';
import { DomainError } from '../../shared/errors.ts';
import type { SourceView, SyncResult } from '../../sources/index.ts';
import { AdminError, adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';
import { MAX_NAME } from './admin-queries.ts';
import { dateFormatSchema, SAMPLE_ROWS } from './admin-schemas.ts';
import { recordsJson } from '../public/records-json.ts';
import { sendJsonText } from './admin-replies.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
// Bounds on what a connect may carry, each far above real use: browsers cap URLs near
// 8 KB and servers header values at 8 KB; a records path or a cron line is a few words.
const MAX_URL = 8192;
const MAX_HEADER_VALUE = 8192;
const MAX_PATH = 500;
const MAX_CRON = 200;
// Rows a test of a database source reads: enough to show the columns and a sample,
// few enough that a test of a large table answers at once.
const TEST_QUERY_ROWS = 1000;

export const sourceSchema = z
  .object({
    kind: z.enum(['postgres', 'mysql', 'http']),
    url: z.string().describe('The URL with its password and credential-like parameters masked'),
    query: z.string(),
    headers: z.record(z.string(), z.string()).describe('Header values masked, but for Accept, Content-Type…'),
    format: z.string(),
    recordsPath: z.string(),
    types: z.record(z.string(), z.enum(FIELD_TYPES)),
    dateFormat: z.string().describe('The format its dates are read in besides ISO 8601; empty: ISO 8601 only'),
    schedule: z.string().describe('Cron, UTC; empty: synced only on demand'),
    nextRunAt: z.string().nullable(),
    lastError: z.string().nullable().describe('The last failed sync’s error, until a sync succeeds'),
    lastErrorAt: z.string().nullable(),
  })
  .describe('Where a live dataset’s rows come from, credentials masked');

const syncSchema = z.object({
  id: z.string(),
  name: z.string(),
  rows: z.number().int(),
  fields: z.array(z.object({ name: z.string(), type: z.enum(FIELD_TYPES) })),
  schedule: z.string().nullable(),
  lastSyncedAt: z.string().describe('When the last successful sync ended'),
  source: sourceSchema,
});

const runSchema = z.object({
  id: z.string(),
  trigger: z.enum(['connect', 'manual', 'schedule']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  result: z.enum(['running', 'ok', 'failed']),
  rows: z.number().int().nullable(),
  error: z.string().nullable(),
});

// The source part of a test or an edit, as connect takes it.
const sourceFields = {
  url: z.string().min(1).max(MAX_URL).describe('postgres://, mysql://, https:// or http://'),
  query: z.string().max(100_000).optional().describe('For a database: one SELECT'),
  headers: z.record(z.string(), z.string().max(MAX_HEADER_VALUE)).optional().describe('For http(s): request headers'),
  format: z.enum(['csv', 'json', 'ndjson']).optional(),
  recordsPath: z.string().max(MAX_PATH).optional().describe('The dotted path of the records array in JSON'),
};

const testAnswer = z.object({
  fields: z
    .array(z.object({ name: z.string(), type: z.enum(FIELD_TYPES) }))
    .describe(`In source order; a query's first ${TEST_QUERY_ROWS} rows, an HTTP body in full`),
  sample: z
    .array(z.record(z.string(), z.unknown()))
    .describe(`The first ${SAMPLE_ROWS} rows, values as the public API gives them`),
});

const MASKED_NOTE = 'a password, parameter or header value left masked (****) as shown keeps the stored one';

function syncBody(r: SyncResult, source: SourceView): z.infer<typeof syncSchema> {
  return {
    id: r.dataset.id,
    name: r.dataset.name,
    rows: r.dataset.rowCount,
    fields: r.dataset.fields.map((f) => ({ name: f.name, type: f.type })),
    schedule: r.schedule || null,
    lastSyncedAt: r.dataset.syncedAt,
    source: source as z.infer<typeof sourceSchema>,
  };
}

/** A test's answer, written as the upload's sample is: exact numbers, values as the public API gives them. */
function sendTest(
  reply: FastifyReply,
  r: { fields: { name: string; type: FieldType }[]; sample: Value[][] },
): FastifyReply {
  const fields = r.fields.map((f, i) => ({ ...f, column: `c${i}` }));
  const head = JSON.stringify({ fields: r.fields });
  return sendJsonText(reply, `${head.slice(0, -1)},"sample":${recordsJson(fields, r.sample)}}`);
}

/** Live datasets: connect one to a source, sync it now, read its source (masked) and its history. */
export function registerSourceRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { sources } = deps;

  admin.post(
    '/datasets/connect',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Creates a dataset synced from a database query or an http(s) URL and runs its first sync; nothing is ' +
          'created when that sync fails (502 SOURCE_FAILED)',
        body: z.object({
          name: z.string().trim().min(1).max(MAX_NAME),
          url: z.string().min(1).max(MAX_URL).describe('postgres://, mysql://, https:// or http://'),
          query: z.string().max(100_000).optional().describe('For a database: one SELECT'),
          headers: z
            .record(z.string(), z.string().max(MAX_HEADER_VALUE))
            .optional()
            .describe('For http(s): request headers'),
          format: z.enum(['csv', 'json', 'ndjson']).optional(),
          recordsPath: z.string().max(MAX_PATH).optional().describe('The dotted path of the records array in JSON'),
          schedule: z.string().max(MAX_CRON).optional().describe('Cron, 5 fields, UTC'),
          integrationGroup: z.string().trim().max(MAX_NAME).optional(),
          description: z.string().max(2000).optional(),
          types: z.record(z.string(), z.enum(FIELD_TYPES)).optional(),
          dateFormat: dateFormatSchema.describe('Kept with the source: every sync reads its dates so'),
        }),
        response: { 201: syncSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const r = await sources.connect(a.tenantId, { ...req.body, owner: a.email });
      const source = (await sources.source(a.tenantId, r.dataset.id))!;
      await deps.changed();
      await audit(
        deps,
        req,
        'dataset.connect',
        r.dataset.name,
        `id ${r.dataset.id}: ${r.dataset.rowCount} rows from ${source.url}` +
          (r.schedule ? `, schedule "${r.schedule}"` : ''),
      );
      return reply.code(201).send(syncBody(r, source));
    },
  );

  admin.post(
    '/datasets/connect/test',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Reads a source as connect would, with the same checks and limits, and answers the inferred fields and ' +
          `the first ${SAMPLE_ROWS} rows; nothing is stored (502 SOURCE_FAILED when the source fails)`,
        body: z.object({
          ...sourceFields,
          types: z.record(z.string(), z.enum(FIELD_TYPES)).optional(),
          dateFormat: dateFormatSchema,
        }),
        response: { 200: testAnswer },
      },
    },
    async (req, reply) => {
      return sendTest(reply, await sources.test(req.body, { sampleSize: SAMPLE_ROWS, maxRows: TEST_QUERY_ROWS }));
    },
  );

  admin.post(
    '/datasets/:id/source/test',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Reads a live dataset’s source as an edit would leave it (' +
          MASKED_NOTE +
          `) and answers the inferred fields and the first ${SAMPLE_ROWS} rows; nothing is stored`,
        params: idParams,
        body: z.object({ ...sourceFields, dateFormat: dateFormatSchema }),
        response: { 200: testAnswer },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const opts = { sampleSize: SAMPLE_ROWS, maxRows: TEST_QUERY_ROWS };
      return sendTest(reply, await sources.testEdit(a.tenantId, req.params.id, req.body, opts));
    },
  );

  admin.patch(
    '/datasets/:id/source',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Changes a live dataset’s source and/or schedule, checked as on connect; fields left out stay, ' +
          MASKED_NOTE +
          '. The rows stay until the next sync; with sync: true it syncs at once (a failure keeps the rows and ' +
          'is recorded, as any sync’s)',
        params: idParams,
        body: z.object({
          url: sourceFields.url.optional(),
          query: sourceFields.query,
          headers: sourceFields.headers.describe('For http(s): the whole set of request headers'),
          format: z.enum(['csv', 'json', 'ndjson', '']).optional().describe("'': by Content-Type, then extension"),
          recordsPath: sourceFields.recordsPath,
          schedule: z
            .string()
            .max(MAX_CRON)
            .nullable()
            .optional()
            .describe('Cron, 5 fields, UTC; null or empty: no schedule (synced on demand only)'),
          dateFormat: dateFormatSchema,
          sync: z.boolean().optional().describe('Sync at once with the saved source'),
        }),
        response: {
          200: z.object({
            source: sourceSchema,
            changed: z.array(z.string()).describe('What the edit changed, as the audit log names it'),
            sync: z
              .object({
                result: z.enum(['ok', 'failed']),
                rows: z.number().int().nullable(),
                error: z.string().nullable(),
              })
              .nullable()
              .describe('The sync asked for with sync: true; null without'),
          }),
        },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const { sync: syncNow, ...edit } = req.body;
      const ds = await deps.catalog.datasets.get(a.tenantId, req.params.id);
      const r = await sources.editSource(a.tenantId, req.params.id, edit);
      if (r.changes.length > 0) {
        await deps.changed();
        await audit(deps, req, 'dataset.source', ds.name, `id ${ds.id}: ${r.changes.join(', ')}`);
      }
      if (!syncNow) return { source: r.source as z.infer<typeof sourceSchema>, changed: r.changes, sync: null };
      let sync: { result: 'ok' | 'failed'; rows: number | null; error: string | null };
      try {
        const s = await sources.sync(a.tenantId, req.params.id);
        await deps.changed();
        await audit(
          deps,
          req,
          'dataset.sync',
          s.dataset.name,
          `version ${s.dataset.version}: ${s.dataset.rowCount} rows`,
        );
        sync = { result: 'ok', rows: s.dataset.rowCount, error: null };
      } catch (e) {
        if (!(e instanceof DomainError) || !['SOURCE_FAILED', 'CONFLICT'].includes(e.code)) throw e;
        sync = { result: 'failed', rows: null, error: e.message };
      }
      const source = (await sources.source(a.tenantId, req.params.id))!;
      return { source: source as z.infer<typeof sourceSchema>, changed: r.changes, sync };
    },
  );

  admin.post(
    '/datasets/:id/sync',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Syncs a live dataset now; on failure (502 SOURCE_FAILED) the previous rows stay and the error is recorded',
        params: idParams,
        response: { 200: syncSchema },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const r = await sources.sync(a.tenantId, req.params.id);
      await deps.changed();
      await audit(
        deps,
        req,
        'dataset.sync',
        r.dataset.name,
        `version ${r.dataset.version}: ${r.dataset.rowCount} rows`,
      );
      return syncBody(r, (await sources.source(a.tenantId, req.params.id))!);
    },
  );

  admin.get(
    '/datasets/:id/source',
    {
      schema: {
        tags: ['datasets'],
        summary: 'A live dataset’s source, credentials masked; 404 for a dataset loaded from files',
        params: idParams,
        response: { 200: sourceSchema },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const source = await sources.source(a.tenantId, req.params.id);
      if (!source) throw new AdminError('NOT_FOUND', 'this dataset has no source: it is loaded from files');
      return source as z.infer<typeof sourceSchema>;
    },
  );

  admin.get(
    '/datasets/:id/history',
    {
      schema: {
        tags: ['datasets'],
        summary: 'A live dataset’s last syncs, newest first: start, end, rows, result or error',
        params: idParams,
        response: { 200: z.object({ runs: z.array(runSchema) }) },
      },
    },
    async (req) => {
      const a = adminOf(req);
      return { runs: (await sources.history(a.tenantId, req.params.id)) as z.infer<typeof runSchema>[] };
    },
  );
}
