import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FIELD_TYPES, parseQuery, type Dataset, type Params } from '../../catalog/index.ts';
import { boundaryOf, MultipartError, multipartFile } from '../../http/multipart-file.ts';
import { recordsJson } from '../public/records-json.ts';
import { AdminError, adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';
import { listOptions, listQuery, MAX_NAME, rowsQuery } from './admin-queries.ts';
import { sendJsonText } from './admin-replies.ts';
import type { SourceView } from '../../sources/index.ts';
import { breaksSchema } from './admin-schemas.ts';

// A description is a paragraph.
const MAX_DESCRIPTION = 2000;

const idParams = z.object({ id: z.string().min(1).max(64) });
const fieldSchema = z.object({ name: z.string(), type: z.enum(FIELD_TYPES) });
const ref = z.object({ id: z.string(), name: z.string() });

export const datasetSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  integrationGroup: z.string(),
  owner: z.string().describe('The email of the admin who created it'),
  createdAt: z.string(),
  modifiedAt: z.string(),
  syncedAt: z.string().describe('When its rows were last loaded'),
  version: z.number().int().describe('+1 on every reload'),
  rowCount: z.number().int(),
  fields: z.array(fieldSchema),
  linkedWidgets: z.number().int().describe('Widgets built on it'),
  linkedKeys: z.number().int().describe('Keys it is bound to'),
  lastSyncedAt: z.string().describe('When its rows were last loaded: for a live dataset, the last successful sync'),
  live: z
    .object({
      url: z.string().describe('The source, credentials masked'),
      schedule: z.string(),
      lastError: z.string().nullable().describe('The last failed sync’s error, until a sync succeeds'),
      lastErrorAt: z.string().nullable(),
    })
    .nullable()
    .describe('For a dataset synced from a source; null for one loaded from files'),
  starred: z.boolean().describe('Whether the signed-in admin starred it'),
});

const typesSchema = z
  .record(z.string(), z.enum(FIELD_TYPES))
  .optional()
  .describe('Types to use instead of the inferred ones, by field name, e.g. {"zip":"TEXT"}');

function datasetBody(
  ds: Dataset,
  linkedWidgets: number,
  linkedKeys: number,
  source: SourceView | undefined,
  starred: boolean,
): z.infer<typeof datasetSchema> {
  return {
    id: ds.id,
    name: ds.name,
    description: ds.description,
    integrationGroup: ds.integrationGroup,
    owner: ds.owner,
    createdAt: ds.createdAt,
    modifiedAt: ds.modifiedAt,
    syncedAt: ds.syncedAt,
    version: ds.version,
    rowCount: ds.rowCount,
    fields: ds.fields.map((f) => ({ name: f.name, type: f.type })),
    linkedWidgets,
    linkedKeys,
    lastSyncedAt: ds.syncedAt,
    live: source
      ? { url: source.url, schedule: source.schedule, lastError: source.lastError, lastErrorAt: source.lastErrorAt }
      : null,
    starred,
  };
}

function typesDetail(types: Record<string, string> | undefined): string {
  const entries = Object.entries(types ?? {});
  return entries.length === 0 ? '' : `; types set: ${entries.map(([k, v]) => `${k}=${v}`).join(', ')}`;
}

/** Datasets: list, read, create and reload from an upload, change, delete, and browse rows. */
export function registerDatasetRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { catalog, access, usecases } = deps;

  async function oneBody(tenantId: string, userId: string, ds: Dataset) {
    const [widgets, keys, source, starred] = await Promise.all([
      catalog.datasets.widgetCounts(tenantId, [ds.id]),
      access.keys.bindingsOf(tenantId, 'dataset'),
      deps.sources.source(tenantId, ds.id),
      catalog.favourites.starred(tenantId, userId, 'dataset', [ds.id]),
    ]);
    return datasetBody(
      ds,
      widgets.get(ds.id) ?? 0,
      keys.get(ds.id)?.length ?? 0,
      source ?? undefined,
      starred.has(ds.id),
    );
  }

  admin.get(
    '/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary: 'The account’s datasets, searched, filtered by integration group, ordered and paged',
        querystring: listQuery,
        response: {
          200: z.object({
            items: z.array(datasetSchema),
            total: z.number().int(),
            groups: z.array(z.string()).describe('Every integration group in use'),
          }),
        },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const [page, keys, sources] = await Promise.all([
        catalog.datasets.search(a.tenantId, listOptions(req.query, a.userId)),
        access.keys.bindingsOf(a.tenantId, 'dataset'),
        deps.sources.sources(a.tenantId),
      ]);
      const starred = await catalog.favourites.starred(
        a.tenantId,
        a.userId,
        'dataset',
        page.items.map((ds) => ds.id),
      );
      return {
        items: page.items.map((ds) =>
          datasetBody(ds, ds.linkedWidgets, keys.get(ds.id)?.length ?? 0, sources.get(ds.id), starred.has(ds.id)),
        ),
        total: page.total,
        groups: page.groups,
      };
    },
  );

  admin.get(
    '/datasets/:id',
    { schema: { tags: ['datasets'], summary: 'One dataset', params: idParams, response: { 200: datasetSchema } } },
    async (req) => {
      const a = adminOf(req);
      return oneBody(a.tenantId, a.userId, await catalog.datasets.get(a.tenantId, req.params.id));
    },
  );

  admin.post(
    '/datasets',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Loads an upload into a new dataset; the upload is used up. A value that does not fit its type is ' +
          'refused with its line',
        body: z.object({
          uploadId: z.string().min(1).max(64),
          name: z.string().trim().min(1).max(MAX_NAME),
          description: z.string().max(MAX_DESCRIPTION).optional(),
          integrationGroup: z.string().trim().max(MAX_NAME).optional(),
          types: typesSchema,
        }),
        response: { 201: datasetSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const { dataset: ds, filename } = await usecases.uploads.create(a.tenantId, { ...req.body, owner: a.email });
      await deps.changed();
      await audit(
        deps,
        req,
        'dataset.create',
        ds.name,
        `${ds.rowCount} rows, ${ds.fields.length} fields from ${filename}${typesDetail(req.body.types)}`,
      );
      return reply.code(201).send(datasetBody(ds, 0, 0, undefined, false));
    },
  );

  // `curl -F file=@tickets.csv …/reload`, as a nightly job sends it: the file part is staged
  // as an upload while the body streams in, and the route sees `{uploadId}` as if it came as JSON.
  admin.addContentTypeParser('multipart/form-data', async (req: FastifyRequest, payload: Readable) => {
    const a = adminOf(req);
    const boundary = boundaryOf(req.headers['content-type']);
    if (!boundary) throw new AdminError('INVALID_INPUT', 'The multipart/form-data content type names no boundary');
    try {
      const file = await multipartFile(payload, boundary, 'file');
      // No one sees a sample here: one row, the least the inspection takes.
      const staged = await usecases.uploads.stage(a.tenantId, file.filename, file.body, { sampleSize: 1 });
      if (!staged.ok) {
        const mb = Math.round((usecases.uploads.limitBytes / 1024 / 1024) * 10) / 10;
        throw new AdminError(
          'PAYLOAD_TOO_LARGE',
          `The file is larger than the upload limit of ${mb} MB (DATAGATE_UPLOAD_LIMIT_MB)`,
        );
      }
      return { uploadId: staged.upload.id };
    } catch (e) {
      if (e instanceof MultipartError) throw new AdminError('INVALID_INPUT', `The form: ${e.message}`);
      throw e;
    }
  });

  admin.post(
    '/datasets/:id/reload',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Replaces a dataset’s rows (and fields) with an upload; readers see the old rows or the new, never a ' +
          'mix. Or send the file itself as multipart/form-data, in a part named "file" (curl -F file=@tickets.csv)',
        params: idParams,
        body: z.object({ uploadId: z.string().min(1).max(64), types: typesSchema }),
        response: { 200: datasetSchema.extend({ breaks: breaksSchema }) },
      },
    },
    async (req) => {
      const a = adminOf(req);
      let filename = '';
      const { dataset: ds, breaks } = await usecases.schema.reloading(a.tenantId, req.params.id, async () => {
        const loaded = await usecases.uploads.reload(a.tenantId, req.params.id, req.body);
        filename = loaded.filename;
        return loaded.dataset;
      });
      await deps.changed();
      await audit(
        deps,
        req,
        'dataset.reload',
        ds.name,
        `version ${ds.version}: ${ds.rowCount} rows, ${ds.fields.length} fields ` +
          `from ${filename}${typesDetail(req.body.types)}` +
          (breaks.length > 0 ? `; breaks ${breaks.length} widget(s), scope(s) or used field(s)` : ''),
      );
      return { ...(await oneBody(a.tenantId, a.userId, ds)), breaks };
    },
  );

  admin.patch(
    '/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Changes a dataset’s name, description or integration group',
        params: idParams,
        body: z.object({
          name: z.string().trim().min(1).max(MAX_NAME).optional(),
          description: z.string().max(MAX_DESCRIPTION).optional(),
          integrationGroup: z.string().trim().max(MAX_NAME).optional(),
        }),
        response: { 200: datasetSchema },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const before = await catalog.datasets.get(a.tenantId, req.params.id);
      const ds = await catalog.datasets.update(a.tenantId, req.params.id, req.body);
      const changes = (['name', 'description', 'integrationGroup'] as const)
        .filter((k) => before[k] !== ds[k])
        .map((k) =>
          k === 'description' ? 'description changed' : `${k} ${JSON.stringify(before[k])} → ${JSON.stringify(ds[k])}`,
        );
      await deps.changed();
      await audit(deps, req, 'dataset.update', ds.name, changes.join('; ') || 'no change');
      return oneBody(a.tenantId, a.userId, ds);
    },
  );

  admin.get(
    '/datasets/:id/impact',
    {
      schema: {
        tags: ['datasets'],
        summary: 'What deleting the dataset takes with it: its widgets, and the keys bound to it or to one of them',
        params: idParams,
        response: { 200: z.object({ widgets: z.array(ref), keys: z.array(ref) }) },
      },
    },
    async (req) => {
      const { widgets, keys } = await usecases.impact.ofDataset(adminOf(req).tenantId, req.params.id);
      return { widgets, keys };
    },
  );

  admin.delete(
    '/datasets/:id',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Deletes a dataset, its widgets and every key binding to either',
        params: idParams,
        response: { 204: z.void().describe('Deleted') },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const { dataset: ds, widgets } = await usecases.deleteDataset(a.tenantId, req.params.id);
      await deps.changed();
      const names = widgets.map((w) => w.name);
      await audit(
        deps,
        req,
        'dataset.delete',
        ds.name,
        `${ds.rowCount} rows; ${names.length === 0 ? 'no widgets' : `widgets deleted: ${names.join(', ')}`}`,
      );
      return reply.code(204).send();
    },
  );

  admin.get(
    '/datasets/:id/rows',
    {
      schema: {
        tags: ['datasets'],
        summary: 'A page of the dataset’s rows: the public API’s data, with the same filters, _sort and _fields',
        params: idParams,
        querystring: rowsQuery,
        response: {
          200: z.object({
            records: z.array(z.record(z.string(), z.unknown())),
            total: z.number().int(),
            size: z.number().int(),
            current: z.number().int(),
            pages: z.number().int(),
            orders: z.array(z.object({ column: z.string(), asc: z.boolean() })),
          }),
        },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const ds = await catalog.datasets.get(a.tenantId, req.params.id);
      const parsed = parseQuery(req.query as Params, ds.fields, { maxSize: deps.maxPageSize });
      if (!parsed.ok) throw new AdminError('INVALID_INPUT', parsed.message);
      const q = parsed.query;
      const page = await catalog.datasets.readPage(ds, q, { deadline: Date.now() + deps.queryTimeoutMs });
      const orders = JSON.stringify(q.sort.map((s) => ({ column: s.field.name, asc: s.asc })));
      const body =
        `{"records":${recordsJson(page.fields, page.rows)},"total":${page.total},"size":${q.size},` +
        `"current":${q.current},"pages":${Math.ceil(page.total / q.size)},"orders":${orders}}`;
      return sendJsonText(reply, body);
    },
  );
}
