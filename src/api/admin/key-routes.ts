import { z } from 'zod';
import { parseDuration, parseWhen } from '../../shared/durations.ts';
import { DomainError } from '../../shared/errors.ts';
import {
  DEFAULT_GRACE_MS,
  keyChanges,
  MAX_SCOPE_LENGTH,
  type BindingScope,
  type KeySummary,
  type ResourceType,
} from '../../access/index.ts';
import type { Dataset } from '../../catalog/index.ts';
import { bindingScope, widgetProblem } from '../../usecases/index.ts';
import { keyOpenApi, keyResources } from '../public/key-openapi.ts';
import { adminOf, audit, lastUsedAt, publicBaseUrl, type AdminApp, type AdminDeps } from './admin-context.ts';

const ref = z.object({ id: z.string(), name: z.string() });
const boundRef = ref.extend({
  where: z.string().describe("The binding's row scope in the filter language; empty = every row"),
  scopeError: z
    .string()
    .nullable()
    .describe(
      'Why the scope no longer fits the dataset (a reload removed or retyped its field): reads through the ' +
        'binding answer 409 until it is fixed or removed; null when it fits',
    ),
  broken: z
    .string()
    .nullable()
    .describe(
      'For a widget: why it no longer answers (a reload removed or retyped a field it uses): it answers 409 ' +
        'until it is edited; null when it answers, and for a dataset',
    ),
});
// A scope is a filter, not a data set: a long [in] list fits.
const whereSchema = z.string().max(MAX_SCOPE_LENGTH);

export const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  description: z.string(),
  rateLimit: z.number().int().describe('Requests per minute'),
  hint: z.string().describe('dgk_… and the last four digits'),
  maskedKey: z.string().describe('dgk_, the first four and the last four digits'),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  expiresAt: z.string().nullable().describe('When the key stops working (401); null: never'),
  disabled: z.boolean().describe('Refused (403) until enabled again; bindings are kept'),
  previousValidUntil: z
    .string()
    .nullable()
    .describe('While a rotation’s grace runs: until when the previous secret works'),
  allowIps: z
    .array(z.string())
    .describe('The networks (CIDR; a bare address is /32 or /128) the key may be used from; empty: any address'),
  corsOrigins: z
    .array(z.string())
    .describe('The browser origins (scheme://host[:port]) that may read the key’s answers; empty: none'),
  bindings: z.object({ datasets: z.array(boundRef), widgets: z.array(boundRef) }),
});

const expiresAtInput = z
  .string()
  .max(64)
  .nullable()
  .optional()
  .describe('An ISO 8601 date/time in the future, or a duration from now such as 90d or 12h; null: never');

// The service checks each entry and caps the lists (100 networks, 20 origins); this bound
// only stops junk early, well above both.
const accessList = (what: string) => z.array(z.string().max(300)).max(1000).optional().describe(what);
const allowIpsInput = accessList(
  'Replaces the allowlist: IPv4/IPv6 addresses or CIDRs, at most 100; [] allows any address',
);
const corsOriginsInput = accessList(
  'Replaces the CORS origins: http(s)://host[:port], no path, no * or null, at most 20; [] sends no CORS headers',
);

// Ids are 19 digits; 64 leaves room for other id schemes and bounds junk early.
const ID_MAX = 64;
// One request binds what a person picks in the console; a thousand is far beyond that
// and bounds the checks one request can cause.
const MAX_BIND = 1000;
const idParams = z.object({ id: z.string().min(1).max(ID_MAX) });
const openApiDoc = z.record(z.string(), z.unknown()).describe('An OpenAPI 3.1 document');

type Names = Record<ResourceType, Map<string, string>> & {
  /** The fields a binding's scope is checked against: the dataset's, or the widget's dataset's. */
  fields: Record<ResourceType, Map<string, Dataset['fields']>>;
  /** Why each widget that no longer answers does not (as the Widgets page shows it). */
  widgetProblems: Map<string, string>;
};

/** Resource names of the tenant, to show bindings as `{id, name}`, and their fields, to check scopes. */
async function namesOf(deps: AdminDeps, tenantId: string): Promise<Names> {
  const [datasets, widgets] = await Promise.all([
    deps.catalog.datasets.list(tenantId),
    deps.catalog.widgets.list(tenantId),
  ]);
  const datasetFields = new Map(datasets.map((d) => [d.id, d.fields]));
  const widgetFields = new Map<string, Dataset['fields']>();
  for (const w of widgets) {
    const f = datasetFields.get(w.datasetId);
    if (f !== undefined) widgetFields.set(w.id, f);
  }
  const datasetsById = new Map(datasets.map((d) => [d.id, d]));
  const widgetProblems = new Map<string, string>();
  for (const w of widgets) {
    const problem = widgetProblem(w, datasetsById.get(w.datasetId));
    if (problem !== null) widgetProblems.set(w.id, problem);
  }
  return {
    dataset: new Map(datasets.map((d) => [d.id, d.name])),
    widget: new Map(widgets.map((w) => [w.id, w.name])),
    fields: { dataset: datasetFields, widget: widgetFields },
    widgetProblems,
  };
}

/** Why a binding's scope no longer compiles against its dataset's fields (as the public API checks it), or null. */
function scopeErrorOf(s: BindingScope | undefined, fields: Dataset['fields'] | undefined): string | null {
  if (s === undefined || s.where.trim() === '' || fields === undefined) return null;
  const binding = { keyId: '', type: s.type, resourceId: s.id, where: s.where, whereTypes: s.whereTypes ?? {} };
  const scope = bindingScope(binding, { fields });
  return scope.ok ? null : scope.message;
}

function keyBody(deps: AdminDeps, k: KeySummary, names: Names) {
  // A binding to a resource deleted by another node a moment ago shows its id until it goes too.
  const named = (type: ResourceType, ids: readonly string[]) =>
    ids.map((id) => {
      const s = k.scopes.find((x) => x.type === type && x.id === id);
      return {
        id,
        name: names[type].get(id) ?? id,
        where: s?.where ?? '',
        scopeError: scopeErrorOf(s, names.fields[type].get(id)),
        broken: type === 'widget' ? (names.widgetProblems.get(id) ?? null) : null,
      };
    });
  const { scopes: _scopes, ...rest } = k;
  return {
    ...rest,
    lastUsedAt: lastUsedAt(deps, k.id, k.lastUsedAt),
    bindings: { datasets: named('dataset', k.bindings.datasets), widgets: named('widget', k.bindings.widgets) },
  };
}

/** The body's `expiresAt` as the service takes it: an ISO time, null (never) or undefined (unchanged). */
function expiresAtOf(raw: string | null | undefined, now: number): string | null | undefined {
  if (raw === undefined || raw === null) return raw;
  const when = parseWhen(raw, now);
  if (!when.ok) throw new DomainError('INVALID_INPUT', `expiresAt: ${when.message}`);
  return when.value;
}

/** Who a key is in the audit log: its name and id, never its secret. */
const keyTarget = (k: { id: string; name: string }) => `${k.name} (${k.id})`;

/** API keys: create, list, change, reveal, remove, bind, and the document each key gets. */
export function registerKeyRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { keys } = deps.access;

  async function oneKey(tenantId: string, id: string) {
    const [k, names] = await Promise.all([keys.get(tenantId, id), namesOf(deps, tenantId)]);
    return keyBody(deps, k, names);
  }

  admin.get(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'The tenant’s API keys (no secrets)',
        response: { 200: z.object({ keys: z.array(keySchema) }) },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const [list, names] = await Promise.all([keys.list(tenantId), namesOf(deps, tenantId)]);
      return { keys: list.map((k) => keyBody(deps, k, names)) };
    },
  );

  admin.post(
    '/keys',
    {
      schema: {
        tags: ['keys'],
        summary: 'Creates a key; the answer carries its secret',
        body: z.object({
          name: z.string().describe('At most 200 characters'),
          type: z.string().optional().describe('Custom (the only type for now)'),
          description: z.string().optional(),
          rateLimit: z.number().int().optional().describe('Requests per minute, default 60'),
          expiresAt: expiresAtInput,
          allowIps: allowIpsInput,
          corsOrigins: corsOriginsInput,
        }),
        response: { 201: keySchema.extend({ key: z.string().describe('The secret') }) },
      },
    },
    async (req, reply) => {
      const { tenantId } = adminOf(req);
      const created = await keys.create(tenantId, {
        ...req.body,
        expiresAt: expiresAtOf(req.body.expiresAt, deps.clock.now()),
      });
      await deps.changed();
      const detail = [
        `rate limit ${created.rateLimit}/min`,
        created.expiresAt ? `expires ${created.expiresAt}` : '',
        created.allowIps.length ? `allowed addresses ${created.allowIps.join(', ')}` : '',
        created.corsOrigins.length ? `CORS origins ${created.corsOrigins.join(', ')}` : '',
      ];
      await audit(deps, req, 'key.create', keyTarget(created), detail.filter(Boolean).join('; '));
      return reply.code(201).send({ ...(await oneKey(tenantId, created.id)), key: created.key });
    },
  );

  admin.get(
    '/keys/:id',
    {
      schema: { tags: ['keys'], summary: 'One key (no secret)', params: idParams, response: { 200: keySchema } },
    },
    async (req) => oneKey(adminOf(req).tenantId, req.params.id),
  );

  admin.patch(
    '/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary:
          'Changes a key’s name, description, rate limit, expiry, allowed addresses or CORS origins; ' +
          'same id, same bindings',
        params: idParams,
        body: z.object({
          name: z.string().optional(),
          description: z.string().optional(),
          rateLimit: z.number().int().optional(),
          expiresAt: expiresAtInput,
          allowIps: allowIpsInput,
          corsOrigins: corsOriginsInput,
        }),
        response: { 200: keySchema },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const { before, after } = await keys.update(tenantId, req.params.id, {
        ...req.body,
        expiresAt: expiresAtOf(req.body.expiresAt, deps.clock.now()),
      });
      const changes = keyChanges(before, after);
      if (changes.length > 0) {
        await deps.changed();
        await audit(deps, req, 'key.update', keyTarget(after), changes.join('; '));
      }
      return oneKey(tenantId, req.params.id);
    },
  );

  admin.delete(
    '/keys/:id',
    {
      schema: {
        tags: ['keys'],
        summary: 'Removes a key; clients using it get 401 within a second',
        params: idParams,
        response: { 204: z.void() },
      },
    },
    async (req, reply) => {
      const { tenantId } = adminOf(req);
      const k = await keys.get(tenantId, req.params.id);
      await keys.remove(tenantId, k.id);
      await deps.changed();
      await audit(deps, req, 'key.delete', keyTarget(k));
      return reply.code(204).send();
    },
  );

  for (const verb of ['disable', 'enable'] as const) {
    admin.post(
      `/keys/:id/${verb}`,
      {
        schema: {
          tags: ['keys'],
          summary:
            verb === 'disable'
              ? 'Disables the key: its clients get 403 within a second; bindings are kept'
              : 'Enables a disabled key again',
          params: idParams,
          response: { 200: keySchema },
        },
      },
      async (req) => {
        const { tenantId } = adminOf(req);
        const before = await keys.get(tenantId, req.params.id);
        const after = await keys.setDisabled(tenantId, before.id, verb === 'disable');
        if (before.disabled !== after.disabled) {
          await deps.changed();
          await audit(deps, req, `key.${verb}`, keyTarget(after));
        }
        return oneKey(tenantId, req.params.id);
      },
    );
  }

  admin.post(
    '/keys/:id/rotate',
    {
      schema: {
        tags: ['keys'],
        summary: 'A new secret for the key; the previous one works until the grace ends',
        params: idParams,
        body: z
          .object({
            grace: z
              .string()
              .max(32)
              .optional()
              .describe('How long the previous secret keeps working, such as 24h (the default), 30m or 0'),
          })
          .optional(),
        response: {
          200: z.object({ id: z.string(), key: z.string().describe('The new secret'), previousValidUntil: z.string() }),
        },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const k = await keys.get(tenantId, req.params.id);
      let graceMs = DEFAULT_GRACE_MS;
      if (req.body?.grace !== undefined) {
        const d = parseDuration(req.body.grace);
        if (!d.ok) throw new DomainError('INVALID_INPUT', `grace: ${d.message}`);
        graceMs = d.value;
      }
      const rotated = await keys.rotate(tenantId, k.id, graceMs);
      await deps.changed();
      await audit(deps, req, 'key.rotate', keyTarget(k), `previous secret valid until ${rotated.previousValidUntil}`);
      return rotated;
    },
  );

  admin.get(
    '/keys/:id/secret',
    {
      // A viewer reads keys, never their secrets.
      config: { role: 'admin' },
      schema: {
        tags: ['keys'],
        summary: 'The key’s secret, to copy again (recorded in the audit log)',
        params: idParams,
        response: { 200: z.object({ id: z.string(), key: z.string() }) },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const k = await keys.get(tenantId, req.params.id);
      const revealed = await keys.reveal(tenantId, k.id);
      await audit(deps, req, 'key.reveal', keyTarget(k));
      return revealed;
    },
  );

  admin.post(
    '/keys/:id/bindings',
    {
      schema: {
        tags: ['keys'],
        summary: 'Binds datasets and widgets to the key: all or none; binding twice is harmless',
        params: idParams,
        body: z.object({
          datasets: z.array(z.string().min(1).max(ID_MAX)).max(MAX_BIND).default([]),
          widgets: z.array(z.string().min(1).max(ID_MAX)).max(MAX_BIND).default([]),
        }),
        response: { 200: keySchema },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const { datasets, widgets } = req.body;
      await keys.bindAll(tenantId, req.params.id, [
        ...datasets.map((id) => ({ type: 'dataset' as const, id })),
        ...widgets.map((id) => ({ type: 'widget' as const, id })),
      ]);
      const body = await oneKey(tenantId, req.params.id);
      if (datasets.length + widgets.length > 0) {
        await deps.changed();
        const names = await namesOf(deps, tenantId);
        const list = (type: ResourceType, ids: string[]) =>
          ids.map((id) => `"${names[type].get(id) ?? id}" (${id})`).join(', ');
        const detail = [
          datasets.length ? `datasets ${list('dataset', datasets)}` : '',
          widgets.length ? `widgets ${list('widget', widgets)}` : '',
        ]
          .filter(Boolean)
          .join('; ');
        await audit(deps, req, 'key.bind', keyTarget(body), detail);
      }
      return body;
    },
  );

  admin.put(
    '/keys/:id/bindings/:type/:rid',
    {
      schema: {
        tags: ['keys'],
        summary: 'Binds a dataset or widget to the key with a row scope, or changes the scope of its binding',
        description:
          'The scope is a filter in the public filter language over the fields of the dataset (for a widget, ' +
          "of the widget's dataset), applied before aggregation; an empty scope means every row. A scope that " +
          'does not parse against those fields is refused with 400 INVALID_INPUT naming the problem.',
        params: z.object({
          id: z.string().min(1).max(ID_MAX),
          type: z.enum(['dataset', 'widget']),
          rid: z.string().min(1).max(ID_MAX),
        }),
        body: z.object({ where: whereSchema }),
        response: { 200: keySchema },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const { id, type, rid } = req.params;
      await keys.bind(tenantId, id, type, rid, req.body.where);
      const body = await oneKey(tenantId, id);
      await deps.changed();
      const names = await namesOf(deps, tenantId);
      const scope = req.body.where.trim() === '' ? 'every row' : `where ${req.body.where.trim()}`;
      await audit(
        deps,
        req,
        'key.bind',
        keyTarget(body),
        `${type} "${names[type].get(rid) ?? rid}" (${rid}), ${scope}`,
      );
      return body;
    },
  );

  admin.delete(
    '/keys/:id/bindings/:type/:rid',
    {
      schema: {
        tags: ['keys'],
        summary: 'Unbinds a dataset or widget from the key; its clients get 403 within a second',
        params: z.object({
          id: z.string().min(1).max(ID_MAX),
          type: z.enum(['dataset', 'widget']),
          rid: z.string().min(1).max(ID_MAX),
        }),
        response: { 204: z.void() },
      },
    },
    async (req, reply) => {
      const { tenantId } = adminOf(req);
      const { id, type, rid } = req.params;
      const k = await keys.get(tenantId, id);
      const names = await namesOf(deps, tenantId);
      await keys.unbind(tenantId, id, type, rid);
      await deps.changed();
      await audit(deps, req, 'key.unbind', keyTarget(k), `${type} "${names[type].get(rid) ?? rid}" (${rid})`);
      return reply.code(204).send();
    },
  );

  admin.get(
    '/keys/:id/openapi.json',
    {
      schema: {
        tags: ['keys'],
        summary: 'The OpenAPI document the key gets at /api/openapi.json',
        params: idParams,
        response: { 200: openApiDoc },
      },
    },
    async (req) => {
      const { tenantId } = adminOf(req);
      const k = await keys.get(tenantId, req.params.id);
      return keyOpenApi({
        keyName: k.name,
        baseUrl: publicBaseUrl(deps, req),
        ...keyResources(deps.usecases.resources, { tenantId, keyId: k.id }),
      });
    },
  );
}
