import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Access } from '../../access/index.ts';
import { widgetColumns, type Catalog } from '../../catalog/index.ts';
import { sendJson, sendPublicError } from '../../http/public-replies.ts';
import { DomainError } from '../../shared/errors.ts';
import { keyOpenApi, type KeyOpenApiInput } from './key-openapi.ts';

export interface OpenApiRouteDeps {
  access: Access;
  catalog: Catalog;
  /** The public base URL for `servers`; the request's origin when unset. */
  publicUrl?: string;
}

/** The public API's base URL: configured, or the origin this request came to. */
export function baseUrlOf(publicUrl: string | undefined, req: FastifyRequest): string {
  return publicUrl ? publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`;
}

/**
 * What the document of one key describes: its bound datasets and widgets as the
 * in-memory registries (what the public API serves) know them, in binding order.
 */
export function keyResources(
  deps: Pick<OpenApiRouteDeps, 'access' | 'catalog'>,
  tenantId: string,
  keyId: string,
): Pick<KeyOpenApiInput, 'datasets' | 'widgets'> {
  const { access, catalog } = deps;
  const datasets = access.registry
    .boundIds(keyId, 'dataset')
    .map((id) => catalog.registry.get(tenantId, id))
    .filter((ds) => ds !== undefined)
    .map((ds) => ({ id: ds.id, name: ds.name, description: ds.description, fields: ds.fields }));
  const widgets = access.registry
    .boundIds(keyId, 'widget')
    .map((id) => catalog.widgetRegistry.get(tenantId, id))
    .filter((w) => w !== undefined)
    .map((w) => {
      const ds = catalog.registry.get(tenantId, w.datasetId);
      return {
        id: w.id,
        name: w.name,
        description: `A ${w.chart} widget over the dataset "${ds?.name ?? w.datasetId}".`,
        columns: widgetColumns(w.spec, ds?.fields ?? []),
      };
    });
  return { datasets, widgets };
}

/** `GET /api/openapi.json`: the OpenAPI 3.1 document for the calling key (spec section 2). */
export function registerOpenApiRoutes(app: FastifyInstance, deps: OpenApiRouteDeps): void {
  app.get('/api/openapi.json', async (req, reply) => {
    const p = req.principal!;
    // Not the hot path: one look-up for the key's name is cheaper than keeping names in memory.
    const key = await deps.access.keys.get(p.tenantId, p.keyId).catch((e: unknown) => {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    });
    // Removed between the gate's in-memory check and this look-up.
    if (!key) return sendPublicError(reply, 'KEY_INVALID');
    const doc = keyOpenApi({ keyName: key.name, baseUrl: baseUrlOf(deps.publicUrl, req), ...keyResources(deps, p.tenantId, p.keyId) });
    return sendJson(reply, JSON.stringify(doc));
  });
}
