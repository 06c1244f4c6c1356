// npm run bench:export [-- --rows N] [--backends sqlite,postgres] [--format csv|ndjson|xlsx] [--database URL]
//   [--redis URL] [--rounds R]
// An export (CSV unless --format says) of every row of the tickets dataset (spec section 10) from a server
// started for it: rows per second, time to first byte, and the server's resident memory
// at its peak during the export next to its idle one (before the export, after a page
// read). The export is read as fast as this process can take it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/server.ts';
import { createPostgresBackend, createSqliteBackend, type BenchBackend } from './backends.ts';
import { writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    rounds: { type: 'string', default: '3' },
    format: { type: 'string', default: 'csv' },
  },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);
const FORMAT = args.format!;
// CSV has a header line, NDJSON none; XLSX rows are not counted (the file is zipped).
const HEADER_LINES: Record<string, number | undefined> = { csv: 1, ndjson: 0 };
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });

const log = (m: string) => process.stderr.write(`${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (kb: number) => (kb / 1024).toFixed(0);

const csv = path.join(OUT, `tickets-${ROWS}.csv`);
if (!fs.existsSync(csv)) {
  log(`generating ${ROWS} rows into ${csv} ...`);
  await writeTicketsCsv(csv, ROWS);
}

/** The resident memory of process `pid` in KiB (Linux). */
function rssKib(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function startServer(backend: BenchBackend, consoleDir: string): Promise<{ child: ChildProcess; base: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...backend.env,
    DATAGATE_DATABASE: backend.database,
    DATAGATE_LOG_LEVEL: 'warn',
    DATAGATE_CONSOLE_DIR: consoleDir,
  };
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

interface Round {
  readonly rows: number;
  readonly bytes: number;
  readonly firstByteMs: number;
  readonly totalMs: number;
  readonly idleKib: number;
  readonly peakKib: number;
}

/** One export, read to the end, with the server's memory sampled every 20 ms. */
async function exportOnce(pid: number, url: string, headers: Record<string, string>): Promise<Round> {
  const idleKib = rssKib(pid);
  let peakKib = idleKib;
  const sampler = setInterval(() => (peakKib = Math.max(peakKib, rssKib(pid))), 20);
  try {
    const started = performance.now();
    const res = await fetch(url, { headers });
    if (res.status !== 200) throw new Error(`export answered ${res.status}: ${await res.text()}`);
    let firstByteMs = 0;
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (bytes === 0) firstByteMs = performance.now() - started;
      bytes += chunk.length;
      for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
    }
    const totalMs = performance.now() - started;
    peakKib = Math.max(peakKib, rssKib(pid));
    return { rows: lines - (HEADER_LINES[FORMAT] ?? 0), bytes, firstByteMs, totalMs, idleKib, peakKib };
  } finally {
    clearInterval(sampler);
  }
}

const report: string[] = [
  `${FORMAT.toUpperCase()} export of ${ROWS} rows (10 columns), read as fast as the client takes it; ` +
    `median of ${ROUNDS} rounds (all rounds in brackets). Memory: the server's VmRSS.`,
  '',
  '| backend | rows/s | time to first byte ms | whole export s | MB | idle RSS MB | peak RSS MB | peak − idle MB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
];
const consoleDir = fs.mkdtempSync(path.join(OUT, 'console-'));
for (const name of String(args.backends).split(',')) {
  const backend =
    name === 'postgres' ? await createPostgresBackend(args.database!, args.redis!, OUT) : createSqliteBackend(OUT);
  try {
    log(`${name}: importing ${ROWS} rows ...`);
    const modules = await openModules({
      ...loadConfig({ ...backend.env, DATAGATE_DATABASE: backend.database, DATAGATE_LOG_LEVEL: 'silent' }),
      queryWorkers: 0,
    });
    const tenant = await modules.access.tenants.ensure('default');
    const ds = await modules.catalog.datasets.importFile(tenant.id, { file: csv, name: 'Tickets (export bench)' });
    const created = await modules.access.keys.create(tenant.id, { name: 'bench', rateLimit: 1_000_000 });
    await modules.access.keys.bind(tenant.id, created.id, 'dataset', ds.id);
    await modules.close();
    // The body as it is: fetch would ask for gzip by default, and compression is not what this measures.
    const headers = { apikey: created.key, 'accept-encoding': 'identity' };

    const { child, base } = await startServer(backend, consoleDir);
    try {
      // Warm: a page read, so that idle memory is that of a server that has served.
      await (await fetch(`${base}/api/dataset/${ds.id}?size=1000`, { headers })).arrayBuffer();
      await new Promise((r) => setTimeout(r, 500));
      const rounds: Round[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        log(`${name}: export round ${r + 1} ...`);
        const round = await exportOnce(child.pid!, `${base}/api/dataset/${ds.id}/export?format=${FORMAT}`, headers);
        if (HEADER_LINES[FORMAT] === undefined) rounds.push({ ...round, rows: ROWS });
        else if (round.rows !== ROWS) throw new Error(`the export had ${round.rows} rows, not ${ROWS}`);
        else rounds.push(round);
        await new Promise((res) => setTimeout(res, 500));
      }
      const all = (f: (r: Round) => number, fmt: (n: number) => string) =>
        `${fmt(median(rounds.map(f)))} [${rounds.map((r) => fmt(f(r))).join(', ')}]`;
      report.push(
        `| ${name} | ${all(
          (r) => r.rows / (r.totalMs / 1000),
          (n) => n.toFixed(0),
        )} | ` +
          `${all(
            (r) => r.firstByteMs,
            (n) => n.toFixed(0),
          )} | ${all(
            (r) => r.totalMs / 1000,
            (n) => n.toFixed(1),
          )} | ` +
          `${(rounds[0].bytes / 1024 / 1024).toFixed(0)} | ${all((r) => r.idleKib, mb)} | ` +
          `${all((r) => r.peakKib, mb)} | ${all((r) => r.peakKib - r.idleKib, mb)} |`,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    }
  } finally {
    await backend.dispose();
  }
}
fs.rmSync(consoleDir, { recursive: true, force: true });
process.stdout.write(report.join('\n') + '\n');
