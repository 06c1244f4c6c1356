import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config/config.ts';
import type { Modules } from './modules.ts';
import { createAttemptLimiter, createMemoryRateLimiter } from './ratelimit/index.ts';
import { createChangeWatcher } from './store/change-watcher.ts';

export { openModules, type Modules } from './modules.ts';

// Last-used times are written in batches, never per request; a minute's delay is
// fine for a "last used" column and keeps writes off the hot path.
const LAST_USED_FLUSH_MS = 30_000;
// Replaced tables are dropped a minute after their replacement (see dataset-service).
const SWEEP_MS = 60_000;

export interface Server {
  readonly app: FastifyInstance;
  readonly modules: Modules;
  /** Reloads the in-memory views now, after a change made through `modules`. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a ready-to-listen server over already opened modules. */
export async function createServer(config: Config, modules: Modules): Promise<Server> {
  const { store, access, catalog, clock } = modules;
  const app = await buildApp({
    access,
    catalog,
    clock,
    limiter: createMemoryRateLimiter({ windowSeconds: 60 }),
    attempts: createAttemptLimiter({
      limit: config.api.keyFailureLimit,
      windowSeconds: config.api.keyFailureWindowSeconds,
      blockSeconds: config.api.keyFailureBlockSeconds,
    }),
    http: config.http,
    api: config.api,
    logLevel: config.logLevel,
  });
  const watcher = createChangeWatcher({
    store,
    intervalMs: config.changePollMs,
    onChange: async () => {
      await Promise.all([access.registry.reload(), catalog.registry.reload(), catalog.widgetRegistry.reload()]);
    },
    onError: (err) => app.log.error({ err }, 'reloading after a change failed'),
  });
  await watcher.start();

  const flushLastUsed = () =>
    access.keys.recordLastUsed(access.registry.takeLastUsed()).catch((err) => app.log.warn({ err }, 'recording last use failed'));
  const timers = [
    setInterval(flushLastUsed, LAST_USED_FLUSH_MS),
    setInterval(() => void catalog.datasets.sweepRetired().catch((err) => app.log.warn({ err }, 'sweep failed')), SWEEP_MS),
  ];
  for (const t of timers) t.unref();

  return {
    app,
    modules,
    refresh: () => watcher.poke(),
    async close() {
      watcher.stop();
      for (const t of timers) clearInterval(t);
      await app.close();
      await flushLastUsed();
    },
  };
}
