import os from 'node:os';
import { z } from 'zod';
import { parseCidr } from '../shared/network.ts';
import { DEFAULT_MEMORY_MB } from './memory-budget.ts';

const intFromEnv = (def: number, min: number) => z.coerce.number().int().min(min).default(def);

// Named ranges that Fastify's trustProxy (proxy-addr) knows besides addresses and CIDRs.
const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];
const RANGES = PROXY_RANGES.join('/');
// More hops than any real chain of proxies: a larger count is a typo.
const MAX_PROXY_HOPS = 32;

/**
 * `DATAGATE_TRUST_PROXY`: whether and which proxies' X-Forwarded-For is believed. `true`
 * trusts every hop (the left-most address is the client's); a number N trusts N hops from
 * the server (the N-th address from the right); a comma list of addresses, CIDRs or
 * loopback/linklocal/uniquelocal trusts those proxies only (the client is the first address,
 * from the right, that is not one of them). `false`, `0` or unset: the socket's peer.
 */
const trustProxySchema = z
  .union([z.boolean(), z.number(), z.string()])
  .default(false)
  .transform((v, ctx): boolean | number | string[] => {
    if (typeof v === 'boolean') return v;
    const text = String(v).trim().toLowerCase();
    if (text === '' || text === 'false') return false;
    if (text === 'true') return true;
    if (/^\d+$/.test(text)) {
      const hops = Number(text);
      if (hops > MAX_PROXY_HOPS)
        ctx.addIssue({ code: 'custom', message: `at most ${MAX_PROXY_HOPS} hops, got ${hops}` });
      return hops === 0 ? false : hops;
    }
    const out: string[] = [];
    for (const entry of text.split(',').map((e) => e.trim())) {
      if (PROXY_RANGES.includes(entry)) {
        out.push(entry);
        continue;
      }
      const p = parseCidr(entry);
      if (p.ok) out.push(p.value);
      else
        ctx.addIssue({
          code: 'custom',
          message: `${p.message}; give true, a hop count, or a comma list of proxy addresses, CIDRs or ${RANGES}`,
        });
    }
    return out;
  });

/** Every setting, nested by concern; parsed once at start and passed down in slices. */
export const configSchema = z.object({
  database: z.string().min(1).default('sqlite:./data/datagate.db'),
  tenant: z.string().min(1).default('default'),
  secret: z.string().optional(),
  /**
   * Where files beside a PostgreSQL database go (the generated secret, uploads); `./data` when
   * unset. SQLite uses its file's folder.
   */
  dataDir: z.string().min(1).optional(),
  http: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Base URL shown in snippets and docs; falls back to the request's origin. */
    publicUrl: z.string().url().optional(),
    // JSON or form bodies carry a handful of filter parameters; 64 KB is generous.
    bodyLimit: intFromEnv(64 * 1024, 1024),
    trustProxy: trustProxySchema,
  }),
  api: z.object({
    // The largest page a client can ask for; the contract's default.
    maxPageSize: intFromEnv(1000, 1),
    // Finished pages kept in memory (MB); datasets change only on reload, so a page is
    // computed once per version. Unset: its share of `memoryMb` (see memory-budget.ts).
    // 0 turns the cache off.
    pageCacheMb: z.coerce.number().int().min(0).optional(),
    // Longest a dataset or widget query may run (ms) before it is stopped with a 504.
    // 30 s is what HTTP clients and gateways commonly wait; queries on a million rows
    // take well under a second, so only a runaway query reaches it.
    queryTimeoutMs: intFromEnv(30_000, 1),
    // Invalid keys per address per window before the address is refused: enough for
    // a person fixing a typo, far too few to guess a 160-bit key.
    keyFailureLimit: intFromEnv(20, 1),
    keyFailureWindowSeconds: intFromEnv(60, 1),
    keyFailureBlockSeconds: intFromEnv(300, 1),
  }),
  redis: z.object({
    /** Shares rate limits between nodes; without it each node limits on its own. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    /** Prefix of every key datagate writes, so that several deployments can share one Redis. */
    prefix: z.string().min(1).default('datagate'),
  }),
  admin: z.object({
    /** Where uploaded files wait for their confirmation; `<data dir>/uploads` when unset. */
    uploadDir: z.string().min(1).optional(),
    // Largest dataset file the console may upload (MB). 1 GB holds several million
    // typical rows; the import streams, so memory does not grow with it.
    uploadLimitMb: intFromEnv(1024, 1),
    /** The built console (index.html and assets); set by bin/datagate, which builds it. */
    consoleDir: z.string().min(1).optional(),
  }),
  // SQLite: worker threads that run dataset and widget queries off the event loop, so
  // that a heavy query holds up neither other requests nor /healthz. One per core
  // (SQLite reads on one core per query), at most 8: each holds a connection and its
  // page cache (a few MB), and past the cores more threads only share them. 0 runs
  // queries on the main connection, in the event loop.
  queryWorkers: z.coerce.number().int().min(0).max(64).default(Math.min(os.availableParallelism(), 8)),
  // What a server budgets for what grows with load (MB): its caches, SQLite's page
  // cache of each connection and V8's heap (see memory-budget.ts). 200 kept the peak
  // resident memory at 170 MB in a 10-minute soak with queries on the main connection
  // (RELIABILITY.md). 0: no budget, the parts at their fixed sizes. Below 64 the caches
  // would be too small to be worth having.
  memoryMb: z.coerce
    .number()
    .int()
    .refine((n) => n === 0 || n >= 64, 'must be 0 (no budget) or at least 64')
    .default(DEFAULT_MEMORY_MB),
  ops: z.object({
    /** `host:port` of a listener that serves only /metrics; unset: none. */
    metricsAddr: z
      .string()
      .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:9464')
      .optional(),
    /** With it, /metrics on the public port answers requests that carry it as a bearer token. */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
    // How long a stopping server waits for requests in flight (ms) before it closes
    // their connections: longer than a page, shorter than an orchestrator's kill (30 s).
    shutdownTimeoutMs: intFromEnv(10_000, 0),
  }),
  // How often a server checks for changes made elsewhere; well inside the 1 s promise.
  changePollMs: intFromEnv(250, 10),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Thrown with every problem found, one per line. */
export class ConfigError extends Error {}

/** Reads settings from the environment, then applies explicit overrides (command-line flags). */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<{ database: string; tenant: string; host: string; port: number | string }> = {},
): Config {
  const input = {
    database: overrides.database ?? env.DATAGATE_DATABASE,
    tenant: overrides.tenant ?? env.DATAGATE_TENANT,
    secret: env.DATAGATE_SECRET,
    dataDir: env.DATAGATE_DATA_DIR || undefined,
    http: {
      host: overrides.host ?? env.DATAGATE_HOST,
      port: overrides.port ?? env.DATAGATE_PORT,
      publicUrl: env.DATAGATE_PUBLIC_URL || undefined,
      bodyLimit: env.DATAGATE_BODY_LIMIT,
      trustProxy: env.DATAGATE_TRUST_PROXY || undefined,
    },
    api: {
      maxPageSize: env.DATAGATE_MAX_PAGE_SIZE,
      pageCacheMb: env.DATAGATE_PAGE_CACHE_MB || undefined,
      queryTimeoutMs: env.DATAGATE_QUERY_TIMEOUT_MS,
      keyFailureLimit: env.DATAGATE_KEY_FAILURE_LIMIT,
      keyFailureWindowSeconds: env.DATAGATE_KEY_FAILURE_WINDOW,
      keyFailureBlockSeconds: env.DATAGATE_KEY_FAILURE_BLOCK,
    },
    redis: { url: env.DATAGATE_REDIS || undefined, prefix: env.DATAGATE_REDIS_PREFIX || undefined },
    ops: {
      metricsAddr: env.DATAGATE_METRICS_ADDR || undefined,
      metricsToken: env.DATAGATE_METRICS_TOKEN || undefined,
      shutdownTimeoutMs: env.DATAGATE_SHUTDOWN_TIMEOUT_MS,
    },
    changePollMs: env.DATAGATE_CHANGE_POLL_MS,
    queryWorkers: env.DATAGATE_QUERY_WORKERS,
    memoryMb: env.DATAGATE_MEMORY_MB,
    admin: {
      uploadDir: env.DATAGATE_UPLOAD_DIR || undefined,
      uploadLimitMb: env.DATAGATE_UPLOAD_LIMIT_MB,
      consoleDir: env.DATAGATE_CONSOLE_DIR || undefined,
    },
    logLevel: env.DATAGATE_LOG_LEVEL,
  };
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  }
  return Object.freeze(parsed.data);
}

/**
 * `loadConfig` over this process's environment: the one place that reads it. `defaults`
 * are environment values used where the environment has none (e.g. the demo's log level).
 */
export function loadProcessConfig(
  overrides: Parameters<typeof loadConfig>[1] = {},
  defaults: NodeJS.ProcessEnv = {},
): Config {
  return loadConfig({ ...defaults, ...process.env }, overrides);
}
