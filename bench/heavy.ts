// npm run bench:heavy [-- --rows N] [--limit-ms MS] [--parallel P] [--rounds R] [--workers 0,2]
// A heavy widget (tickets and hours per board: a GROUP BY over every row) on a server
// whose time limit it passes, as SQLite serves it with query workers and without: how
// long one request takes to get its 504, how long P of them sent at once take, and how
// long /healthz, sent while they run, waits. Each `--workers` value is a server started
// with that DATAGATE_QUERY_WORKERS (`default`: the setting left unset).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/server.ts';
import { writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '300000' },
    'limit-ms': { type: 'string', default: '200' },
    parallel: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    workers: { type: 'string', default: '0,default' },
  },
});
const ROWS = Number(args.rows);
const LIMIT_MS = Number(args['limit-ms']);
const PARALLEL = Number(args.parallel);
const ROUNDS = Number(args.rounds);
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });

const log = (m: string) => process.stderr.write(`${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => ms.toFixed(0);

const csv = path.join(OUT, `tickets-${ROWS}.csv`);
if (!fs.existsSync(csv)) {
  log(`generating ${ROWS} rows into ${csv} ...`);
  await writeTicketsCsv(csv, ROWS);
}
const file = path.join(OUT, 'heavy.db');
for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
const database = `sqlite:${file}`;

log(`importing ${ROWS} rows ...`);
const modules = await openModules({
  ...loadConfig({ DATAGATE_DATABASE: database, DATAGATE_LOG_LEVEL: 'silent' }),
  queryWorkers: 0,
});
const tenant = await modules.access.tenants.ensure('default');
const ds = await modules.catalog.datasets.importFile(tenant.id, { file: csv, name: 'Tickets (heavy bench)' });
const widget = await modules.catalog.widgets.create(tenant.id, {
  name: 'Tickets and hours by board (heavy bench)',
  dataset: ds.id,
  chart: 'bar',
  dimensions: [{ field: 'board', label: 'Board' }],
  measures: [
    { agg: 'count', label: 'Tickets' },
    { agg: 'sum', field: 'hours', label: 'Hours' },
  ],
});
const created = await modules.access.keys.create(tenant.id, { name: 'bench', rateLimit: 1_000_000_000 });
await modules.access.keys.bind(tenant.id, created.id, 'widget', widget.id);
await modules.close();
const headers = { apikey: created.key };

const consoleDir = fs.mkdtempSync(path.join(OUT, 'console-'));

async function startServer(workers: string): Promise<{ child: ChildProcess; base: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATAGATE_DATABASE: database,
    DATAGATE_LOG_LEVEL: 'warn',
    DATAGATE_PAGE_CACHE_MB: '0',
    DATAGATE_QUERY_TIMEOUT_MS: String(LIMIT_MS),
    // No console build: the bench reads only the API.
    DATAGATE_CONSOLE_DIR: consoleDir,
  };
  if (workers === 'default') delete env.DATAGATE_QUERY_WORKERS;
  else env.DATAGATE_QUERY_WORKERS = workers;
  const child = spawn('./bin/datagate', ['serve', '--port', '0', '--json'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/"listening":"([^"]+)"/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { child, base };
}

async function timed(url: string): Promise<{ status: number; ms: number; at: number }> {
  const started = performance.now();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  const at = performance.now();
  return { status: res.status, ms: at - started, at };
}

const report: string[] = [
  `Heavy widget (count and sum of hours per board over ${ROWS} rows), DATAGATE_QUERY_TIMEOUT_MS=${LIMIT_MS}, ` +
    `page cache off; ` +
    `median of ${ROUNDS} rounds (all rounds in brackets).`,
  '',
  '| DATAGATE_QUERY_WORKERS | one heavy request: answer after ms (status) | ' +
    `${PARALLEL} at once: first answer ms | ${PARALLEL} at once: last answer ms | /healthz sent during them: ms |`,
  '|---|---|---:|---:|---:|',
];
for (const workers of String(args.workers).split(',')) {
  log(`server with DATAGATE_QUERY_WORKERS=${workers} ...`);
  const { child, base } = await startServer(workers);
  try {
    // Warm up: the file in the page cache, the workers started, the statement prepared.
    for (let i = 0; i < 3; i++) await timed(`${base}/api/widget/${widget.id}`);
    const single: { ms: number; status: number }[] = [];
    const first: number[] = [];
    const last: number[] = [];
    const health: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      single.push(await timed(`${base}/api/widget/${widget.id}`));
      await new Promise((res) => setTimeout(res, 300));
      const started = performance.now();
      const heavies = Array.from({ length: PARALLEL }, () => timed(`${base}/api/widget/${widget.id}`));
      // Once the heavy requests are in.
      await new Promise((res) => setTimeout(res, 20));
      const h = await timed(`${base}/healthz`);
      const done = await Promise.all(heavies);
      first.push(Math.min(...done.map((d) => d.at)) - started);
      last.push(Math.max(...done.map((d) => d.at)) - started);
      health.push(h.ms);
      await new Promise((res) => setTimeout(res, 300));
    }
    const statuses = [...new Set(single.map((s) => s.status))].join('/');
    report.push(
      `| ${workers} | ${fmt(median(single.map((s) => s.ms)))} [${single.map((s) => fmt(s.ms)).join(', ')}] ` +
        `(${statuses}) | ` +
        `${fmt(median(first))} [${first.map(fmt).join(', ')}] | ${fmt(median(last))} [${last.map(fmt).join(', ')}] | ` +
        `${fmt(median(health))} [${health.map(fmt).join(', ')}] |`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  }
}
fs.rmSync(consoleDir, { recursive: true, force: true });
process.stdout.write(report.join('\n') + '\n');
