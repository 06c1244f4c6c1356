import { z } from 'zod';
import { FIELD_TYPES, parseQuery, type Dataset, type Params } from '../../catalog/index.ts';
import { recordsJson } from '../public/records-json.ts';
import { AdminError, adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';
import { listOptions, listQuery, MAX_NAME, rowsQuery } from './admin-queries.ts';
import { sendJsonText } from './admin-replies.ts';

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
    const [widgets, keys, starred] = await Promise.all([
      catalog.datasets.widgetCounts(tenantId, [ds.id]),
      access.keys.bindingsOf(tenantId, 'dataset'),
      catalog.favourites.starred(tenantId, userId, 'dataset', [ds.id]),
    ]);
    return datasetBody(ds, widgets.get(ds.id) ?? 0, keys.get(ds.id)?.length ?? 0, starred.has(ds.id));
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
      const [page, keys] = await Promise.all([
        catalog.datasets.search(a.tenantId, listOptions(req.query, a.userId)),
        access.keys.bindingsOf(a.tenantId, 'dataset'),
      ]);
      const starred = await catalog.favourites.starred(
        a.tenantId,
        a.userId,
        'dataset',
        page.items.map((ds) => ds.id),
      );
      return {
        items: page.items.map((ds) =>
          datasetBody(ds, ds.linkedWidgets, keys.get(ds.id)?.length ?? 0, starred.has(ds.id)),
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
      return reply.code(201).send(datasetBody(ds, 0, 0, false));
    },
  );

  admin.post(
    '/datasets/:id/reload',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Replaces a dataset’s rows (and fields) with an upload; readers see the old rows or the new, never a mix',
        params: idParams,
        body: z.object({ uploadId: z.string().min(1).max(64), types: typesSchema }),
        response: { 200: datasetSchema },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const { dataset: ds, filename } = await usecases.uploads.reload(a.tenantId, req.params.id, req.body);
      await deps.changed();
      await audit(
        deps,
        req,
        'dataset.reload',
        ds.name,
        `version ${ds.version}: ${ds.rowCount} rows, ${ds.fields.length} fields ` +
          `from ${filename}${typesDetail(req.body.types)}`,
      );
      return oneBody(a.tenantId, a.userId, ds);
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
      const a = adminOf(req);
      const ds = await catalog.datasets.get(a.tenantId, req.params.id);
      const [widgets, onDatasets, onWidgets] = await Promise.all([
        catalog.widgets.onDataset(a.tenantId, ds.id),
        access.keys.bindingsOf(a.tenantId, 'dataset'),
        access.keys.bindingsOf(a.tenantId, 'widget'),
      ]);
      const keys = new Map<string, { id: string; name: string }>();
      for (const k of [...(onDatasets.get(ds.id) ?? []), ...widgets.flatMap((w) => onWidgets.get(w.id) ?? [])])
        keys.set(k.id, { id: k.id, name: k.name });
      return {
        widgets,
        keys: [...keys.values()].sort((x, y) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id)),
      };
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
