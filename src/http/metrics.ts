import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Latency buckets from 0.5 ms (a cached page) to 30 s (the query time limit).
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Prometheus metrics of one server: a registry of its own, so tests can build many. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'datagate_' });
  const requests = new Counter({
    name: 'datagate_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'datagate_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'datagate_rate_limit_rejections_total',
    help: 'Requests refused with 429: kind "key" for a key over its limit, "address" for too many invalid keys',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const queries = new Histogram({
    name: 'datagate_query_duration_seconds',
    help: 'Database time of dataset and widget queries (cache misses only)',
    labelNames: ['kind'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    /** For an onResponse hook: one count and one latency sample per request. */
    observe(req: FastifyRequest, reply: FastifyReply): void {
      // Unmatched URLs share one label, so scanners can't grow the label set.
      const route = req.routeOptions.url ?? 'unmatched';
      requests.inc({ route, method: req.method, status: reply.statusCode });
      latency.observe({ route }, reply.elapsedTime / 1000);
    },
    rateLimited(kind: 'key' | 'address'): void {
      rejections.inc({ kind });
    },
    queryTime(kind: string, seconds: number): void {
      queries.observe({ kind }, seconds);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** `/healthz` (the process answers), `/readyz` (the database answers) and `/metrics`. */
export function registerOpsRoutes(
  app: FastifyInstance,
  deps: { metrics: Metrics; ready: () => Promise<boolean> },
): void {
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable' });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
}
