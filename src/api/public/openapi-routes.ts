import type { FastifyInstance } from 'fastify';
import type { Access } from '../../access/index.ts';
import { sendJson, sendPublicError } from '../../http/public-replies.ts';
import { DomainError } from '../../shared/errors.ts';
import type { ResourceResolver } from '../../usecases/index.ts';
import { baseUrlOf } from './base-url.ts';
import { keyOpenApi, keyResources } from './key-openapi.ts';

export interface OpenApiRouteDeps {
  access: Access;
  resources: ResourceResolver;
  /** The public base URL for `servers`; the request's origin when unset. */
  publicUrl?: string;
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
    const doc = keyOpenApi({
      keyName: key.name,
      baseUrl: baseUrlOf(deps.publicUrl, req),
      ...keyResources(deps.resources, p),
    });
    return sendJson(reply, JSON.stringify(doc));
  });
}
