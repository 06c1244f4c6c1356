import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  FIELD_TYPES,
  widgetColumns,
  type Field,
  type ListedWidget,
  type Params,
  type WidgetResult,
} from '../../catalog/index.ts';
import { widgetProblem } from '../../usecases/index.ts';
import { widgetRowsJson } from '../public/widget-json.ts';
import { AdminError, adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';
import { listOptions, rowsQuery, widgetListQuery } from './admin-queries.ts';
import { sendJsonText } from './admin-replies.ts';

/**
 * Rows a preview shows: more than any chart draws and a table a person reads while
 * building a widget, and still one quick query.
 */
export const PREVIEW_ROWS = 1000;

const idParams = z.object({ id: z.string().min(1).max(64) });
const columnSchema = z.object({
  label: z.string(),
  type: z.enum(FIELD_TYPES).nullable().describe('null when the dataset no longer has the field'),
});

// The spec's shape, for the OpenAPI document; the catalog checks it in full (and against
// the dataset) and says what is wrong in its own words, so unknown properties pass here.
const specSchema = z.looseObject({
  name: z.string().describe('The widget’s name'),
  dataset: z.string().describe('The id of the dataset it aggregates'),
  chart: z.enum(['table', 'bar', 'line', 'pie', 'number']),
  dimensions: z
    .array(
      z.looseObject({
        field: z.string(),
        label: z.string(),
        bucket: z.enum(['day', 'week', 'month', 'quarter', 'year']).nullable().optional(),
      }),
    )
    .optional()
    .describe('Group by these fields; DATE and DATETIME fields may be bucketed'),
  measures: z
    .array(
      z.looseObject({
        agg: z.enum(['count', 'count_distinct', 'sum', 'avg', 'min', 'max']),
        field: z.string().nullable().optional(),
        label: z.string(),
      }),
    )
    .optional(),
  filter: z.string().optional().describe('The public API’s filter language, e.g. "status=Open&priority=1,3"'),
  sort: z.string().optional().describe('Column labels, "-" for descending, e.g. "-Hours,Board"'),
  limit: z.number().int().nullable().optional().describe('Keep only the first rows after the sort'),
  stacked: z
    .boolean()
    .optional()
    .describe('Display: a bar chart with two dimensions stacks the second one’s bars (default: side by side)'),
});
const previewSpecSchema = specSchema.extend({ name: z.string().optional() });

const widgetSchema = z.object({
  id: z.string(),
  name: z.string(),
  datasetId: z.string(),
  datasetName: z.string(),
  integrationGroup: z.string().describe('The dataset’s'),
  chart: z.string(),
  spec: z.record(z.string(), z.unknown()).describe('The definition as saved, field names as the dataset spells them'),
  columns: z.array(columnSchema),
  broken: z
    .string()
    .nullable()
    .describe('Why the spec no longer fits its dataset’s fields (clients are answered 409), or null'),
  createdAt: z.string(),
  modifiedAt: z.string(),
  linkedKeys: z.number().int().describe('Keys it is bound to'),
  owner: z.string().describe('The email of the admin who created it; "" when not recorded'),
  mine: z.boolean().describe('Whether the signed-in admin created it'),
  starred: z.boolean().describe('Whether the signed-in admin starred it'),
});

const resultSchema = z.object({
  columns: z.array(z.object({ label: z.string(), type: z.enum(FIELD_TYPES) })),
  rows: z
    .array(z.record(z.string(), z.string().nullable()))
    .describe('Keyed by label; every value a string or null, as the public API gives them'),
  total: z.number().int().describe('Rows of the whole result'),
});

/** What a widget body says about the signed-in admin: their id and the widgets they starred. */
interface Viewer {
  readonly userId: string;
  readonly starred: ReadonlySet<string>;
}

function widgetBody(w: ListedWidget, linkedKeys: number, viewer: Viewer): z.infer<typeof widgetSchema> {
  return {
    id: w.id,
    name: w.name,
    datasetId: w.datasetId,
    datasetName: w.datasetName,
    integrationGroup: w.integrationGroup,
    chart: w.chart,
    spec: { ...w.spec },
    columns: widgetColumns(w.spec, w.fields).map((c) => ({ label: c.name, type: c.type })),
    broken: widgetProblem(w, { name: w.datasetName, fields: w.fields }),
    createdAt: w.createdAt,
    modifiedAt: w.modifiedAt,
    linkedKeys,
    owner: w.owner,
    mine: w.createdBy !== null && w.createdBy === viewer.userId,
    starred: viewer.starred.has(w.id),
  };
}

/** `{"columns","rows","total"}` as JSON text: labels keep their order even when they look like numbers. */
function resultJson(columns: readonly Field[], rows: readonly unknown[][], total: number): string {
  const cols = JSON.stringify(columns.map((c) => ({ label: c.name, type: c.type })));
  return `{"columns":${cols},"rows":${widgetRowsJson(columns, rows)},"total":${total}}`;
}

function describeSpec(
  spec: { chart: string; dimensions: readonly { label: string }[]; measures: readonly { label: string }[] },
  datasetName: string,
): string {
  const cols = [...spec.dimensions, ...spec.measures].map((c) => c.label).join(', ');
  return `${spec.chart} on dataset "${datasetName}": ${cols}`;
}

/** Widgets: list, read, create, change, delete, preview an unsaved spec, and read a saved one's rows. */
export function registerWidgetRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { catalog, access } = deps;

  /** The widget as the console shows it, from the database (not the registry: a change is seen at once). */
  async function listed(tenantId: string, id: string): Promise<ListedWidget> {
    const w = await catalog.widgets.get(tenantId, id);
    const ds = await catalog.datasets.get(tenantId, w.datasetId).catch(() => undefined);
    return {
      ...w,
      datasetName: ds?.name ?? '',
      integrationGroup: ds?.integrationGroup ?? '',
      fields: ds?.fields ?? [],
    };
  }

  async function oneBody(tenantId: string, userId: string, w: ListedWidget) {
    const [keys, starred] = await Promise.all([
      access.keys.bindingsOf(tenantId, 'widget'),
      catalog.favourites.starred(tenantId, userId, 'widget', [w.id]),
    ]);
    return widgetBody(w, keys.get(w.id)?.length ?? 0, { userId, starred });
  }

  function sendResult(reply: FastifyReply, result: WidgetResult) {
    if (!result.ok) throw new AdminError(result.reason === 'STALE' ? 'CONFLICT' : 'INVALID_INPUT', result.message);
    return sendJsonText(reply, resultJson(result.columns, result.rows, result.total));
  }

  admin.get(
    '/widgets',
    {
      schema: {
        tags: ['widgets'],
        summary:
          'The account’s widgets, searched by name, filtered by their dataset’s integration group, ordered and paged',
        querystring: widgetListQuery,
        response: {
          200: z.object({ items: z.array(widgetSchema), total: z.number().int(), groups: z.array(z.string()) }),
        },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const [page, keys] = await Promise.all([
        catalog.widgets.search(a.tenantId, listOptions(req.query, a.userId)),
        access.keys.bindingsOf(a.tenantId, 'widget'),
      ]);
      const starred = await catalog.favourites.starred(
        a.tenantId,
        a.userId,
        'widget',
        page.items.map((w) => w.id),
      );
      const viewer = { userId: a.userId, starred };
      return {
        items: page.items.map((w) => widgetBody(w, keys.get(w.id)?.length ?? 0, viewer)),
        total: page.total,
        groups: page.groups,
      };
    },
  );

  admin.get(
    '/widgets/:id',
    { schema: { tags: ['widgets'], summary: 'One widget', params: idParams, response: { 200: widgetSchema } } },
    async (req) => {
      const a = adminOf(req);
      return oneBody(a.tenantId, a.userId, await listed(a.tenantId, req.params.id));
    },
  );

  admin.post(
    '/widgets',
    {
      schema: {
        tags: ['widgets'],
        summary: 'Creates a widget from a spec; an invalid spec is refused with what is wrong',
        body: specSchema,
        response: { 201: widgetSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const w = await catalog.widgets.create(a.tenantId, req.body, { userId: a.userId, email: a.email });
      const body = await listed(a.tenantId, w.id);
      await deps.changed();
      await audit(deps, req, 'widget.create', w.name, describeSpec(w.spec, body.datasetName));
      return reply.code(201).send(widgetBody(body, 0, { userId: a.userId, starred: new Set() }));
    },
  );

  admin.post(
    '/widgets/preview',
    {
      // A POST that changes nothing: a read.
      config: { role: 'viewer' },
      schema: {
        tags: ['widgets'],
        summary: `Runs a spec without saving it: the first ${PREVIEW_ROWS} rows of its result`,
        body: previewSpecSchema,
        response: { 200: resultSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const result = await catalog.widgets.preview(a.tenantId, req.body, {
        rows: PREVIEW_ROWS,
        deadline: Date.now() + deps.queryTimeoutMs,
      });
      return sendResult(reply, result);
    },
  );

  admin.put(
    '/widgets/:id',
    {
      schema: {
        tags: ['widgets'],
        summary: 'Replaces a widget’s definition',
        params: idParams,
        body: specSchema,
        response: { 200: widgetSchema },
      },
    },
    async (req) => {
      const a = adminOf(req);
      const before = await catalog.widgets.get(a.tenantId, req.params.id);
      const w = await catalog.widgets.update(a.tenantId, req.params.id, req.body);
      const body = await listed(a.tenantId, w.id);
      await deps.changed();
      const renamed = before.name === w.name ? '' : `renamed from ${JSON.stringify(before.name)}; `;
      await audit(deps, req, 'widget.update', w.name, renamed + describeSpec(w.spec, body.datasetName));
      return oneBody(a.tenantId, a.userId, body);
    },
  );

  admin.delete(
    '/widgets/:id',
    {
      schema: {
        tags: ['widgets'],
        summary: 'Deletes a widget and its key bindings',
        params: idParams,
        response: { 204: z.void().describe('Deleted') },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const w = await listed(a.tenantId, req.params.id);
      await deps.usecases.deleteWidget(a.tenantId, w.id);
      await deps.changed();
      await audit(deps, req, 'widget.delete', w.name, `was on dataset "${w.datasetName}"`);
      return reply.code(204).send();
    },
  );

  admin.get(
    '/widgets/:id/rows',
    {
      schema: {
        tags: ['widgets'],
        summary:
          'A page of a saved widget’s result, with the public API’s paging, filters on its columns, _sort and _fields',
        params: idParams,
        querystring: rowsQuery,
        response: { 200: resultSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const w = await catalog.widgets.get(a.tenantId, req.params.id);
      const ds = await catalog.datasets.get(a.tenantId, w.datasetId).catch(() => {
        throw new AdminError('CONFLICT', `The widget's dataset "${w.datasetId}" no longer exists`);
      });
      const result = await catalog.widgets.run(w, ds, req.query as Params, {
        maxSize: deps.maxPageSize,
        deadline: Date.now() + deps.queryTimeoutMs,
      });
      return sendResult(reply, result);
    },
  );
}
