import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  const cacheLookups = new Counter({
    name: 'datagate_page_cache_lookups_total',
    help: 'Dataset pages and widget results looked up in the page cache, by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const loads = new Histogram({
    name: 'datagate_dataset_load_duration_seconds',
    help: 'Dataset loads (uploads, reloads, syncs) by kind (new or reload) and result (ok or failed)',
    labelNames: ['kind', 'result'] as const,
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const loadedRows = new Counter({
    name: 'datagate_dataset_loaded_rows_total',
    help: 'Rows loaded into datasets by successful loads',
    registers: [registry],
  });
  return {
    registry,
    pageCache(hit: boolean): void {
      cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
    },
    datasetLoaded(load: { kind: 'new' | 'reload'; ok: boolean; rows: number; seconds: number }): void {
      loads.observe({ kind: load.kind, result: load.ok ? 'ok' : 'failed' }, load.seconds);
      if (load.ok) loadedRows.inc(load.rows);
    },
    /** Gauges read when scraped: connection or worker use, and whether Redis is reachable. */
    watch(sources: {
      pool: () => { kind: string; size: number; busy: number; waiting: number };
      redisUp?: () => boolean;
    }): void {
      new Gauge({
        name: 'datagate_db_pool',
        help:
          'PostgreSQL connections (kind connections) or SQLite query workers (kind workers): size, busy, and ' +
          'requests waiting for one',
        labelNames: ['kind', 'state'] as const,
        registers: [registry],
        collect() {
          const s = sources.pool();
          for (const state of ['size', 'busy', 'waiting'] as const) this.set({ kind: s.kind, state }, s[state]);
        },
      });
      const redisUp = sources.redisUp;
      if (redisUp)
        new Gauge({
          name: 'datagate_redis_up',
          help: '1 when Redis answers; 0 while it is away and rate limits and lockouts are per node',
          registers: [registry],
          collect() {
            this.set(redisUp() ? 1 : 0);
          },
        });
    },
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

/**
 * `/healthz` (the process answers), `/readyz` (the database answers and the server is
 * not shutting down) and, when `metricsToken` is given, `/metrics` for requests that
 * carry `Authorization: Bearer <token>`. Without a token the public port has no
 * `/metrics` (it is served on its own listener, DATAGATE_METRICS_ADDR, or not at all).
 */
export function registerOpsRoutes(
  app: FastifyInstance,
  deps: { metrics: Metrics; ready: () => Promise<boolean>; draining?: () => boolean; metricsToken?: string },
): void {
  app.get('/healthz', async (_req, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    // Draining first: a load balancer stops sending requests before the server stops taking them.
    if (deps.draining?.()) return reply.code(503).send({ status: 'shutting down' });
    const ok = await deps.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable' });
  });
  const token = deps.metricsToken;
  if (token === undefined) return;
  const expected = Buffer.from(`Bearer ${token}`);
  app.get('/metrics', async (req, reply) => {
    const given = Buffer.from(req.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="datagate metrics"')
        .send({ message: 'Metrics need Authorization: Bearer <DATAGATE_METRICS_TOKEN>' });
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}

/**
 * `/metrics` on a listener of its own (DATAGATE_METRICS_ADDR, `host:port`), for a scraper
 * on a private network; nothing else is served there. Resolves with its address.
 */
export async function listenMetrics(metrics: Metrics, addr: string): Promise<{ url: string; close(): Promise<void> }> {
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(addr.slice(colon + 1));
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: this listener serves GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
