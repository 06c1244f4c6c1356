import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import compress from '@fastify/compress';
import { constants as zlib } from 'node:zlib';
import type { Access } from './access/index.ts';
import type { Catalog } from './catalog/index.ts';
import { createExportSlots, type AttemptLimiter, type RateLimiter } from './ratelimit/index.ts';
import type { Clock } from './shared/clock.ts';
import type { UseCases } from './usecases/index.ts';
import type { Sources } from './sources/index.ts';
import { registerOpsRoutes, type Metrics } from './http/metrics.ts';
import { createApiKeyGate, createRateLimitSettler } from './http/api-key-auth.ts';
import { registerPreflight } from './http/key-access.ts';
import { publicErrorHandler, sendPublicError } from './http/public-replies.ts';
import { registerDatasetRoutes } from './api/public/dataset-routes.ts';
import { registerExportRoutes } from './api/public/export-routes.ts';
import { createPageCache } from './api/public/page-cache.ts';
import { registerWidgetRoutes } from './api/public/widget-routes.ts';
import { createWidgetWarmer } from './api/public/widget-warmer.ts';
import { registerOpenApiRoutes } from './api/public/openapi-routes.ts';
import { registerAdminApi } from './api/admin/admin-api.ts';
import type { AdminDeps } from './api/admin/admin-context.ts';
import { registerConsoleRoutes } from './http/console-routes.ts';
import { sendODataError } from './http/odata-replies.ts';
import { registerODataRoutes } from './api/odata/odata-routes.ts';
import { clientErrorHandler, frameworkErrors } from './http/early-replies.ts';

export interface AppDeps {
  access: Access;
  catalog: Catalog;
  usecases: UseCases;
  sources: Sources;
  limiter: RateLimiter;
  attempts: AttemptLimiter;
  clock: Clock;
  metrics: Metrics;
  /** Whether the database answers, for /readyz. */
  ready: () => Promise<boolean>;
  /** Fastify's trustProxy: true, a hop count, or the trusted proxies' addresses and CIDRs. */
  http: { bodyLimit: number; trustProxy: boolean | number | string[] };
  api: { maxPageSize: number; pageCacheBytes: number; queryTimeoutMs: number };
  logLevel: string;
  /** `/metrics` on the public port needs this bearer token; without one it is not served there. */
  metricsToken?: string;
  /**
   * Hands over the widget warmer's start (see widget-warmer.ts), for the server to call
   * after each change of the catalog; `queriesBusy` tells it when to wait for clients.
   */
  warming?: { onReady: (warm: () => Promise<void>) => void; queriesBusy: () => boolean };
  /** True once the server is shutting down: /readyz answers 503. */
  draining?: () => boolean;
  /** The admin API's own settings; without them the server has no admin API nor console. */
  admin?: Omit<
    AdminDeps,
    'access' | 'catalog' | 'usecases' | 'sources' | 'clock' | 'maxPageSize' | 'queryTimeoutMs'
  > & {
    consoleDir?: string;
  };
}

// Spec section 10: a key runs at most two exports at a time (on each node).
const EXPORTS_PER_KEY = 2;
// An export whose reader takes nothing for a minute is cut off: it holds a database connection.
const EXPORT_STALL_MS = 60_000;
/** The public API's page reads: the routes that run alongside their request's rate-limit call. */
const PAGE_READS = new Set(['/api/dataset/:resourceId', '/api/widget/:resourceId']);

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's trustProxy for the setting. A hop count becomes a function (this Fastify treats
 * a bare number as "trust nothing"): the peer and the N-1 proxies before it are believed, so
 * the client is the N-th address from the right of X-Forwarded-For. It suits a server that
 * only its proxies can reach; one clients can reach directly should name its proxies instead.
 */
function trustProxyOption(
  setting: boolean | number | string[],
): boolean | string[] | ((a: string, i: number) => boolean) {
  return typeof setting === 'number' ? (_address: string, hop: number) => hop < setting : setting;
}

/** Builds the HTTP application; never listens (the caller, or a test, decides). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.logLevel,
      redact: [
        'req.headers.apikey',
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
      ],
    },
    // One line per request from the onResponse hook below instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.http.bodyLimit,
    trustProxy: trustProxyOption(deps.http.trustProxy),
    // No header is taken as it is: genReqId keeps a client's X-Request-Id only when it is a plain token.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors,
    clientErrorHandler,
  });
  app.decorateRequest('principal', null);

  // Callback-style hooks: on the hot path they cost less than async ones.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  if (['info', 'debug', 'trace'].includes(deps.logLevel)) {
    app.addHook('onResponse', (req, reply, done) => {
      // Who asked, never with what secret: the key's id, the admin's user id, the tenant.
      const p = req.principal;
      const a = req.admin ?? undefined;
      req.log.info(
        {
          method: req.method,
          url: req.url.split('?')[0],
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
          key: p?.keyId,
          user: a?.userId,
          tenant: p?.tenantId ?? a?.tenantId,
          ip: req.ip,
          ua: req.headers['user-agent'],
        },
        'request',
      );
      done();
    });
  }

  await app.register(formbody);
  if (deps.admin) {
    // First: the admin API's OpenAPI document collects the routes registered after it.
    const { consoleDir, ...admin } = deps.admin;
    await registerAdminApi(app, {
      ...admin,
      access: deps.access,
      catalog: deps.catalog,
      usecases: deps.usecases,
      sources: deps.sources.sync,
      clock: deps.clock,
      maxPageSize: deps.api.maxPageSize,
      queryTimeoutMs: deps.api.queryTimeoutMs,
    });
    await registerConsoleRoutes(app, consoleDir);
  }

  app.setNotFoundHandler((_req, reply) => sendPublicError(reply, 'ROUTE_NOT_FOUND'));
  app.addHook('onResponse', (req, reply, done) => {
    deps.metrics.observe(req, reply);
    done();
  });

  app.setErrorHandler(publicErrorHandler({ bodyLimit: deps.http.bodyLimit, queryTimeoutMs: deps.api.queryTimeoutMs }));

  const gateDeps = {
    access: deps.access.registry,
    limiter: deps.limiter,
    attempts: deps.attempts,
    now: () => deps.clock.now(),
    rejected: (kind: 'key' | 'address') => deps.metrics.rateLimited(kind),
  };
  /** What /api/ and /odata/ share: the key gate, compression and usage per key. */
  async function keyedScope(scope: FastifyInstance, gate: ReturnType<typeof createApiKeyGate>): Promise<void> {
    scope.addHook('preHandler', gate);
    // Before compression's: a 429 that replaces an answer is what gets compressed (or not).
    scope.addHook('onSend', createRateLimitSettler(gateDeps));
    // gzip or br for bodies over 1 KB when the client accepts them (spec section 12).
    // Brotli at quality 4: near gzip's speed with a smaller body; 11 (its default) costs
    // tens of milliseconds a page.
    await scope.register(compress, {
      threshold: 1024,
      encodings: ['br', 'gzip'],
      brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
    });
    // Usage per key, minute and status (the admin's Usage page): counted in memory,
    // written once a minute by the server. Requests without a valid key have no key
    // to count for; /metrics counts them by status.
    const { usage } = deps.access;
    scope.addHook('onResponse', (req, reply, done) => {
      const p = req.principal;
      if (p !== null) usage.count(p.tenantId, p.keyId, reply.statusCode);
      done();
    });
  }
  // CORS preflights carry no key: answered before the gate, on both public prefixes.
  registerPreflight(app, '/api');
  registerPreflight(app, '/odata');
  await app.register(async (api) => {
    // Page reads run alongside the rate-limit call (see createApiKeyGate).
    const overlap = (req: FastifyRequest) => PAGE_READS.has(req.routeOptions.url ?? '');
    await keyedScope(api, createApiKeyGate({ ...gateDeps, overlap }));
    const routeDeps = {
      catalog: deps.catalog,
      resources: deps.usecases.resources,
      maxPageSize: deps.api.maxPageSize,
      queryTimeoutMs: deps.api.queryTimeoutMs,
      // One cache for dataset pages and widget results: their keys never collide.
      pageCache: createPageCache(deps.api.pageCacheBytes, (hit) => deps.metrics.pageCache(hit)),
      cursors: deps.access.cursors,
      fieldUses: deps.access.fieldUses,
      queryTime: (kind: 'dataset' | 'widget', seconds: number) => deps.metrics.queryTime(kind, seconds),
    };
    registerDatasetRoutes(api, routeDeps);
    registerWidgetRoutes(api, routeDeps);
    if (deps.warming) {
      const warmer = createWidgetWarmer({
        ...routeDeps,
        busy: deps.warming.queriesBusy,
        onError: (err, widgetId) =>
          app.log.warn({ err, widgetId }, 'computing a widget ahead of its first request failed'),
      });
      app.addHook('onClose', () => warmer.stop());
      deps.warming.onReady(() => warmer.poke());
    }
    registerExportRoutes(api, {
      ...routeDeps,
      exportSlots: createExportSlots(EXPORTS_PER_KEY),
      exportStallMs: EXPORT_STALL_MS,
    });
    registerOpenApiRoutes(api, {
      access: deps.access,
      resources: deps.usecases.resources,
      publicUrl: deps.admin?.publicUrl,
    });
  });

  // The OData feed (spec section 11): the same key checks and rate limit as /api/, the
  // key also taken from HTTP Basic, and every answer (refusals included) in OData's terms.
  await app.register(
    async (odata) => {
      odata.addHook('onRequest', (_req, reply, done) => {
        reply.header('odata-version', '4.0');
        done();
      });
      await keyedScope(odata, createApiKeyGate({ ...gateDeps, basic: true, sendError: sendODataError }));
      odata.setErrorHandler(
        publicErrorHandler({ bodyLimit: deps.http.bodyLimit, queryTimeoutMs: deps.api.queryTimeoutMs }, sendODataError),
      );
      odata.setNotFoundHandler((_req, reply) =>
        sendODataError(
          reply,
          'ROUTE_NOT_FOUND',
          'The OData feed is read-only: GET the service document, $metadata or an entity set',
        ),
      );
      registerODataRoutes(odata, {
        catalog: deps.catalog,
        resources: deps.usecases.resources,
        maxPageSize: deps.api.maxPageSize,
        queryTimeoutMs: deps.api.queryTimeoutMs,
        fieldUses: deps.access.fieldUses,
        queryTime: (kind: 'dataset' | 'widget', seconds: number) => deps.metrics.queryTime(kind, seconds),
        publicUrl: deps.admin?.publicUrl,
      });
    },
    { prefix: '/odata' },
  );

  registerOpsRoutes(app, {
    metrics: deps.metrics,
    ready: deps.ready,
    draining: deps.draining,
    metricsToken: deps.metricsToken,
  });
  return app;
}
