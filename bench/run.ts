// npm run bench [-- --csv FILE] [--rows N] [--duration S] [--connections C]
// Imports a tickets dataset (generated, 1,000,000 rows by default) and a widget over it,
// then measures the public API under load on loopback next to a constant-JSON Fastify
// ceiling and the same SQL run directly on better-sqlite3. Prints Markdown tables and
// writes bench/out/results.json.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { parseQuery } from '../src/catalog/filter/filter-parser.ts';
import { buildCountQuery, buildPageQuery } from '../src/catalog/query/dataset-query.ts';
import { toDataset } from '../src/catalog/dataset-registry.ts';
import { buildWidgetQueries } from '../src/catalog/widget/widget-compiler.ts';
import { parseWidgetSpec, resolveWidget } from '../src/catalog/widget/widget-spec.ts';
import type { DialectCapabilities } from '../src/store/dialects/capabilities.ts';
import { sqliteCapabilities } from '../src/store/dialects/sqlite-capabilities.ts';
import { installDeadlineGuard } from '../src/store/dialects/sqlite.ts';
import { Q2_WORD, writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    csv: { type: 'string' },
    rows: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
  },
});
const ROWS = Number(args.rows);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });

const QUERIES: Record<string, string> = {
  Q1: 'current=1&size=10',
  Q2: `summary=${Q2_WORD}`,
  Q3: 'priority=2,4&created_at=2022-01-01,2022-06-30',
  Q4: 'current=50000',
};

function log(s: string) {
  process.stderr.write(s + '\n');
}

function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line));
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) / 1024;
}

async function load(url: string, headers: Record<string, string> = {}) {
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 });
  const r = await autocannon({ url, headers, connections: CONNECTIONS, duration: DURATION });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** Latency of one request at a time over a kept-alive connection, in ms (autocannon rounds to whole ms). */
async function sequential(url: string, headers: Record<string, string>, n = 2000, warmUp = 50) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<void>((resolve, reject) => {
      http.get(url, { agent, headers }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  for (let i = 0; i < warmUp; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    samples.push(performance.now() - t);
  }
  agent.destroy();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(n / 2)], p99: samples[Math.floor(n * 0.99)] };
}

function timeIt(fn: () => unknown, ms = 2000) {
  const samples: number[] = [];
  const end = performance.now() + ms;
  for (let i = 0; i < 5; i++) fn();
  while (performance.now() < end || samples.length < 20) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

const fmt = (n: number, d = 2) => n.toFixed(d);

let csv = args.csv;
if (!csv) {
  csv = path.join(OUT, `tickets-${ROWS}.csv`);
  if (!fs.existsSync(csv)) {
    log(`generating ${ROWS} rows into ${csv} ...`);
    await writeTicketsCsv(csv, ROWS);
  }
}
const dbFile = path.join(OUT, 'bench.db');
for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
const database = `sqlite:${dbFile}`;

log('importing ...');
const imp = spawnSync(process.execPath, ['--import', 'tsx', 'bench/import-child.ts', database, csv], { encoding: 'utf8' });
if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr}`);
const imported = JSON.parse(imp.stdout) as { datasetId: string; widgetId: string; key: string; rows: number; ms: number; maxRssKb: number };
log(`imported ${imported.rows} rows in ${fmt(imported.ms / 1000)} s`);

const env = { ...process.env, DATAGATE_LOG_LEVEL: 'warn' };
const startServer = (extra: Record<string, string>) =>
  spawn('./bin/datagate', ['serve', '--port', '0', '--json', '--database', database], { env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
const servers = { cached: startServer({}), uncached: startServer({ DATAGATE_PAGE_CACHE_MB: '0' }) };
const ceiling = spawn(process.execPath, ['--import', 'tsx', 'bench/ceiling-server.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
type Line = { rps: number; p50: number; p99: number; seqP50: number; seqP99: number };
try {
  const bases = {
    cached: String((await firstJsonLine(servers.cached)).listening),
    uncached: String((await firstJsonLine(servers.uncached)).listening),
  };
  const ceilingInfo = await firstJsonLine(ceiling);
  const headers = { apikey: imported.key };

  log('load: ceiling ...');
  const ceilUrl = `${ceilingInfo.listening}/ceiling`;
  const ceil: Line = { ...(await load(ceilUrl)), ...seqOf(await sequential(ceilUrl, {})) };
  const http_: Record<string, Record<string, Line>> = { cached: {}, uncached: {} };
  for (const mode of ['uncached', 'cached'] as const) {
    for (const [name, qs] of Object.entries(QUERIES)) {
      log(`load: ${name} ${mode} ...`);
      const url = `${bases[mode]}/api/dataset/${imported.datasetId}?${qs}`;
      const seq = await sequential(url, headers);
      http_[mode][name] = { ...(await load(url, headers)), ...seqOf(seq) };
    }
  }

  // Q5, the widget: its first request on the cached server is the first after the load
  // (nothing cached yet); every request on the uncached server computes the GROUP BY.
  const widgetUrl = (mode: 'cached' | 'uncached') => `${bases[mode]}/api/widget/${imported.widgetId}`;
  const rssBeforeQ5 = { cached: peakRssMb(servers.cached.pid!), uncached: peakRssMb(servers.uncached.pid!) };
  log('Q5: first request, uncached ...');
  const q5First = await firstRequest(widgetUrl('cached'), headers);
  const q5Uncached = await sequential(widgetUrl('uncached'), headers, 10, 1);
  log('load: Q5 cached ...');
  http_.cached.Q5 = { ...(await load(widgetUrl('cached'), headers)), ...seqOf(await sequential(widgetUrl('cached'), headers)) };
  const serverRss = { cached: peakRssMb(servers.cached.pid!), uncached: peakRssMb(servers.uncached.pid!) };

  log('direct SQL ...');
  const raw = new Database(dbFile, { readonly: true });
  // The server's guard function, so that the SQL it runs can run here as it is.
  installDeadlineGuard(raw);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const row = raw.prepare('SELECT * FROM datasets WHERE id = ?').get(imported.datasetId) as Record<string, unknown>;
  const ds = toDataset({
    id: String(row.id), tenantId: String(row.tenant_id), name: String(row.name), description: '', integrationGroup: '', owner: '',
    createdAt: '', modifiedAt: '', syncedAt: '', version: Number(row.version), tableName: String(row.table_name),
    fields: String(row.fields), rowCount: Number(row.row_count),
  });
  const direct: Record<string, { page: number; count: number | null; total: number }> = {};
  for (const [name, qs] of Object.entries(QUERIES)) {
    const parsed = parseQuery(Object.fromEntries(new URLSearchParams(qs)), ds.fields, { maxSize: 1000 });
    if (!parsed.ok) throw new Error(parsed.message);
    const countQuery = buildCountQuery(db, sqliteCapabilities, ds, parsed.query);
    const count = countQuery && raw.prepare(countQuery.sql).raw(true);
    const total = count ? Number((count.get(...(countQuery.parameters as unknown[])) as unknown[])[0]) : ds.rowCount;
    const pageQuery = buildPageQuery(db, sqliteCapabilities, ds, parsed.query, total);
    const page = raw.prepare(pageQuery.sql).raw(true).safeIntegers(true);
    const pageT = timeIt(() => page.all(...(pageQuery.parameters as unknown[])));
    const countT = count ? timeIt(() => count.all(...(countQuery!.parameters as unknown[])), 3000) : null;
    direct[name] = { page: pageT.p50, count: countT?.p50 ?? null, total };
  }

  // What the deadline guard costs: the same counts with and without it, and a count
  // that reads every row (a contains that matches nothing).
  log('guard cost ...');
  const unguarded: DialectCapabilities = { ...sqliteCapabilities, deadlineGuard: () => undefined };
  const guard: Record<string, { with: number; without: number }> = {};
  for (const [name, qs] of Object.entries({ Q2: QUERIES.Q2, Q3: QUERIES.Q3, 'full scan': 'summary=no-such-words' })) {
    const parsed = parseQuery(Object.fromEntries(new URLSearchParams(qs)), ds.fields, { maxSize: 1000 });
    if (!parsed.ok) throw new Error(parsed.message);
    const run = (q: CompiledQuery) => {
      const stmt = raw.prepare(q.sql).raw(true);
      return timeIt(() => stmt.all(...(q.parameters as unknown[])), 3000).p50;
    };
    guard[name] = {
      with: run(buildCountQuery(db, sqliteCapabilities, ds, parsed.query)!),
      without: run(buildCountQuery(db, unguarded, ds, parsed.query)!),
    };
  }

  // Q5 directly: the plain GROUP BY, and the SQL the server runs for the widget (the
  // same GROUP BY with the guard, inside the paging query).
  log('Q5 direct ...');
  const board = ds.fields.find((f) => f.name === 'board')!.column;
  const hours = ds.fields.find((f) => f.name === 'hours')!.column;
  const plain = raw.prepare(`SELECT "${board}", count(*), sum("${hours}") FROM "${ds.tableName}" GROUP BY "${board}"`).raw(true).safeIntegers(true);
  const widgetRow = raw.prepare('SELECT spec FROM widgets WHERE id = ?').get(imported.widgetId) as { spec: string };
  const shape = parseWidgetSpec(JSON.parse(widgetRow.spec));
  if (!shape.ok) throw new Error(shape.message);
  const resolved = resolveWidget(shape.spec, ds.fields, ds.name);
  if (!resolved.ok) throw new Error(resolved.message);
  const widgetQuery = parseQuery({}, resolved.plan.columns, { maxSize: 1000 });
  if (!widgetQuery.ok) throw new Error(widgetQuery.message);
  const widgetSql = buildWidgetQueries(db, sqliteCapabilities, ds, resolved.plan, widgetQuery.query).page;
  const widgetStmt = raw.prepare(widgetSql.sql).raw(true).safeIntegers(true);
  const q5Direct = {
    plain: timeIt(() => plain.all(), 5000).p50,
    widgetSql: timeIt(() => widgetStmt.all(...(widgetSql.parameters as unknown[])), 5000).p50,
  };
  raw.close();

  const row_ = (label: string, qs: string, l: Line) =>
    `| ${label} | ${qs} | ${Math.round(l.rps)} | ${Math.round((100 * l.rps) / ceil.rps)} % | ${l.p50} | ${l.p99} | ${fmt(l.seqP50, 3)} | ${fmt(l.seqP99, 3)} |`;
  const lines = [
    `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
    `Date: ${new Date().toISOString().slice(0, 10)}; ${imported.rows} rows; load: autocannon, ${CONNECTIONS} connections × ${DURATION} s after 1 s warm-up; single client: 2,000 sequential requests on one kept-alive connection`,
    '',
    `Import: ${fmt(imported.ms / 1000)} s (${Math.round(imported.rows / (imported.ms / 1000))} rows/s), peak RSS ${fmt(imported.maxRssKb / 1024, 0)} MB`,
    `Server peak RSS under load, Q1–Q4: ${fmt(rssBeforeQ5.cached, 0)} MB with the page cache, ${fmt(rssBeforeQ5.uncached, 0)} MB without; after Q5 (GROUP BY over every row): ${fmt(serverRss.cached, 0)} MB and ${fmt(serverRss.uncached, 0)} MB`,
    '',
    '| line | query | req/s | of ceiling | p50 ms | p99 ms | single-client p50 ms | single-client p99 ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    row_('ceiling', `constant ${ceilingInfo.bytes} B JSON`, ceil),
    ...Object.entries(QUERIES).map(([name, qs]) => row_(`${name} uncached`, `\`${qs}\``, http_.uncached[name])),
    ...Object.entries(QUERIES).map(([name, qs]) => row_(`${name} cached`, `\`${qs}\``, http_.cached[name])),
    row_('Q5 cached', 'widget: tickets and hours by board', http_.cached.Q5),
    '',
    '| query | matching rows | direct SQL: page p50 ms | direct SQL: count p50 ms |',
    '|---|---:|---:|---:|',
    ...Object.entries(QUERIES).map(([name]) => {
      const d = direct[name];
      return `| ${name} | ${d.total} | ${fmt(d.page, 3)} | ${d.count === null ? '— (row count known)' : fmt(d.count, 1)} |`;
    }),
    '',
    '| deadline guard (count) | with guard p50 ms | without p50 ms | cost |',
    '|---|---:|---:|---:|',
    ...Object.entries(guard).map(([name, g]) => `| ${name} | ${fmt(g.with, 1)} | ${fmt(g.without, 1)} | ${fmt(g.with - g.without, 1)} ms (${Math.round((100 * (g.with - g.without)) / g.without)} %) |`),
    '',
    `| Q5: widget, count and sum of hours per board over ${imported.rows} rows | ms |`,
    '|---|---:|',
    `| first request after the load (cached server, nothing cached yet) | ${fmt(q5First, 1)} |`,
    `| uncached server, single-client p50 of 10 requests | ${fmt(q5Uncached.p50, 1)} |`,
    `| cached, single-client p50 / p99 | ${fmt(http_.cached.Q5.seqP50, 3)} / ${fmt(http_.cached.Q5.seqP99, 3)} |`,
    `| cached, req/s (${CONNECTIONS} connections) | ${Math.round(http_.cached.Q5.rps)} |`,
    `| direct on better-sqlite3: the plain GROUP BY, p50 | ${fmt(q5Direct.plain, 1)} |`,
    `| direct on better-sqlite3: the widget's SQL (guard, paging), p50 | ${fmt(q5Direct.widgetSql, 1)} |`,
    `| first request / plain GROUP BY | ${fmt(q5First / q5Direct.plain)}× |`,
    `| uncached p50 / plain GROUP BY | ${fmt(q5Uncached.p50 / q5Direct.plain)}× |`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  fs.writeFileSync(
    path.join(OUT, 'results.json'),
    JSON.stringify({ imported, rssBeforeQ5, serverRss, ceil, http: http_, direct, guard, q5: { first: q5First, uncached: q5Uncached, direct: q5Direct } }, null, 2),
  );
} finally {
  servers.cached.kill('SIGTERM');
  servers.uncached.kill('SIGTERM');
  ceiling.kill('SIGTERM');
}

/** One request on a new connection, in ms: the cost a first client sees. */
function firstRequest(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http.get(url, { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
      res.resume();
      res.on('end', () => resolve(performance.now() - t));
    }).on('error', reject);
  });
}

function seqOf(s: { p50: number; p99: number }) {
  return { seqP50: s.p50, seqP99: s.p99 };
}
