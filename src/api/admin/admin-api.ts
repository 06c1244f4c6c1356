import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { NUL_REASON, nulPath } from '../../shared/text.ts';
import { createAdminSessionGate } from '../../http/admin-session.ts';
import { adminErrorHandler, sendAdminError } from '../../http/admin-replies.ts';
import type { AdminDeps } from './admin-context.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerDatasetRoutes } from './dataset-routes.ts';
import { registerFavouriteRoutes } from './favourite-routes.ts';
import { registerKeyRoutes } from './key-routes.ts';
import { registerSourceRoutes } from './source-routes.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { registerSettingsRoutes } from './settings-routes.ts';
import { registerUploadRoutes } from './upload-routes.ts';
import { registerTokenRoutes } from './token-routes.ts';
import { registerUsageRoutes } from './usage-routes.ts';
import { registerUserRoutes } from './user-routes.ts';
import { registerWidgetRoutes } from './widget-routes.ts';

export const ADMIN_PREFIX = '/admin/api';

const RELOAD_ROUTE = `${ADMIN_PREFIX}/datasets/:id/reload`;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Registers the admin API under /admin/api, and its OpenAPI document at
 * /admin/api/openapi.json (generated from the routes' zod schemas).
 * Call before any other route, so that the document sees the admin routes.
 */
export async function registerAdminApi(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'datagate admin API',
        version: '1',
        description:
          'Everything the console does. Sign in with POST /admin/api/session (a session cookie), then send the ' +
          'x-csrf-token header from GET /admin/api/session on every POST, PUT, PATCH and DELETE. Or, from a ' +
          'script, send an admin token as Authorization: Bearer dgt_… (no cookie, no CSRF token).',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'dg_session' },
          token: { type: 'http', scheme: 'bearer', description: 'An admin token, dgt_…, from `token create`' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    // Only the admin routes belong in this document; the public API has its own per key.
    transform: (input) =>
      input.url.startsWith(`${ADMIN_PREFIX}/`) && input.url !== `${ADMIN_PREFIX}/openapi.json`
        ? jsonSchemaTransform(input)
        : { schema: { hide: true } as never, url: input.url },
  });

  await app.register(
    async (scope) => {
      const admin = scope.withTypeProvider<ZodTypeProvider>();
      admin.setValidatorCompiler(validatorCompiler);
      admin.setSerializerCompiler(serializerCompiler);
      admin.decorateRequest('admin', null);

      admin.setNotFoundHandler((req, reply) =>
        sendAdminError(reply, 'NOT_FOUND', `No admin route ${req.method} ${req.url.split('?')[0]}`),
      );
      admin.setErrorHandler(adminErrorHandler);

      // JSON only (uploads excepted): a cross-site form can send form-encoded or plain
      // text without a preflight, never application/json, so sign-in and setup need no CSRF token.
      admin.addHook('onRequest', async (req, reply) => {
        if (!BODY_METHODS.has(req.method)) return;
        const type = req.headers['content-type'];
        const hasBody =
          type !== undefined ||
          Number(req.headers['content-length'] ?? 0) > 0 ||
          req.headers['transfer-encoding'] !== undefined;
        if (!hasBody) return;
        const expected = req.url.startsWith(`${ADMIN_PREFIX}/uploads`)
          ? 'application/octet-stream'
          : 'application/json';
        const given = type?.split(';')[0].trim().toLowerCase();
        // A reload takes the file itself too, as a form (the session's CSRF check still applies).
        if (given === 'multipart/form-data' && req.routeOptions.url === RELOAD_ROUTE) return;
        if (given !== expected) {
          return sendAdminError(reply, 'UNSUPPORTED_MEDIA_TYPE', `The request body must be ${expected}`);
        }
      });
      // onRequest, before the body is read and validated: without a session (or the CSRF
      // token) nothing about the request is looked at, not even whether its body is valid.
      admin.addHook(
        'onRequest',
        createAdminSessionGate({ sessions: deps.access.sessions, tokens: deps.access.tokens }),
      );

      // After parsing, before validation: no admin input may hold U+0000, which PostgreSQL
      // can't store in text (SQLite can); one rule here keeps both backends answering alike.
      admin.addHook('preValidation', async (req, reply) => {
        const where = nulPath(req.params, 'path') ?? nulPath(req.query, 'query') ?? nulPath(req.body, 'body');
        if (where !== null) return sendAdminError(reply, 'INVALID_INPUT', `${JSON.stringify(where)} ${NUL_REASON}`);
      });

      admin.get('/openapi.json', { config: { anonymous: true }, schema: { hide: true } }, async () => app.swagger());

      registerSessionRoutes(admin, deps);
      registerSettingsRoutes(admin, deps);
      registerKeyRoutes(admin, deps);
      registerUserRoutes(admin, deps);
      registerTokenRoutes(admin, deps);
      registerAuditRoutes(admin, deps);
      registerUploadRoutes(admin, deps);
      registerDatasetRoutes(admin, deps);
      registerSourceRoutes(admin, deps);
      registerWidgetRoutes(admin, deps);
      registerFavouriteRoutes(admin, deps);
      registerUsageRoutes(admin, deps);
    },
    { prefix: ADMIN_PREFIX },
  );
}
