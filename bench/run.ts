// npm run bench [-- --backend sqlite|postgres] [--database URL] [--redis URL] [--csv FILE] [--rows N]
//                 [--dates ordered|random] [--duration S] [--connections C] [--only Q1,Q3] [--key-access]
//                 [--accept-encoding gzip|br]
// Imports a tickets dataset (generated, 1,000,000 rows by default, created_at rising with the
// row unless `--dates random`) and a widget over it,
// then measures the public API under load on loopback next to a constant-JSON Fastify
// ceiling and the same SQL run directly on the database's driver. Without --database the
// data goes into SQLite (bench/out/bench.db); with a postgres:// URL (an admin URL), or
// `--backend postgres` (postgres://postgres@127.0.0.1:5432/postgres), into a fresh database
// created through it and dropped at the end, with rate limits in Redis, and then two
// server processes on it are measured too. `--redis URL` on SQLite keeps the servers'
// rate limits in Redis as well: the fair baseline for PostgreSQL's figures. Every query
// has three lines: cold (the first request for it after a server start), uncached (the
// page cache off: every request runs its SQL) and cached. Prints Markdown tables and
// writes bench/out/results-<sqlite|postgres>.json. `--only Q1` (or `Q1,Q3`) measures just
// those dataset queries, cached and uncached, next to the ceiling, and prints one table:
// about a minute, for comparing two versions of the server. `--key-access` gives the key an
// address allowlist (loopback) and a CORS origin, which every request sends: the per-key
// checks at their dearest (an address matched, headers set on every answer).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql, type CompiledQuery } from 'kysely';
import { parseQuery, type ParsedQuery } from '../src/catalog/filter/query-parser.ts';
import { buildCountQuery, buildPageQuery } from '../src/catalog/query/dataset-query.ts';
import { toDataset, type Dataset } from '../src/catalog/dataset-registry.ts';
import { buildWidgetQueries } from '../src/catalog/widget/widget-compiler.ts';
import { parseWidgetSpec, resolveWidget } from '../src/catalog/widget/widget-spec.ts';
import type { DialectCapabilities } from '../src/store/dialects/capabilities.ts';
import {
  createPostgresBackend,
  createSqliteBackend,
  type BenchBackend,
  type DirectSql,
  type IndexEffect,
} from './backends.ts';
import { LAST_DAY, Q2_WORD, RARE_WORD, SELECTIVE_WORD, writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string' },
    database: { type: 'string' },
    redis: { type: 'string' },
    csv: { type: 'string' },
    rows: { type: 'string', default: '1000000' },
    // How created_at runs through the generated file (bench/generate.ts): ordered or random.
    dates: { type: 'string', default: 'ordered' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
    // Sent with every public API request, e.g. `gzip` or `br`: what compression costs.
    'accept-encoding': { type: 'string' },
    'key-access': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });

/** `LAST_DAY` minus `days` days, as YYYY-MM-DD. */
const daysBefore = (day: string, days: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

// Q3S was Q3 before 2026-12-07 (the first half of 2022); Q3 is now the first half of 2023,
// in the middle of the data's four years, and Q3L the last 30 days of the data. The
// generated created_at rises with the row, as in an export sorted by date: 2023 starts
// half-way into the table (with `--dates random` no range sits at one place in load order).
const QUERIES: Record<string, string> = {
  Q1: 'current=1&size=10',
  Q2: `summary=${Q2_WORD}`,
  Q2R: `summary=${RARE_WORD}`,
  Q3S: 'priority=2,4&created_at=2022-01-01,2022-06-30',
  Q3: 'priority=2,4&created_at=2023-01-01,2023-06-30',
  Q3L: `created_at=${daysBefore(LAST_DAY, 29)},${LAST_DAY}`,
  Q4: 'current=50000',
  // The deep page of the issue's 10M-row target: the middle of the data, at any size.
  Q4D: `current=${Math.max(1, Math.floor(ROWS / 20))}`,
};
/** What each query is, for the tables. */
const ABOUT: Record<string, string> = {
  Q1: 'first page and total',
  Q2: 'contains a word in 4 % of the rows',
  Q2R: 'contains a word in 0.1 % of the rows',
  Q3S: 'priorities 2 to 4, first half of 2022',
  Q3: 'priorities 2 to 4, first half of 2023 (mid-range)',
  Q3L: 'the last 30 days of the data',
  Q4: 'page 50,000',
  Q4D: 'the middle page (rows / 20 of 10 rows)',
  Q5: 'widget: tickets and hours by board (8 groups)',
  Q6: 'widget: tickets and hours by company (500 groups)',
};
const ONLY = args.only?.split(',').map((q) => q.trim().toUpperCase());
if (ONLY) {
  const unknown = ONLY.filter((q) => !(q in QUERIES));
  if (unknown.length)
    throw new Error(`--only: no query ${unknown.join(', ')}; the queries are ${Object.keys(QUERIES).join(', ')}`);
  for (const q of Object.keys(QUERIES)) if (!ONLY.includes(q)) delete QUERIES[q];
}
/** The origin the key lists and every request sends with `--key-access`. */
const BENCH_ORIGIN = 'https://bench.example';
// The two-node lines: the cheapest page and a filtered one.
const SCALE_OUT_QUERIES = ['Q1', 'Q3'];

type CpuShares = ReturnType<typeof cpuShares>;
type Line = { rps: number; p50: number; p99: number; seqP50: number; seqP99: number; cpu: CpuShares };
type Mode = 'cached' | 'uncached';
type Imported = {
  datasetId: string;
  widgetId: string;
  companyWidgetId: string;
  key: string;
  rows: number;
  ms: number;
  maxRssKb: number;
};

function log(s: string) {
  process.stderr.write(s + '\n');
}

const fmt = (n: number, d = 2) => n.toFixed(d);

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

function openBackend(kind: string | undefined, url: string | undefined): Promise<BenchBackend> {
  if (kind !== undefined && kind !== 'sqlite' && kind !== 'postgres')
    throw new Error(`--backend: expected sqlite or postgres, not "${kind}"`);
  if (kind === 'sqlite' && url !== undefined) throw new Error('--backend sqlite takes no --database');
  if (url === undefined && kind !== 'postgres') return Promise.resolve(createSqliteBackend(OUT, args.redis));
  url ??= DEFAULT_POSTGRES;
  if (/^postgres(ql)?:\/\//.test(url)) return createPostgresBackend(url, args.redis ?? DEFAULT_REDIS, OUT);
  // Not echoed: the URL may carry a password.
  throw new Error('--database: expected a postgres:// URL (without it the bench runs on SQLite)');
}

// Every child process, so that a failure or Ctrl-C stops them before the database is dropped.
const children = new Set<ChildProcess>();

function start(args_: string[], env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(args_[0], args_.slice(1), { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// A server finishes its requests in flight on SIGTERM; five seconds is ample when idle.
const STOP_GRACE_MS = 5_000;

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** The child's `{"listening":…}` line (log lines before it, such as the setup code's, are passed over). */
function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"listening"'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) / 1024;
}

/** Jiffies: the machine's busy and total over all cores, and CPU time of each of `pids` (this process included). */
function cpuSnapshot(pids: number[]) {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const total = cpu.reduce((a, b) => a + b, 0);
  // Fields 14 and 15 of /proc/PID/stat, user and system time; the name before them may hold spaces.
  const used = (pid: number) => {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  return { total, busy: total - cpu[3] - cpu[4], self: used(process.pid), pids: pids.map(used) };
}

/**
 * Shares of the machine's CPU (100 % = every core busy) between two snapshots: the
 * load generator (this process), the servers in `pids`, and the rest (PostgreSQL,
 * Redis, anything else running).
 */
function cpuShares(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>) {
  const pct = (n: number) => (100 * n) / (b.total - a.total);
  const generator = pct(b.self - a.self);
  const servers = pct(b.pids.reduce((sum, v, i) => sum + v - a.pids[i], 0));
  const busy = pct(b.busy - a.busy);
  return { busy, generator, servers, rest: busy - generator - servers };
}

/**
 * Load on `url`, or on several URLs at once (autocannon opens its connections on them in
 * turn), with the CPU shares of the measured part; `pids` are the servers behind the URLs.
 */
async function load(url: string | string[], headers: Record<string, string> = {}, pids: number[] = []) {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 });
  const before = cpuSnapshot(pids);
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  const cpu = cpuShares(before, cpuSnapshot(pids));
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, cpu };
}

/**
 * Latency of one request at a time over a kept-alive connection, in ms (autocannon rounds
 * to whole ms): `n` requests, or fewer (20 at least) once the load's duration has passed,
 * so that a slow query's line takes no longer than its load.
 */
async function sequential(url: string, headers: Record<string, string>, n = 2000, warmUp = 50) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once_ = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get(url, { agent, headers }, (res) => {
          if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  const warmEnd = performance.now() + 1000;
  for (let i = 0; i < warmUp && performance.now() < warmEnd; i++) await once_();
  const samples: number[] = [];
  const end = performance.now() + DURATION * 1000;
  for (let i = 0; i < n && (i < 20 || performance.now() < end); i++) {
    const t = performance.now();
    await once_();
    samples.push(performance.now() - t);
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** One request on a new connection, in ms: the cost a first client sees. */
function firstRequest(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get(url, { headers }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve(performance.now() - t));
      })
      .on('error', reject);
  });
}

function seqOf(s: { p50: number; p99: number }) {
  return { seqP50: s.p50, seqP99: s.p99 };
}

/** Runs the import child on the backend's database; its peak RSS is the import's alone. */
async function importCsv(backend: BenchBackend, csv: string): Promise<Imported> {
  const argv = ['--import', 'tsx', 'bench/import-child.ts', backend.database, csv];
  if (args['key-access']) argv.push('--key-access');
  const child = spawn(process.execPath, argv, {
    env: { ...process.env, ...backend.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  children.delete(child);
  if (code !== 0) throw new Error(`import failed: ${stderr}`);
  return JSON.parse(stdout) as Imported;
}

function parsed(qs: string, ds: Dataset): ParsedQuery {
  const p = parseQuery(Object.fromEntries(new URLSearchParams(qs)), ds.fields, { maxSize: 1000 });
  if (!p.ok) throw new Error(p.message);
  return p.query;
}

async function readDataset(direct: DirectSql, id: string): Promise<Dataset> {
  const columns = ['id', 'tenant_id', 'name', 'version', 'table_name', 'fields', 'row_count'] as const;
  const [row] = await direct.rows(
    direct.db
      .selectFrom('datasets')
      .select([...columns])
      .where('id', '=', id)
      .compile(),
  );
  const r = Object.fromEntries(columns.map((c, i) => [c, row[i]]));
  return toDataset({
    id: String(r.id),
    tenantId: String(r.tenant_id),
    name: String(r.name),
    description: '',
    integrationGroup: '',
    owner: '',
    createdAt: '',
    modifiedAt: '',
    syncedAt: '',
    version: Number(r.version),
    tableName: String(r.table_name),
    fields: String(r.fields),
    rowCount: Number(r.row_count),
  });
}

const countOf = async (direct: DirectSql, q: CompiledQuery) => Number((await direct.rows(q))[0][0]);

/** A previous run's results on SQLite with as many rows, to compare this run with; undefined when there is none. */
function sqliteReference(
  backend: BenchBackend,
  rows: number,
): { file: string; date: string; results: Record<string, any> } | undefined {
  const file = path.join(OUT, 'results-sqlite.json');
  if (backend.name === 'sqlite' || !fs.existsSync(file)) return undefined;
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (results.imported?.rows !== rows) return undefined;
  return {
    file: path.relative(process.cwd(), file),
    date: fs.statSync(file).mtime.toISOString().slice(0, 10),
    results,
  };
}

let csv = args.csv;
if (!csv) {
  if (args.dates !== 'ordered' && args.dates !== 'random')
    throw new Error(`--dates: expected ordered or random, not "${args.dates}"`);
  csv = path.join(OUT, args.dates === 'ordered' ? `tickets-ordered-${ROWS}.csv` : `tickets-${ROWS}.csv`);
  if (!fs.existsSync(csv)) {
    log(`generating ${ROWS} rows (${args.dates} dates) into ${csv} ...`);
    await writeTicketsCsv(csv, ROWS, args.dates);
  }
}

const backend = await openBackend(args.backend, args.database);
let cleaning: Promise<void> | undefined;
const cleanUp = () => (cleaning ??= Promise.all([...children].map(stop)).then(() => backend.dispose()));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the servers and removing ${backend.location} ...`);
    void cleanUp().finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}
try {
  await bench(backend, csv);
} finally {
  await cleanUp();
}

async function bench(backend: BenchBackend, csv: string) {
  log(`importing into ${backend.location} ...`);
  const imported = await importCsv(backend, csv);
  log(`imported ${imported.rows} rows in ${fmt(imported.ms / 1000)} s`);
  log(`import peak RSS ${fmt(imported.maxRssKb / 1024, 0)} MB; database on disk ${fmt(await backend.sizeMb(), 0)} MB`);

  const env = { ...process.env, DATAGATE_LOG_LEVEL: 'warn', DATAGATE_DATABASE: backend.database, ...backend.env };
  const serverEnv: Record<Mode, Record<string, string>> = { cached: {}, uncached: { DATAGATE_PAGE_CACHE_MB: '0' } };
  const startServer = (mode: Mode) =>
    start(['./bin/datagate', 'serve', '--port', '0', '--json'], { ...env, ...serverEnv[mode] });
  const listening = async (child: ChildProcess) => String((await firstJsonLine(child)).listening);
  const servers = { cached: startServer('cached'), uncached: startServer('uncached') };
  const ceiling = start([process.execPath, '--import', 'tsx', 'bench/ceiling-server.ts'], process.env);
  const bases = { cached: await listening(servers.cached), uncached: await listening(servers.uncached) };
  const ceilingInfo = await firstJsonLine(ceiling);
  const headers: Record<string, string> = {
    apikey: imported.key,
    ...(args['accept-encoding'] ? { 'accept-encoding': args['accept-encoding'] } : {}),
  };
  if (args['key-access']) headers.origin = BENCH_ORIGIN;
  const datasetUrl = (base: string, qs: string) => `${base}/api/dataset/${imported.datasetId}?${qs}`;

  // Each server answers a page no line asks for, for 3 s, before its first line: the
  // first line measured on a server just started would otherwise carry its warm-up
  // (the JIT, first statements), which showed as Q1 at half of Q4's req/s.
  log('warming the servers ...');
  for (const mode of ['uncached', 'cached'] as const)
    await autocannon({
      url: datasetUrl(bases[mode], 'current=2&size=10'),
      headers,
      connections: CONNECTIONS,
      duration: 3,
    });

  log('load: ceiling ...');
  const ceilUrl = `${ceilingInfo.listening}/ceiling`;
  const ceil: Line = { ...(await load(ceilUrl, {}, [ceiling.pid!])), ...seqOf(await sequential(ceilUrl, {})) };
  await stop(ceiling);

  // Cold: for each query, a server started for it alone answers its first request (a new
  // connection; nothing cached in the server: no page, no count, no prepared statement).
  // The page cache is off there: with it, a server computes its bound widgets at start,
  // on both cores, and the first request would be measured against that work.
  // (Cold figures in BENCHMARKS.md before its "Counts over the zone span" section had it on.)
  const widgetUrl = (base: string, id: string) => `${base}/api/widget/${id}`;
  const WIDGETS: Record<string, string> = { Q5: imported.widgetId, Q6: imported.companyWidgetId };
  const coldUrls: Record<string, (base: string) => string> = {
    ...Object.fromEntries(Object.entries(QUERIES).map(([name, qs]) => [name, (b: string) => datasetUrl(b, qs)])),
    ...(ONLY ? {} : Object.fromEntries(Object.entries(WIDGETS).map(([name, id]) => [name, (b) => widgetUrl(b, id)]))),
  };
  const cold: Record<string, number> = {};
  for (const [name, url] of Object.entries(coldUrls)) {
    log(`cold: ${name} on a server just started ...`);
    const fresh = startServer('uncached');
    try {
      cold[name] = await firstRequest(url(await listening(fresh)), headers);
    } finally {
      await stop(fresh);
    }
  }

  const http_: Record<string, Record<string, Line>> = { cached: {}, uncached: {} };
  for (const mode of ['uncached', 'cached'] as const) {
    for (const [name, qs] of Object.entries(QUERIES)) {
      log(`load: ${name} ${mode} ...`);
      const url = datasetUrl(bases[mode], qs);
      const seq = await sequential(url, headers);
      http_[mode][name] = { ...(await load(url, headers, [servers[mode].pid!])), ...seqOf(seq) };
    }
  }

  if (ONLY) {
    const rss = { cached: peakRssMb(servers.cached.pid!), uncached: peakRssMb(servers.uncached.pid!) };
    log(`servers' peak RSS under load: ${fmt(rss.cached, 0)} MB cached, ${fmt(rss.uncached, 0)} MB uncached`);
    await Promise.all([stop(servers.cached), stop(servers.uncached)]);
    process.stdout.write(onlyReport(ceil, http_, cold, imported.rows).join('\n') + '\n');
    return;
  }

  // The widgets: the first request is the cold line (a server started for it); every
  // request on the uncached server computes the GROUP BY.
  const rssBeforeQ5 = { cached: peakRssMb(servers.cached.pid!), uncached: peakRssMb(servers.uncached.pid!) };
  const widgets: Record<string, { first: number; uncached: { p50: number; p99: number } }> = {};
  for (const [name, id] of Object.entries(WIDGETS)) {
    log(`${name}: uncached ...`);
    widgets[name] = { first: cold[name], uncached: await sequential(widgetUrl(bases.uncached, id), headers, 10, 1) };
    // Its result into the cache first: ten connections at once would each compute it.
    await firstRequest(widgetUrl(bases.cached, id), headers);
    log(`load: ${name} cached ...`);
    http_.cached[name] = {
      ...(await load(widgetUrl(bases.cached, id), headers, [servers.cached.pid!])),
      ...seqOf(await sequential(widgetUrl(bases.cached, id), headers)),
    };
  }
  const q5First = widgets.Q5.first;
  const q5Uncached = widgets.Q5.uncached;
  const serverRss = { cached: peakRssMb(servers.cached.pid!), uncached: peakRssMb(servers.uncached.pid!) };

  // Two nodes: a second server with the same settings next to each of the first two.
  const twoNodes: Partial<Record<Mode, Record<string, { rps: number; p50: number; p99: number; cpu: CpuShares }>>> = {};
  if (backend.scalesOut) {
    for (const mode of ['uncached', 'cached'] as const) {
      log(`two nodes, ${mode}: starting a second server ...`);
      const second = startServer(mode);
      try {
        const urls = [bases[mode], await listening(second)];
        twoNodes[mode] = {};
        for (const name of SCALE_OUT_QUERIES) {
          log(`load: ${name} ${mode} on two nodes ...`);
          twoNodes[mode]![name] = await load(
            urls.map((base) => datasetUrl(base, QUERIES[name])),
            headers,
            [servers[mode].pid!, second.pid!],
          );
        }
      } finally {
        await stop(second);
      }
    }
  }
  await Promise.all([stop(servers.cached), stop(servers.uncached)]);

  log('direct SQL ...');
  const direct = await backend.openDirect();
  try {
    const { db, caps } = direct;
    const ds = await readDataset(direct, imported.datasetId);
    const directQ: Record<string, { page: number; count: number | null; total: number }> = {};
    for (const [name, qs] of Object.entries(QUERIES)) {
      const q = parsed(qs, ds);
      const countQuery = buildCountQuery(db, caps, ds, q);
      const total = countQuery ? await countOf(direct, countQuery) : ds.rowCount;
      const pageT = await direct.time(buildPageQuery(db, caps, ds, q, total), 2000);
      const countT = countQuery ? await direct.time(countQuery, 3000) : null;
      directQ[name] = { page: pageT.p50, count: countT?.p50 ?? null, total };
    }

    // What the deadline guard costs, where the dialect has one: the same counts with and
    // without it, and a count that reads every row (a contains that matches nothing).
    let guard: Record<string, { with: number; without: number }> | undefined;
    if (caps.deadlineGuard()) {
      log('guard cost ...');
      const unguarded: DialectCapabilities = { ...caps, deadlineGuard: () => undefined };
      guard = {};
      for (const [name, qs] of Object.entries({
        Q2: QUERIES.Q2,
        Q3: QUERIES.Q3,
        Q3S: QUERIES.Q3S,
        'full scan': 'summary=no-such-words',
      })) {
        const q = parsed(qs, ds);
        guard[name] = {
          with: (await direct.time(buildCountQuery(db, caps, ds, q)!, 3000)).p50,
          without: (await direct.time(buildCountQuery(db, unguarded, ds, q)!, 3000)).p50,
        };
      }
    }

    // Where contains filters have an index: Q2's count with it and with a sequential scan,
    // and the same for a word few rows have, where an index shows what it is worth.
    let contains: Record<string, { word: string; matches: number } & IndexEffect> | undefined;
    if (direct.indexEffect) {
      contains = {};
      for (const [name, word] of Object.entries({ Q2: Q2_WORD, Q2R: RARE_WORD, selective: SELECTIVE_WORD })) {
        log(`contains ${word}: index and sequential scan ...`);
        const count = buildCountQuery(db, caps, ds, parsed(new URLSearchParams({ summary: word }).toString(), ds))!;
        contains[name] = { word, matches: await countOf(direct, count), ...(await direct.indexEffect(count, 3000)) };
      }
    }

    // Q5 directly: the plain GROUP BY, and the SQL the server runs for the widget (the
    // same GROUP BY with the guard where there is one, inside the paging query).
    log('Q5 direct ...');
    const board = ds.fields.find((f) => f.name === 'board')!.column;
    const hours = ds.fields.find((f) => f.name === 'hours')!.column;
    const plain = db
      .selectFrom(ds.tableName)
      .select((eb) => [board, eb.fn.countAll().as('n'), eb.fn.sum(sql.ref(hours)).as('h')])
      .groupBy(board)
      .compile();
    const [[spec]] = await direct.rows(
      db.selectFrom('widgets').select('spec').where('id', '=', imported.widgetId).compile(),
    );
    const shape = parseWidgetSpec(JSON.parse(String(spec)));
    if (!shape.ok) throw new Error(shape.message);
    const resolved = resolveWidget(shape.spec, ds.fields, ds.name);
    if (!resolved.ok) throw new Error(resolved.message);
    const widgetQuery = parseQuery({}, resolved.plan.columns, { maxSize: 1000 });
    if (!widgetQuery.ok) throw new Error(widgetQuery.message);
    const widgetSql = buildWidgetQueries(db, caps, ds, resolved.plan, widgetQuery.query).page;
    const q5Direct = {
      plain: (await direct.time(plain, 5000)).p50,
      widgetSql: (await direct.time(widgetSql, 5000)).p50,
    };

    const results = {
      backend: backend.name,
      location: backend.location,
      server: direct.server,
      rows: imported.rows,
      duration: DURATION,
      connections: CONNECTIONS,
      imported,
      rssBeforeQ5,
      serverRss,
      ceil,
      http: http_,
      cold,
      widgets,
      direct: directQ,
      guard,
      contains,
      twoNodes,
      q5: { first: q5First, uncached: q5Uncached, direct: q5Direct },
    };
    const reference = sqliteReference(backend, imported.rows);
    const lines = [
      ...report(results, { ceilingBytes: Number(ceilingInfo.bytes), driver: direct.driver }),
      ...(reference ? againstSqlite(results, reference) : []),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    fs.writeFileSync(path.join(OUT, `results-${backend.name}.json`), JSON.stringify(results, null, 2));
  } finally {
    await direct.close();
  }
}

type Results = {
  backend: string;
  location: string;
  server: string;
  rows: number;
  imported: Imported;
  rssBeforeQ5: Record<Mode, number>;
  serverRss: Record<Mode, number>;
  ceil: Line;
  http: Record<string, Record<string, Line>>;
  cold: Record<string, number>;
  widgets: Record<string, { first: number; uncached: { p50: number; p99: number } }>;
  direct: Record<string, { page: number; count: number | null; total: number }>;
  guard?: Record<string, { with: number; without: number }>;
  contains?: Record<string, { word: string; matches: number } & IndexEffect>;
  twoNodes: Partial<Record<Mode, Record<string, { rps: number; p50: number; p99: number; cpu: CpuShares }>>>;
  q5: { first: number; uncached: { p50: number; p99: number }; direct: { plain: number; widgetSql: number } };
};

/** `--only`: the chosen queries' lines next to the ceiling, with the CPU shares. */
function onlyReport(
  ceil: Line,
  http_: Record<string, Record<string, Line>>,
  cold: Record<string, number>,
  rows: number,
): string[] {
  const line = (label: string, l: Line) =>
    `| ${label} | ${Math.round(l.rps)} | ${l.p50} | ${l.p99} | ${fmt(l.seqP50, 3)} | ${fmt(l.seqP99, 3)} ` +
    `| ${Math.round(l.cpu.busy)} % | ${Math.round(l.cpu.servers)} % | ${Math.round(l.cpu.rest)} % |`;
  return [
    `${new Date().toISOString()}; ${rows} rows; ${CONNECTIONS} connections × ${DURATION} s after 1 s warm-up; ` +
      `single client: 2,000 sequential requests${args['key-access'] ? '; key with an allowlist and CORS' : ''}`,
    '',
    '| line | req/s | p50 ms | p99 ms | single-client p50 ms | single-client p99 ms | CPU busy | server | rest |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    line('ceiling', ceil),
    ...(['uncached', 'cached'] as const).flatMap((mode) =>
      Object.keys(QUERIES).map((name) => line(`${name} ${mode}`, http_[mode][name])),
    ),
    '',
    ...threeLines(http_, cold, ceil),
  ];
}

/**
 * Each query's three lines side by side: cold (the first request for it after a server
 * start), warm uncached (the page cache off, the count cached) and cached.
 */
function threeLines(http_: Record<string, Record<string, Line>>, cold: Record<string, number>, ceil: Line): string[] {
  const names = [...Object.keys(QUERIES), ...Object.keys(cold).filter((n) => !(n in QUERIES))];
  const cell = (l: Line | undefined) =>
    l ? `${Math.round(l.rps)} | ${Math.round((100 * l.rps) / ceil.rps)} % | ${fmt(l.seqP50, 3)}` : '— | — | —';
  return [
    '| query | what | cold: first request ms | uncached req/s | of ceiling | uncached single-client p50 ms ' +
      '| cached req/s | of ceiling | cached single-client p50 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...names.map(
      (name) =>
        `| ${name} | ${ABOUT[name]}${name in QUERIES ? ` \`${QUERIES[name]}\`` : ''} ` +
        `| ${cold[name] === undefined ? '—' : fmt(cold[name], 1)} | ${cell(http_.uncached[name])} ` +
        `| ${cell(http_.cached[name])} |`,
    ),
  ];
}

/** The run as Markdown: the tables every backend has, then those of what this one can do. */
function report(r: Results, o: { ceilingBytes: number; driver: string }): string[] {
  const { imported, ceil, http: http_ } = r;
  const row_ = (label: string, qs: string, l: Line) =>
    `| ${label} | ${qs} | ${Math.round(l.rps)} | ${Math.round((100 * l.rps) / ceil.rps)} % | ${l.p50} ` +
    `| ${l.p99} | ${fmt(l.seqP50, 3)} | ${fmt(l.seqP99, 3)} |`;
  const lines = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, ${os.platform()} ${os.release()}`,
    `Database: ${r.server}, ${r.location}`,
    `Date: ${new Date().toISOString().slice(0, 10)}; ${imported.rows} rows; load: autocannon, ${CONNECTIONS} ` +
      `connections × ${DURATION} s after 1 s warm-up; single client: 2,000 sequential requests on one kept-alive ` +
      `connection`,
    '',
    `Import: ${fmt(imported.ms / 1000)} s (${Math.round(imported.rows / (imported.ms / 1000))} rows/s), peak ` +
      `RSS ${fmt(imported.maxRssKb / 1024, 0)} MB`,
    `Server peak RSS under load, Q1–Q4: ${fmt(r.rssBeforeQ5.cached, 0)} MB with the page ` +
      `cache, ${fmt(r.rssBeforeQ5.uncached, 0)} MB without; after Q5 (GROUP BY over every ` +
      `row): ${fmt(r.serverRss.cached, 0)} MB and ${fmt(r.serverRss.uncached, 0)} MB`,
    '',
    '| line | query | req/s | of ceiling | p50 ms | p99 ms | single-client p50 ms | single-client p99 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    row_('ceiling', `constant ${o.ceilingBytes} B JSON`, ceil),
    ...Object.entries(QUERIES).map(([name, qs]) => row_(`${name} uncached`, `\`${qs}\``, http_.uncached[name])),
    ...Object.entries(QUERIES).map(([name, qs]) => row_(`${name} cached`, `\`${qs}\``, http_.cached[name])),
    row_('Q5 cached', ABOUT.Q5, http_.cached.Q5),
    row_('Q6 cached', ABOUT.Q6, http_.cached.Q6),
    '',
    ...threeLines(http_, r.cold, ceil),
    '',
    'CPU during the load lines, as shares of the whole machine (100 % = every core busy): the load ' +
      'generator (autocannon, in the',
    'bench process), the server under load, and the rest (the other server idle, the database server, Redis, ' +
      'anything else running).',
    '',
    '| line | CPU busy | load generator | server | rest |',
    '|---|---:|---:|---:|---:|',
    ...[
      ['ceiling', ceil] as const,
      ...(['uncached', 'cached'] as const).flatMap((mode) =>
        Object.entries(http_[mode]).map(([name, l]) => [`${name} ${mode}`, l] as const),
      ),
    ].map(
      ([label, { cpu }]) =>
        `| ${label} | ${Math.round(cpu.busy)} % | ${Math.round(cpu.generator)} % | ${Math.round(cpu.servers)} % ` +
        `| ${Math.round(cpu.rest)} % |`,
    ),
    '',
    '| query | matching rows | direct SQL: page p50 ms | direct SQL: count p50 ms |',
    '|---|---:|---:|---:|',
    ...Object.entries(QUERIES).map(([name]) => {
      const d = r.direct[name];
      return (
        `| ${name} | ${d.total} | ${fmt(d.page, 3)} ` +
        `| ${d.count === null ? '— (row count known)' : fmt(d.count, 1)} |`
      );
    }),
  ];
  if (r.guard) {
    lines.push(
      '',
      '| deadline guard (count) | with guard p50 ms | without p50 ms | cost |',
      '|---|---:|---:|---:|',
      ...Object.entries(r.guard).map(
        ([name, g]) =>
          `| ${name} | ${fmt(g.with, 1)} | ${fmt(g.without, 1)} | ${fmt(g.with - g.without, 1)} ms ` +
          `(${Math.round((100 * (g.with - g.without)) / g.without)} %) |`,
      ),
    );
  }
  const { q5 } = r;
  lines.push(
    '',
    `| Q6: ${ABOUT.Q6} over ${imported.rows} rows | ms |`,
    '|---|---:|',
    `| first request after a start | ${fmt(r.widgets.Q6.first, 1)} |`,
    `| uncached server, single-client p50 of 10 requests | ${fmt(r.widgets.Q6.uncached.p50, 1)} |`,
    `| cached, single-client p50 / p99 | ${fmt(http_.cached.Q6.seqP50, 3)} / ${fmt(http_.cached.Q6.seqP99, 3)} |`,
    '',
    `| Q5: widget, count and sum of hours per board over ${imported.rows} rows | ms |`,
    '|---|---:|',
    `| first request after a start (nothing cached yet) | ${fmt(q5.first, 1)} |`,
    `| uncached server, single-client p50 of 10 requests | ${fmt(q5.uncached.p50, 1)} |`,
    `| cached, single-client p50 / p99 | ${fmt(http_.cached.Q5.seqP50, 3)} / ${fmt(http_.cached.Q5.seqP99, 3)} |`,
    `| cached, req/s (${CONNECTIONS} connections) | ${Math.round(http_.cached.Q5.rps)} |`,
    `| direct on ${o.driver}: the plain GROUP BY, p50 | ${fmt(q5.direct.plain, 1)} |`,
    `| direct on ${o.driver}: the widget's SQL (${r.guard ? 'guard, ' : ''}paging), p50 ` +
      `| ${fmt(q5.direct.widgetSql, 1)} |`,
    `| first request / plain GROUP BY | ${fmt(q5.first / q5.direct.plain)}× |`,
    `| uncached p50 / plain GROUP BY | ${fmt(q5.uncached.p50 / q5.direct.plain)}× |`,
  );
  if (r.contains) lines.push('', ...containsTable(r.contains, imported.rows, o.driver));
  if (r.twoNodes.uncached) lines.push('', ...twoNodesTable(r));
  return lines;
}

function containsTable(contains: NonNullable<Results['contains']>, rows: number, driver: string): string[] {
  const speedUp = (c: IndexEffect) => c.seqScan.p50 / c.index.p50;
  const label = (name: string, word: string) =>
    `${name === 'selective' ? 'a selective word' : `${name}'s word`} \`${word}\``;
  return [
    `Contains filter: the count a request needs (\`summary=<word>\`, ILIKE '%<word>%'), direct on ${driver}, ` +
      `p50 of repeated runs on one session,`,
    'with the trigram index and as a sequential scan (the same session with `SET enable_bitmapscan = off; SET ' +
      'enable_indexscan = off; SET enable_indexonlyscan = off`).',
    `Q2's word is in 4 % of the rows, spread over every table page, so the index cannot save reading the pages; ` +
      `the selective word is in 1 row in 1,000.`,
    '',
    '| word | matching rows | with trigram index p50 ms | sequential scan p50 ms | index speed-up | plan with ' +
      'the index | plan without |',
    '|---|---:|---:|---:|---:|---|---|',
    ...Object.entries(contains).map(
      ([name, c]) =>
        `| ${label(name, c.word)} | ${c.matches} (${fmt((100 * c.matches) / rows, 1)} %) ` +
        `| ${fmt(c.index.p50, 1)} | ${fmt(c.seqScan.p50, 1)} | ${fmt(speedUp(c), 1)}× | ${c.index.plan} ` +
        `| ${c.seqScan.plan} |`,
    ),
    '',
    `Target, on ${rows} rows: at least 10× faster than a sequential scan — ` +
      Object.entries(contains)
        .map(([name, c]) => `${label(name, c.word)}: ${fmt(speedUp(c), 1)}×, ${speedUp(c) >= 10 ? 'met' : 'missed'}`)
        .join('; ') +
      '.',
  ];
}

function twoNodesTable(r: Results): string[] {
  const half = Math.floor(CONNECTIONS / 2);
  const pct = (n: number) => `${Math.round(n)} %`;
  return [
    'Two nodes on the same PostgreSQL and Redis, no balancer: a second server process with the same ' +
      'settings as the first;',
    `one autocannon is given both nodes' URLs and opens its ${CONNECTIONS} connections on them in turn (${half} ` +
      `+ ${CONNECTIONS - half}), ${DURATION} s after 1 s warm-up.`,
    `"One node" is the line of the first table (${CONNECTIONS} connections on one node). On ` +
      `this ${os.cpus().length}-core machine the load generator, both`,
    'nodes, PostgreSQL and Redis share the cores: this shows the shape of the growth, not the ceiling. ' +
      'CPU is the share of the',
    'whole machine (100 % = every core busy) during the measured seconds; "rest" is PostgreSQL, Redis and ' +
      'anything else running.',
    '',
    '| query | page cache | one node req/s | two nodes req/s | two / one | two nodes p50 ms | two nodes p99 ms ' +
      '| CPU busy, one node → two | two nodes: load generator / nodes / rest |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...(['uncached', 'cached'] as const).flatMap((mode) =>
      Object.entries(r.twoNodes[mode] ?? {}).map(([name, two]) => {
        const one = r.http[mode][name];
        return (
          `| ${name} \`${QUERIES[name]}\` | ${mode === 'cached' ? 'on' : 'off'} | ${Math.round(one.rps)} ` +
          `| ${Math.round(two.rps)} | ${fmt(two.rps / one.rps)}× | ${two.p50} | ${two.p99} ` +
          `| ${pct(one.cpu.busy)} → ${pct(two.cpu.busy)} | ${pct(two.cpu.generator)} / ${pct(two.cpu.servers)} ` +
          `/ ${pct(two.cpu.rest)} |`
        );
      }),
    ),
  ];
}

/** This run next to a SQLite run of as many rows: the target is within 2× of SQLite. */
function againstSqlite(r: Results, ref: { file: string; date: string; results: Record<string, any> }): string[] {
  const s = ref.results;
  // [label, SQLite, this run, whether more is better]; first the lines of the target
  // (requests to the server), then the direct SQL and the import that explain them.
  type Metric = [string, number, number, boolean];
  const target: Metric[] = [];
  for (const mode of ['uncached', 'cached'] as const) {
    for (const name of [...Object.keys(QUERIES), ...(mode === 'cached' ? ['Q5', 'Q6'] : [])]) {
      const a = s.http?.[mode]?.[name];
      const b = r.http[mode][name];
      if (!a || !b) continue;
      target.push(
        [`${name} ${mode}: req/s`, a.rps, b.rps, true],
        [`${name} ${mode}: single-client p50 ms`, a.seqP50, b.seqP50, false],
      );
    }
  }
  for (const name of Object.keys(r.cold))
    if (s.cold?.[name] !== undefined)
      target.push([`${name} cold: first request ms`, s.cold[name], r.cold[name], false]);
  target.push(
    ['Q5 first request after a start, ms', s.q5.first, r.q5.first, false],
    ['Q5 uncached server, single-client p50 ms', s.q5.uncached.p50, r.q5.uncached.p50, false],
  );
  const explaining: Metric[] = [];
  for (const name of Object.keys(QUERIES)) {
    if (!s.direct[name]) continue;
    explaining.push([`${name} direct SQL: page p50 ms`, s.direct[name].page, r.direct[name].page, false]);
    if (r.direct[name].count !== null)
      explaining.push([`${name} direct SQL: count p50 ms`, s.direct[name].count, r.direct[name].count!, false]);
  }
  explaining.push(
    ['Q5 direct SQL: the plain GROUP BY p50 ms', s.q5.direct.plain, r.q5.direct.plain, false],
    ['import s', s.imported.ms / 1000, r.imported.ms / 1000, false],
  );
  const worse = ([, a, b, more]: Metric) => (more ? a / b : b / a);
  const number = (n: number) => (n >= 100 ? String(Math.round(n)) : fmt(n, n >= 10 ? 1 : 3));
  const line = (m: Metric, judged: boolean) =>
    `| ${m[0]} | ${number(m[1])} | ${number(m[2])} | ${fmt(worse(m))}× ` +
    `| ${judged ? (worse(m) <= 2 ? 'yes' : '**no**') : '(not a target)'} |`;
  const missed = target.filter((m) => worse(m) > 2).map(([label]) => label);
  return [
    '',
    `Against SQLite: ${ref.file} (written ${ref.date}, ${s.imported.rows} rows, another run on this machine). ` +
      `Target: Q1–Q5 within 2× of SQLite.`,
    '',
    `| line | SQLite | ${r.server.split(' ')[0]} | times slower than SQLite | within 2× |`,
    '|---|---:|---:|---:|---|',
    ...target.map((m) => line(m, true)),
    ...explaining.map((m) => line(m, false)),
    '',
    missed.length === 0 ? 'Q1–Q5: every line within 2× of SQLite.' : `Q1–Q5 beyond 2× of SQLite: ${missed.join('; ')}.`,
  ];
}
