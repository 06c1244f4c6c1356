// npm run soak [-- --minutes 10] [--rows N] [--csv FILE] [--connections 8] [--idle 60]
// Memory under a long mixed load. Imports the bench's generated tickets dataset (1,000,000
// rows by default) into a fresh SQLite file (or serves the last one, --reuse), starts one
// server on it (with this process's environment, so DATAGATE_* settings apply), lets it
// sit idle, then drives it with autocannon: every request a filter not asked before (so
// neither the page cache nor the count cache answers it), with a share of widget reads and
// of pages deep in the table (see nth below).
// The server's RSS (/proc/<pid>/status VmRSS) and its heap (from /metrics) are sampled
// every 10 s; prints RSS per minute (min/max), idle before and after, the requests and
// their statuses as Markdown, and writes bench/out/soak-results.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createSqliteBackend } from './backends.ts';
import { writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rows: { type: 'string', default: '1000000' },
    csv: { type: 'string' },
    connections: { type: 'string', default: '8' },
    // Seconds of idle before and after the load.
    idle: { type: 'string', default: '60' },
    // Seconds between samples.
    sample: { type: 'string', default: '10' },
    // Serve the previous run's database as it is instead of importing again (same --rows).
    reuse: { type: 'boolean', default: false },
  },
});
const MINUTES = Number(args.minutes);
const ROWS = Number(args.rows);
const CONNECTIONS = Number(args.connections);
const IDLE_S = Number(args.idle);
const SAMPLE_S = Number(args.sample);
for (const [name, v] of Object.entries({
  minutes: MINUTES,
  rows: ROWS,
  connections: CONNECTIONS,
  idle: IDLE_S,
  sample: SAMPLE_S,
})) {
  if (!(v > 0)) throw new Error(`--${name}: expected a positive number`);
}
const OUT = path.resolve('bench/out');
// A folder of its own, so that a soak and a bench can share bench/out.
const DB_DIR = path.join(OUT, 'soak');
fs.mkdirSync(DB_DIR, { recursive: true });

function log(s: string) {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => bytes / 2 ** 20;
const fmt = (n: number) => n.toFixed(0);

const children = new Set<ChildProcess>();

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The import, in its own process (bench/import-child.ts): the dataset, a widget over it and a key bound to both. */
async function importCsv(database: string, csv: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/import-child.ts', database, csv], {
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
  return JSON.parse(stdout) as { datasetId: string; widgetId: string; key: string; rows: number; ms: number };
}

function startServer(database: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn('./bin/datagate', ['serve', '--port', '0', '--json'], {
    env: {
      ...process.env,
      DATAGATE_LOG_LEVEL: process.env.DATAGATE_LOG_LEVEL ?? 'warn',
      DATAGATE_DATABASE: database,
      DATAGATE_METRICS_TOKEN: METRICS_TOKEN,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"listening"'));
      if (line) resolve({ child, base: String(JSON.parse(line).listening) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)![1]) / 1024;
}

// The server's /metrics answers this bearer token (DATAGATE_METRICS_TOKEN).
const METRICS_TOKEN = 'soak-metrics-token-0123456789';

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) / 1024;
}

/** The server's own view of its memory, from its Prometheus metrics (MB). */
async function heapOf(base: string): Promise<{ heapTotal: number; heapUsed: number; external: number } | undefined> {
  try {
    // A busy server answers late: the sample keeps its RSS and goes without the heap.
    const text = await (
      await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        signal: AbortSignal.timeout(2_000),
      })
    ).text();
    const value = (name: string) => Number(text.match(new RegExp(`^datagate_${name} (\\S+)$`, 'm'))?.[1] ?? NaN);
    return {
      heapTotal: mb(value('nodejs_heap_size_total_bytes')),
      heapUsed: mb(value('nodejs_heap_size_used_bytes')),
      external: mb(value('nodejs_external_memory_bytes')),
    };
  } catch {
    return undefined;
  }
}

type Sample = {
  t: number;
  phase: 'idle-before' | 'load' | 'idle-after';
  rss: number;
  heapTotal?: number;
  heapUsed?: number;
  external?: number;
};

/** Samples every SAMPLE_S seconds until `until` resolves. */
async function sampleWhile(
  pid: number,
  base: string,
  phase: Sample['phase'],
  t0: number,
  samples: Sample[],
  until: Promise<unknown>,
) {
  let done = false;
  void until.finally(() => (done = true));
  let next = performance.now();
  while (!done) {
    next += SAMPLE_S * 1000;
    const t = (performance.now() - t0) / 1000;
    const rss = rssMb(pid);
    samples.push({ t, phase, rss, ...(await heapOf(base)) });
    const last = samples.at(-1)!;
    log(
      `${phase} ${fmt(last.t)} s: RSS ${fmt(last.rss)} MB, ` +
        `heap ${fmt(last.heapUsed ?? NaN)}/${fmt(last.heapTotal ?? NaN)} MB, external ${fmt(last.external ?? NaN)} MB`,
    );
    await Promise.race([sleep(Math.max(0, next - performance.now())), until]);
  }
}

// Vocabulary of the generated data (bench/generate.ts).
const BOARDS = ['Service Desk', 'Projects', 'Alerts', 'Onboarding', 'Network', 'Security', 'Billing', 'Escalations'];
const STATUSES = ['New', 'In Progress', 'Waiting on Customer', 'Scheduled', 'Closed'];
const WORDS = [
  'printer',
  'vpn',
  'laptop',
  'backup',
  'disk',
  'teams',
  'mfa',
  'ups',
  'license',
  'drive',
  'scanner',
  'wi-fi',
  'password',
  'monitor',
  'mailbox',
];
const PAGE_SIZES = [10, 50, 100, 500, 1000];
const DAY = 86_400_000;
const START = Date.UTC(2021, 0, 1);
const date = (days: number) => new Date(START + days * DAY).toISOString().slice(0, 10);

/**
 * The n-th request's path and query. The counter goes into every filter (an id, a date,
 * an hour bound, a page number), so no two requests of a run are the same and every one
 * misses the caches. Of 50 requests: 1 widget read (a GROUP BY over every row), 2 pages
 * deep in the table, 24 cheap filters (an id, or one day), 23 broader ones (a range of
 * days with other fields, some with a text contains); pages of 10 to 1,000 rows.
 */
function nth(n: number, ids: { datasetId: string; widgetId: string }): string {
  const kind = n % 50;
  if (kind === 0) {
    // The widget's result (one row per board) filtered on its columns; the bound makes it new.
    const q = new URLSearchParams({ Tickets: `${n % 100_000},` });
    if (n % 4 === 0) q.set('Board', BOARDS[n % BOARDS.length].slice(0, 3));
    return `/api/widget/${ids.widgetId}?${q}`;
  }
  if (kind <= 2) {
    // Deep pages: a page of 10–100 rows anywhere in the table, some sorted on an indexed field.
    const size = 10 + (n % 91);
    const q = new URLSearchParams({ current: String(1 + ((n * 7919) % Math.floor(ROWS / size))), size: String(size) });
    if (n % 3 === 0) q.set('_sort', n % 2 ? '-created_at' : 'hours');
    return `/api/dataset/${ids.datasetId}?${q}`;
  }
  // Page sizes up to the largest a client may ask for: large pages are what a cache fills with.
  const size = String(PAGE_SIZES[Math.floor(n / 50) % PAGE_SIZES.length]);
  if (kind % 2 === 1) {
    // Cheap: one ticket by its id, or the tickets of one day.
    const q =
      n % 4 === 1
        ? new URLSearchParams({ id: String(1_000_000_000_000 + 1 + ((n * 7919) % ROWS)) })
        : new URLSearchParams({
            created_at: `${date(n % 1460)},${date(n % 1460)}`,
            size,
            _sort: n % 3 ? 'priority' : '-hours',
          });
    if (n % 5 === 0) q.set('current', String(1 + (n % 3)));
    return `/api/dataset/${ids.datasetId}?${q}`;
  }
  const from = n % 1400;
  const q = new URLSearchParams({ created_at: `${date(from)},${date(from + 1 + (n % 60))}` });
  if (n % 3) q.set('priority', `${1 + (n % 3)},${2 + (n % 4)}`);
  if (n % 3 === 0) q.set('hours', `${(n % 97) / 4},`);
  if (n % 8 === 0) q.set('summary', WORDS[n % WORDS.length]);
  if (n % 5 === 0) q.set('board', BOARDS[n % BOARDS.length]);
  if (n % 7 === 0) q.set('status', STATUSES[n % STATUSES.length]);
  q.set('size', size);
  if (n % 6 === 0) q.set('current', String(2 + (n % 20)));
  return `/api/dataset/${ids.datasetId}?${q}`;
}

async function soak() {
  let csv = args.csv;
  if (!csv) {
    csv = path.join(OUT, `tickets-${ROWS}.csv`);
    if (!fs.existsSync(csv)) {
      log(`generating ${ROWS} rows into ${csv} ...`);
      await writeTicketsCsv(csv, ROWS);
    }
  }
  const file = path.join(DB_DIR, 'bench.db');
  const importedFile = path.join(DB_DIR, 'imported.json');
  let database = `sqlite:${file}`;
  let imported: Awaited<ReturnType<typeof importCsv>>;
  if (args.reuse && fs.existsSync(importedFile) && JSON.parse(fs.readFileSync(importedFile, 'utf8')).rows === ROWS) {
    imported = JSON.parse(fs.readFileSync(importedFile, 'utf8'));
    log(`serving the previous run's ${file}`);
  } else {
    fs.rmSync(importedFile, { force: true });
    const backend = createSqliteBackend(DB_DIR);
    database = backend.database;
    log(`importing into ${backend.location} ...`);
    imported = await importCsv(database, csv);
    fs.writeFileSync(importedFile, JSON.stringify(imported));
    log(`imported ${imported.rows} rows in ${(imported.ms / 1000).toFixed(1)} s`);
  }

  const { child, base } = await startServer(database);
  const pid = child.pid!;
  const headers = { apikey: imported.key };
  const t0 = performance.now();
  const samples: Sample[] = [];
  try {
    log(`server ${pid} on ${base}; idle for ${IDLE_S} s ...`);
    await sampleWhile(pid, base, 'idle-before', t0, samples, sleep(IDLE_S * 1000));

    log(`load: ${CONNECTIONS} connections for ${MINUTES} min ...`);
    const statuses: Record<string, number> = {};
    let n = 0;
    const loadStart = (performance.now() - t0) / 1000;
    const instance = autocannon({
      url: base,
      connections: CONNECTIONS,
      duration: MINUTES * 60,
      // Each query takes a scan of the table: give one a generous minute before counting it lost.
      timeout: 60,
      headers,
      requests: [
        { setupRequest: (req: Record<string, unknown>) => ({ ...req, method: 'GET', path: nth(n++, imported) }) },
      ],
    }) as unknown as PromiseLike<Awaited<ReturnType<typeof autocannon>>> & {
      on(event: 'response', fn: (client: unknown, status: number) => void): void;
    };
    instance.on('response', (_client, status) => (statuses[status] = (statuses[status] ?? 0) + 1));
    // The instance is a thenable, not a Promise.
    const finished = Promise.resolve(instance);
    await sampleWhile(pid, base, 'load', t0, samples, finished);
    const result = await finished;
    const loadEnd = (performance.now() - t0) / 1000;
    const peakUnderLoad = peakRssMb(pid);

    log(`idle for ${IDLE_S} s ...`);
    await sampleWhile(pid, base, 'idle-after', t0, samples, sleep(IDLE_S * 1000));

    const perMinute: { minute: number; min: number; max: number; heapMax: number }[] = [];
    for (const s of samples.filter((x) => x.phase === 'load')) {
      const minute = Math.min(Math.floor((s.t - loadStart) / 60) + 1, MINUTES);
      let m = perMinute.find((x) => x.minute === minute);
      if (!m) perMinute.push((m = { minute, min: Infinity, max: -Infinity, heapMax: -Infinity }));
      m.min = Math.min(m.min, s.rss);
      m.max = Math.max(m.max, s.rss);
      m.heapMax = Math.max(m.heapMax, s.heapTotal ?? -Infinity);
    }
    const phase = (p: Sample['phase']) => samples.filter((s) => s.phase === p).map((s) => s.rss);
    const range = (xs: number[]) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
    const fiveXx = Object.entries(statuses)
      .filter(([s]) => s.startsWith('5'))
      .reduce((a, [, c]) => a + c, 0);
    const settings = Object.entries(process.env).filter(([k]) => k.startsWith('DATAGATE_') && k !== 'DATAGATE_SECRET');
    const lines = [
      `Machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}; load average at the end ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
      `Date: ${new Date().toISOString()}; ${imported.rows} rows (SQLite); ` +
        `${CONNECTIONS} connections × ${MINUTES} min (autocannon); RSS sampled every ${SAMPLE_S} s`,
      `Settings: ${settings.length ? settings.map(([k, v]) => `${k}=${v}`).join(' ') : 'the defaults'}`,
      '',
      '| minute | RSS min MB | RSS max MB | V8 heap total max MB |',
      '|---:|---:|---:|---:|',
      ...perMinute.map(
        (m) => `| ${m.minute} | ${fmt(m.min)} | ${fmt(m.max)} | ${m.heapMax > 0 ? fmt(m.heapMax) : '—'} |`,
      ),
      '',
      `Idle before: ${range(phase('idle-before'))} MB; idle after: ${range(phase('idle-after'))} MB; ` +
        `peak RSS (VmHWM) by the end of the load: ${fmt(peakUnderLoad)} MB`,
      `Requests: ${result.requests.total} in ${(loadEnd - loadStart).toFixed(0)} s ` +
        `(${(result.requests.total / (loadEnd - loadStart)).toFixed(1)}/s); ` +
        `p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms; ` +
        `errors ${result.errors}, timeouts ${result.timeouts}`,
      `Statuses: ${Object.entries(statuses)
        .map(([s, c]) => `${s}: ${c}`)
        .join(', ')}; 5xx: ${fiveXx}`,
    ];
    process.stdout.write(lines.join('\n') + '\n');
    fs.writeFileSync(
      path.join(OUT, 'soak-results.json'),
      JSON.stringify(
        {
          rows: imported.rows,
          minutes: MINUTES,
          connections: CONNECTIONS,
          settings: Object.fromEntries(settings),
          samples,
          perMinute,
          peakUnderLoad,
          statuses,
          requests: result.requests.total,
          errors: result.errors,
          timeouts: result.timeouts,
          latency: { p50: result.latency.p50, p99: result.latency.p99 },
        },
        null,
        2,
      ),
    );
    if (fiveXx > 0 || result.errors > 0) process.exitCode = 1;
  } finally {
    await stop(child);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping the server ...`);
    void Promise.all([...children].map(stop)).finally(() => process.exit(128 + os.constants.signals[signal]));
  });
}
try {
  await soak();
} finally {
  await Promise.all([...children].map(stop));
}
