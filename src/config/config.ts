import fs from 'node:fs';
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
  // Encrypts stored keys; a short one would make their ciphertexts guessable.
  secret: z.string().min(32, 'must be at least 32 characters').optional(),
  /** The file the secret was read from (--secret-file, DATAGATE_SECRET_FILE), to say where it is. */
  secretFile: z.string().optional(),
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
  sources: z.object({
    // Largest body an HTTP(S) source may send (MB). Like an upload's limit: the body goes
    // to disk and the load streams, so memory does not grow with it.
    maxMb: intFromEnv(1024, 1),
    // Longest an HTTP(S) source may take to send its whole body, and a database source to
    // accept the connection (s). 10 minutes carries 1 GB at ~2 MB/s.
    timeoutS: intFromEnv(600, 1),
    // How often a server looks for due syncs (ms). Schedules run at most once a minute, so
    // 15 s starts a due sync within 15 s of its time; shorter only looks more often.
    tickMs: intFromEnv(15_000, 100),
  }),
  // SQLite: worker threads that run dataset and widget queries off the event loop, so
  // that a heavy query holds up neither other requests nor /healthz. One per core
  // (SQLite reads on one core per query), at most 8: each holds a connection and its
  // page cache (a few MB), and past the cores more threads only share them. 0 runs
  // queries on the main connection, in the event loop.
  queryWorkers: z.coerce.number().int().min(0).max(64).default(Math.min(os.availableParallelism(), 8)),
  // What a server budgets for what grows with load (MB): its caches and SQLite's page
  // cache of each connection (see memory-budget.ts; V8's heap is node's start flag).
  // 200 kept the peak resident memory at 170 MB in a 10-minute soak with queries on the
  // main connection (RELIABILITY.md). 0: no budget, the parts at their fixed sizes.
  // Below 64 the caches would be too small to be worth having.
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

/** One setting: where it goes in the config, its flag and environment variable, for parsing and help. */
export interface Setting {
  /** The config field, dotted: `http.port`. */
  readonly path: string;
  readonly env: string;
  /** The flag as commander spells it; a secret's flag names a file to read it from. */
  readonly flag: string;
  /** The default as people read it (help, README). */
  readonly default: string;
  readonly help: string;
  /** Secret-bearing: `<env>_FILE` names a file holding it, and its value is never printed. */
  readonly secret?: boolean;
  /** `global`: every command reads it (a flag of `datagate` itself); `server`: `serve` and `demo`. */
  readonly scope: 'global' | 'server';
  readonly kind?: 'boolean';
}

/** Every setting, in the order `--help` and the README list them. */
export const SETTINGS: readonly Setting[] = [
  {
    path: 'database',
    env: 'DATAGATE_DATABASE',
    flag: '--database <url>',
    default: 'sqlite:./data/datagate.db',
    help: 'where the data lives: sqlite:FILE or postgres://user:pass@host:5432/db',
    secret: true,
    scope: 'global',
  },
  {
    path: 'tenant',
    env: 'DATAGATE_TENANT',
    flag: '--tenant <slug>',
    default: 'default',
    help: 'tenant the command line acts on, created on first use',
    scope: 'global',
  },
  {
    path: 'secret',
    env: 'DATAGATE_SECRET',
    flag: '--secret-file <file>',
    default: 'generated into <data dir>/secret.key',
    help: 'encrypts stored keys, 32 characters or more (the flag names a file holding it)',
    secret: true,
    scope: 'global',
  },
  {
    path: 'dataDir',
    env: 'DATAGATE_DATA_DIR',
    flag: '--data-dir <dir>',
    default: "the SQLite file's folder, ./data for PostgreSQL",
    help: 'where the generated secret.key and uploads live',
    scope: 'global',
  },
  {
    path: 'http.host',
    env: 'DATAGATE_HOST',
    flag: '--host <host>',
    default: '127.0.0.1',
    help: 'address to listen on',
    scope: 'server',
  },
  {
    path: 'http.port',
    env: 'DATAGATE_PORT',
    flag: '--port <port>',
    default: '8080',
    help: 'port to listen on',
    scope: 'server',
  },
  {
    path: 'http.publicUrl',
    env: 'DATAGATE_PUBLIC_URL',
    flag: '--public-url <url>',
    default: 'the listening address',
    help: 'base URL clients use (behind a proxy), shown in printed examples',
    scope: 'server',
  },
  {
    path: 'http.trustProxy',
    env: 'DATAGATE_TRUST_PROXY',
    flag: '--trust-proxy <proxies>',
    default: 'off',
    help:
      'take the client address from X-Forwarded-For: true (every proxy), a hop count, or a comma list of ' +
      'proxy addresses/CIDRs (loopback, linklocal, uniquelocal too)',
    scope: 'server',
  },
  {
    path: 'http.bodyLimit',
    env: 'DATAGATE_BODY_LIMIT',
    flag: '--body-limit <bytes>',
    default: '65536',
    help: 'largest POST body in bytes',
    scope: 'server',
  },
  {
    path: 'api.maxPageSize',
    env: 'DATAGATE_MAX_PAGE_SIZE',
    flag: '--max-page-size <rows>',
    default: '1000',
    help: 'larger page sizes are clamped to this',
    scope: 'server',
  },
  {
    path: 'memoryMb',
    env: 'DATAGATE_MEMORY_MB',
    flag: '--memory-mb <mb>',
    default: String(DEFAULT_MEMORY_MB),
    help: 'memory the server budgets for what grows with load; at least 64, 0 for no budget',
    scope: 'server',
  },
  {
    path: 'api.pageCacheMb',
    env: 'DATAGATE_PAGE_CACHE_MB',
    flag: '--page-cache-mb <mb>',
    default: '1/8 of the memory budget',
    help: 'memory for finished pages; 0 turns the cache off',
    scope: 'server',
  },
  {
    path: 'api.queryTimeoutMs',
    env: 'DATAGATE_QUERY_TIMEOUT_MS',
    flag: '--query-timeout-ms <ms>',
    default: '30000',
    help: 'a dataset or widget query running longer is stopped (HTTP 504)',
    scope: 'server',
  },
  {
    path: 'queryWorkers',
    env: 'DATAGATE_QUERY_WORKERS',
    flag: '--query-workers <n>',
    default: 'the number of cores, at most 8',
    help: 'SQLite: threads that run dataset and widget queries; 0 runs them on the main connection',
    scope: 'server',
  },
  {
    path: 'api.keyFailureLimit',
    env: 'DATAGATE_KEY_FAILURE_LIMIT',
    flag: '--key-failure-limit <n>',
    default: '20',
    help: 'invalid keys an address may send per window...',
    scope: 'server',
  },
  {
    path: 'api.keyFailureWindowSeconds',
    env: 'DATAGATE_KEY_FAILURE_WINDOW',
    flag: '--key-failure-window <seconds>',
    default: '60',
    help: '...in this many seconds, before it is refused...',
    scope: 'server',
  },
  {
    path: 'api.keyFailureBlockSeconds',
    env: 'DATAGATE_KEY_FAILURE_BLOCK',
    flag: '--key-failure-block <seconds>',
    default: '300',
    help: '...for this many seconds (HTTP 429)',
    scope: 'server',
  },
  {
    path: 'redis.url',
    env: 'DATAGATE_REDIS',
    flag: '--redis <url>',
    default: 'none',
    help: 'redis://host:6379: rate limits and lockouts shared by every node',
    secret: true,
    scope: 'server',
  },
  {
    path: 'redis.prefix',
    env: 'DATAGATE_REDIS_PREFIX',
    flag: '--redis-prefix <prefix>',
    default: 'datagate',
    help: 'prefix of every Redis key, so that deployments can share a Redis',
    scope: 'server',
  },
  {
    path: 'changePollMs',
    env: 'DATAGATE_CHANGE_POLL_MS',
    flag: '--change-poll-ms <ms>',
    default: '250',
    help: 'how often a server checks for changes made by other processes',
    scope: 'server',
  },
  {
    path: 'admin.uploadDir',
    env: 'DATAGATE_UPLOAD_DIR',
    flag: '--upload-dir <dir>',
    default: '<data dir>/uploads',
    help: 'where files uploaded in the console wait for their confirmation',
    scope: 'server',
  },
  {
    path: 'admin.uploadLimitMb',
    env: 'DATAGATE_UPLOAD_LIMIT_MB',
    flag: '--upload-limit-mb <mb>',
    default: '1024',
    help: 'largest dataset file the console accepts',
    scope: 'server',
  },
  {
    path: 'admin.consoleDir',
    env: 'DATAGATE_CONSOLE_DIR',
    flag: '--console-dir <dir>',
    default: 'built from web/ by bin/datagate',
    help: 'the built console (index.html and assets)',
    scope: 'server',
  },
  {
    path: 'ops.metricsAddr',
    env: 'DATAGATE_METRICS_ADDR',
    flag: '--metrics-addr <host:port>',
    default: 'none',
    help: 'a listener that serves only GET /metrics (Prometheus)',
    scope: 'server',
  },
  {
    path: 'ops.metricsToken',
    env: 'DATAGATE_METRICS_TOKEN',
    flag: '--metrics-token-file <file>',
    default: 'none',
    help: '/metrics on the public port for requests with Authorization: Bearer <token> (the flag names a file)',
    secret: true,
    scope: 'server',
  },
  {
    path: 'ops.shutdownTimeoutMs',
    env: 'DATAGATE_SHUTDOWN_TIMEOUT_MS',
    flag: '--shutdown-timeout-ms <ms>',
    default: '10000',
    help: 'on SIGTERM, how long requests in flight get before their connections are closed',
    scope: 'server',
  },
  {
    path: 'sources.maxMb',
    env: 'DATAGATE_SOURCE_MAX_MB',
    flag: '--source-max-mb <mb>',
    default: '1024',
    help: 'largest answer a live dataset source may send',
    scope: 'server',
  },
  {
    path: 'sources.timeoutS',
    env: 'DATAGATE_SOURCE_TIMEOUT_S',
    flag: '--source-timeout-s <seconds>',
    default: '600',
    help: 'longest a live dataset source may take for its whole answer',
    scope: 'server',
  },
  {
    path: 'sources.tickMs',
    env: 'DATAGATE_SYNC_TICK_MS',
    flag: '--sync-tick-ms <ms>',
    default: '15000',
    help: 'how often a server looks for due syncs of live datasets',
    scope: 'server',
  },
  {
    path: 'logLevel',
    env: 'DATAGATE_LOG_LEVEL',
    flag: '--log-level <level>',
    default: 'info',
    help: 'fatal, error, warn, info, debug, trace or silent',
    scope: 'server',
  },
];

/** Values given as flags (a secret's: the file to read it from), by setting path. */
export type SettingValues = Partial<Record<string, string | number | boolean | undefined>>;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A secret file's content without the line end editors and `echo` add. */
function readSecretFile(file: string): string {
  return fs.readFileSync(file, 'utf8').replace(/[\r\n]+$/, '');
}

/**
 * Reads every setting from, in order, `flags` (command-line flags), the environment
 * (`X`, or for a secret `X_FILE`, never both) and `defaults` (a command's own defaults,
 * by setting path, e.g. the demo's database), else the schema's default. Throws a
 * ConfigError naming every problem, each by where its value came from.
 */
export function loadConfig(env: NodeJS.ProcessEnv, flags: SettingValues = {}, defaults: SettingValues = {}): Config {
  const problems: string[] = [];
  const groups: Record<string, Record<string, unknown>> = {
    http: {},
    api: {},
    redis: {},
    admin: {},
    ops: {},
    sources: {},
  };
  const input: Record<string, unknown> = { ...groups };
  const source = new Map<string, { from: string; value?: string }>();
  for (const s of SETTINGS) {
    let value: unknown;
    let from = '';
    const flagValue = flags[s.path];
    const fileEnv = `${s.env}_FILE`;
    const envValue = env[s.env] === '' ? undefined : env[s.env];
    const fileValue = s.secret && env[fileEnv] !== '' ? env[fileEnv] : undefined;
    const read = (file: string, name: string): string | undefined => {
      try {
        return readSecretFile(file);
      } catch (e) {
        problems.push(`${name}: can't read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        return undefined;
      }
    };
    if (flagValue !== undefined) {
      from = s.flag.split(' ')[0];
      // A secret's own flag names a file (`--secret-file`): the value would show in `ps`.
      value = s.flag.includes('-file ') ? read(String(flagValue), from) : flagValue;
      if (s.path === 'secret') input.secretFile = String(flagValue);
    } else if (envValue !== undefined && fileValue !== undefined) {
      problems.push(`${s.env} and ${fileEnv} are both set: give one of them`);
      continue;
    } else if (fileValue !== undefined) {
      from = fileEnv;
      value = read(fileValue, fileEnv);
      if (s.path === 'secret') input.secretFile = fileValue;
    } else if (envValue !== undefined) {
      from = s.env;
      value = envValue;
    } else if (defaults[s.path] !== undefined) {
      from = `${s.env} (default)`;
      value = defaults[s.path];
    }
    if (value === undefined) continue;
    if (s.kind === 'boolean' && typeof value === 'string') {
      const v = value.toLowerCase();
      if (TRUE.has(v)) value = true;
      else if (FALSE.has(v)) value = false;
      else {
        problems.push(`${from} "${value}": must be true or false`);
        continue;
      }
    }
    source.set(s.path, { from, value: s.secret ? undefined : String(value) });
    const [head, tail] = s.path.split('.');
    if (tail) groups[head][tail] = value;
    else input[head] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path.join('.');
      const src = source.get(p);
      const setting = SETTINGS.find((s) => s.path === p);
      // Never a secret's value: only where it came from.
      const name = src ? `${src.from}${src.value === undefined ? '' : ` "${src.value}"`}` : (setting?.env ?? p);
      problems.push(`${name}: ${issue.message} (${p})`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p}`).join('\n'),
    );
  }
  return Object.freeze(parsed.data!);
}

/**
 * `loadConfig` over this process's environment: the one place that reads it. `defaults`
 * are a command's own defaults, by setting path (e.g. the demo's log level).
 */
export function loadProcessConfig(flags: SettingValues = {}, defaults: SettingValues = {}): Config {
  return loadConfig(process.env, flags, defaults);
}

/** The environment for a child process (pg_dump, pg_restore): this process's, plus `extra`. */
export function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/** The version of datagate: package.json's, two folders up from src/config/ and from dist/build-*\/. */
export function packageVersion(): string {
  const name = 'package.json';
  const pkg = JSON.parse(fs.readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
