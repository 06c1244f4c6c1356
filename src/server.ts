import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config/config.ts';
import { memoryBudget } from './config/memory-budget.ts';
import type { Modules } from './modules.ts';
import { createMetrics, listenMetrics } from './http/metrics.ts';
import {
  createAttemptLimiter,
  createMemoryRateLimiter,
  createRedisAttemptLimiter,
  createRedisClient,
  createRedisRateLimiter,
  type AttemptRules,
} from './ratelimit/index.ts';
import { createChangeWatcher } from './store/change-watcher.ts';

export { openModules, type Modules } from './modules.ts';

// Last-used times are written in batches, never per request; a minute's delay is
// fine for a "last used" column and keeps writes off the hot path.
const LAST_USED_FLUSH_MS = 30_000;
// Usage counts are per minute; adding each minute's counts once keeps the page a minute
// behind at most on other nodes (this node reports its unwritten counts too) and costs
// one transaction a minute per node.
const USAGE_FLUSH_MS = 60_000;
// The fields keys' clients filter, sort and select on: written every 5 s so that a reload
// on another node (or the command line) sees a client's use within seconds; a row is
// rewritten at most once a minute (field-use-service.ts), so steady traffic costs little.
const FIELD_USE_FLUSH_MS = 5_000;
// Replaced tables are dropped a minute after their replacement (see dataset-service).
const SWEEP_MS = 60_000;

// Failed console sign-ins: 5 per email and 20 per address in 15 minutes, then 15
// minutes' wait. A person mistyping a password gets several tries; a guesser gets
// 480 tries a day per email, against scrypt.
const SIGNIN_FAILURES_PER_EMAIL = 5;
const SIGNIN_FAILURES_PER_ADDRESS = 20;
const SIGNIN_WINDOW_S = 15 * 60;
const SIGNIN_BLOCK_S = 15 * 60;

/** The version in package.json, for the start line. */
function packageVersion(): string {
  try {
    return String(JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

/** The project's root (where package.json is), from src/ or from a bundle in dist/build-…/. */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export interface Server {
  readonly app: FastifyInstance;
  /**
   * Listens on the public port (and the metrics listener when configured), logs a line
   * with the version, backend and address, and, while the tenant has no admin, the
   * setup code. Resolves with the public address.
   */
  listen(opts: { host: string; port: number }): Promise<string>;
  /** The metrics listener's URL once listening (DATAGATE_METRICS_ADDR), else undefined. */
  metricsUrl(): string | undefined;
  readonly modules: Modules;
  /** Reloads the in-memory views now, after a change made through `modules`. */
  refresh(): Promise<void>;
  /**
   * Settles when the widget warmer (bound widgets' first answers computed after a change)
   * has nothing left to do for the changes seen so far (tests).
   */
  widgetsWarmed(): Promise<void>;
  /** Writes the batched usage counts, last-used times and field uses now (tests; `close` does it too). */
  flushNow(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a ready-to-listen server over already opened modules. */
export async function createServer(config: Config, modules: Modules): Promise<Server> {
  const { store, access, catalog, usecases, clock } = modules;
  // The Redis client logs through the app's logger, which exists only once the app does.
  let log: FastifyInstance['log'] | undefined;
  const redis = config.redis.url
    ? createRedisClient(config.redis.url, { warn: (o, m) => log?.warn(o, m), info: (o, m) => log?.info(o, m) })
    : undefined;
  const metrics = createMetrics();
  metrics.watch({ pool: () => store.poolStats(), redisUp: redis && (() => redis.status === 'ready') });
  catalog.watchLoads((load) => metrics.datasetLoaded(load));
  let draining = false;
  // The widget warmer's start, handed over by the app, and its latest pass.
  let warmWidgets: (() => Promise<void>) | undefined;
  let widgetsWarmed = Promise.resolve();
  let metricsListener: { url: string; close(): Promise<void> } | undefined;
  // Lockouts are shared through Redis like the key limits, so that N nodes don't give a
  // guesser N times the tries and a restart lifts no block.
  const attemptLimiter = (name: string, rules: AttemptRules) =>
    redis
      ? createRedisAttemptLimiter({ ...rules, client: redis, keyPrefix: config.redis.prefix, name, clock })
      : createAttemptLimiter({ ...rules, clock });
  const app = await buildApp({
    access,
    catalog,
    usecases,
    sources: modules.sources,
    clock,
    metrics,
    ready: async () => (await store.readGeneration(), true),
    limiter: redis
      ? createRedisRateLimiter({ client: redis, windowSeconds: 60, keyPrefix: config.redis.prefix })
      : createMemoryRateLimiter({ windowSeconds: 60 }),
    attempts: attemptLimiter('key', {
      limit: config.api.keyFailureLimit,
      windowSeconds: config.api.keyFailureWindowSeconds,
      blockSeconds: config.api.keyFailureBlockSeconds,
    }),
    http: config.http,
    metricsToken: config.ops.metricsToken,
    draining: () => draining,
    api: { ...config.api, pageCacheBytes: memoryBudget(config.memoryMb, config.api.pageCacheMb).pageCacheBytes },
    logLevel: config.logLevel,
    // Without query workers a query holds up the event loop: nothing is computed ahead then.
    warming:
      store.poolStats().kind === 'none'
        ? undefined
        : {
            onReady: (warm) => (warmWidgets = warm),
            queriesBusy: () => {
              const p = store.poolStats();
              return p.waiting > 0 || (p.size > 0 && p.busy >= p.size);
            },
          },
    admin: {
      tenant: config.tenant,
      publicUrl: config.http.publicUrl,
      signIn: {
        perEmail: attemptLimiter('signin-email', {
          limit: SIGNIN_FAILURES_PER_EMAIL,
          windowSeconds: SIGNIN_WINDOW_S,
          blockSeconds: SIGNIN_BLOCK_S,
        }),
        perAddress: attemptLimiter('signin-address', {
          limit: SIGNIN_FAILURES_PER_ADDRESS,
          windowSeconds: SIGNIN_WINDOW_S,
          blockSeconds: SIGNIN_BLOCK_S,
        }),
      },
      changed: () => watcher.poke(),
      usage: access.usage,
      consoleDir: config.admin.consoleDir ?? path.join(projectRoot(), 'web', 'dist'),
    },
  });
  log = app.log;
  for (const { table, bytes } of modules.droppedTables)
    app.log.warn({ table, bytes }, 'dropped a dataset table left behind by an interrupted load');
  const watcher = createChangeWatcher({
    store,
    intervalMs: config.changePollMs,
    onChange: async () => {
      await Promise.all([access.registry.reload(), catalog.registry.reload(), catalog.widgetRegistry.reload()]);
      // In the background: a load's bound widgets get their first answer computed ahead.
      if (warmWidgets) widgetsWarmed = warmWidgets();
    },
    onError: (err) => app.log.error({ err }, 'reloading after a change failed'),
    onRecover: () => app.log.info('reloading after a change works again'),
  });
  await watcher.start();

  const flushLastUsed = async () => {
    const uses = access.registry.unwrittenUses();
    try {
      await access.keys.recordLastUsed(uses);
      access.registry.forgetWritten(uses);
    } catch (err) {
      app.log.warn({ err }, 'recording last use failed; keeping it for the next try');
    }
  };
  // A database outage is logged when it starts, when counts start being dropped, and when
  // it ends; not once a minute.
  let usageFailing = false;
  let usageDropping = false;
  const flushUsage = async () => {
    const r = await access.usage.flush();
    if (r.dropped > 0 && !usageDropping)
      app.log.warn({ dropped: r.dropped }, 'usage counts older than a day could not be written and are being dropped');
    if (r.error !== undefined && !usageFailing)
      app.log.warn({ err: r.error, kept: r.kept }, 'writing usage counts failed; keeping them for the next try');
    else if (r.error === undefined && usageFailing) app.log.info('writing usage counts works again');
    usageFailing = r.error !== undefined;
    usageDropping = usageFailing && (usageDropping || r.dropped > 0);
  };
  let fieldUsesFailing = false;
  let fieldUsesDropping = false;
  const flushFieldUses = async () => {
    const r = await access.fieldUses.flush();
    // Once when uses start being dropped, not every 5 s.
    if (r.dropped > 0 && !fieldUsesDropping)
      app.log.warn({ dropped: r.dropped }, 'field uses over the memory cap were not recorded');
    fieldUsesDropping = r.dropped > 0;
    if (r.error !== undefined && !fieldUsesFailing)
      app.log.warn({ err: r.error }, 'writing field uses failed; keeping them for the next try');
    else if (r.error === undefined && fieldUsesFailing) app.log.info('writing field uses works again');
    fieldUsesFailing = r.error !== undefined;
  };
  const timers = [
    setInterval(() => void flushLastUsed(), LAST_USED_FLUSH_MS),
    setInterval(() => void flushFieldUses(), FIELD_USE_FLUSH_MS),
    setInterval(() => void flushUsage(), USAGE_FLUSH_MS),
    setInterval(
      () => void catalog.datasets.sweepRetired().catch((err) => app.log.warn({ err }, 'sweep failed')),
      SWEEP_MS,
    ),
    setInterval(
      () => void access.sessions.sweep().catch((err) => app.log.warn({ err }, 'session sweep failed')),
      SWEEP_MS,
    ),
  ];
  for (const t of timers) t.unref();
  // Due syncs of live datasets; on several nodes each due run is claimed by one of them.
  const scheduler = modules.sources.scheduler(app.log.child({ module: 'sources' }));
  scheduler.start(config.sources?.tickMs);

  async function listen(opts: { host: string; port: number }): Promise<string> {
    const address = await app.listen(opts);
    if (config.ops.metricsAddr) metricsListener = await listenMetrics(metrics, config.ops.metricsAddr);
    app.log.info(
      {
        version: packageVersion(),
        node: process.version,
        backend: store.location,
        address,
        metrics: metricsListener?.url ?? (config.ops.metricsToken ? `${address}/metrics (token)` : 'off'),
        queryWorkers: store.poolStats().kind === 'workers' ? store.poolStats().size : undefined,
      },
      'datagate started',
    );
    const tenant = await access.tenants.ensure(config.tenant);
    if ((await access.users.count(tenant.id)) === 0)
      app.log.warn(
        { url: `${(config.http.publicUrl ?? address).replace(/\/+$/, '')}/admin/setup` },
        `first admin: setup code ${access.setup.code(config.tenant)} (not needed from this machine)`,
      );
    return address;
  }

  return {
    app,
    modules,
    listen,
    metricsUrl: () => metricsListener?.url,
    refresh: () => watcher.poke(),
    widgetsWarmed: () => widgetsWarmed,
    async flushNow() {
      await Promise.all([flushLastUsed(), flushUsage(), flushFieldUses()]);
    },
    async close() {
      // Draining: /readyz answers 503 at once, requests in flight finish, new ones are
      // still served until the listener closes; past the deadline open connections are cut.
      draining = true;
      app.log.info({ deadlineMs: config.ops.shutdownTimeoutMs }, 'datagate shutting down');
      watcher.stop();
      scheduler.stop();
      for (const t of timers) clearInterval(t);
      const deadline = setTimeout(() => {
        app.log.warn('shutdown deadline passed: closing the connections still open');
        app.server.closeAllConnections();
      }, config.ops.shutdownTimeoutMs);
      deadline.unref();
      await app.close();
      clearTimeout(deadline);
      await metricsListener?.close();
      await Promise.all([flushLastUsed(), flushUsage(), flushFieldUses()]);
      redis?.disconnect();
      app.log.info('datagate stopped');
    },
  };
}
