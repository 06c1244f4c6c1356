// node --import tsx bench/zone-map.ts [--rows N] [--rounds N] [--ms N] [--baseline DIR]
//
// What a zone map is worth to natural-order pages and what it costs a load, on SQLite:
// the bench's tickets CSV (created_at scattered over the table) and the same rows in
// created_at order with local disorder (what an export of a ticket system looks like),
// each imported twice, alternating — by `--baseline`, a checkout of a version without
// zone maps, when given (for the import time; otherwise by this one, its zone map then
// dropped: what a table loaded before zone maps looks like) and by this one. Then,
// alternating, the page and count SQL that datagate builds with and without the zone
// map, directly, and one client's requests to a server (page cache off) on each file.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { parseQuery } from '../src/catalog/filter/query-parser.ts';
import { buildCountQuery, buildPageQuery, type DatasetTable } from '../src/catalog/query/dataset-query.ts';
import { sqliteCapabilities as caps } from '../src/store/dialects/sqlite-capabilities.ts';
import { installDeadlineGuard } from '../src/store/dialects/sqlite-deadline.ts';
import { registerSqliteFunctions } from '../src/store/dialects/sqlite-functions.ts';
import { zoneTable } from '../src/store/index.ts';
import { sample, type Timing } from './backends.ts';
import { writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '2' },
    ms: { type: 'string', default: '1500' },
    baseline: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);
const MS = Number(args.ms);
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });

const QUERIES: Record<string, string> = {
  'Q3 mid-table': 'priority=2,4&created_at=2023-01-01,2023-06-30',
  'Q3 start of table': 'priority=2,4&created_at=2021-01-01,2021-06-30',
  'last 30 days': 'created_at=2024-12-02,2024-12-31',
  'Q3 mid-table, page 100': 'priority=2,4&created_at=2023-01-01,2023-06-30&current=100',
  'Q2 contains': 'summary=firewall',
};

const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number, d = 2) => n.toFixed(d);

/** The tickets CSV in created_at order, shuffled within windows of 500 rows, 20 rows swapped anywhere. */
async function orderedCsv(from: string, to: string): Promise<void> {
  if (fs.existsSync(to)) return;
  const lines: string[] = [];
  let head = '';
  for await (const line of readline.createInterface({ input: fs.createReadStream(from) })) {
    if (head === '') head = line;
    else if (line !== '') lines.push(line);
  }
  const key = (l: string) => /,(\d{4}-\d\d-\d\dT[^,]*Z),/.exec(l)![1];
  const keyed = lines.map((l) => [key(l), l] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rows = keyed.map((k) => k[1]);
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  for (let i = 0; i < rows.length; i += 500) {
    for (let j = Math.min(i + 500, rows.length) - 1; j > i; j--) {
      const k = i + rnd(j - i + 1);
      [rows[j], rows[k]] = [rows[k], rows[j]];
    }
  }
  for (let n = 0; n < 20; n++) {
    const a = rnd(rows.length);
    const b = rnd(rows.length);
    [rows[a], rows[b]] = [rows[b], rows[a]];
  }
  fs.writeFileSync(to, `${head}\n${rows.join('\n')}\n`);
}

type Imported = { datasetId: string; key: string; rows: number; ms: number; maxRssKb: number };

async function importInto(file: string, csv: string, checkout = '.'): Promise<Imported> {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/import-child.ts', `sqlite:${file}`, csv], {
    cwd: checkout,
    env: { ...process.env, DATAGATE_DATA_DIR: OUT },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`import of ${csv} failed`);
  return JSON.parse(out) as Imported;
}

/** Makes `file` a database of before zone maps: its dataset tables' zone maps dropped. */
function dropZoneMaps(file: string): void {
  const raw = new Database(file);
  for (const { name } of raw
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'zm_%'`)
    .all() as {
    name: string;
  }[])
    raw.exec(`DROP TABLE "${name}"`);
  raw.exec('VACUUM');
  raw.close();
}

function openDirect(file: string) {
  const raw = new Database(file, { readonly: true });
  registerSqliteFunctions(raw);
  installDeadlineGuard(raw);
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const row = raw.prepare(`SELECT table_name, fields, row_count FROM datasets`).get() as {
    table_name: string;
    fields: string;
    row_count: number;
  };
  const ds: DatasetTable = { tableName: row.table_name, fields: JSON.parse(row.fields), rowCount: row.row_count };
  return { raw, db, ds };
}

function timeSql(raw: Database.Database, q: { sql: string; parameters: readonly unknown[] }): Timing {
  const stmt = raw.prepare(q.sql).raw(true).safeIntegers(true);
  return sample(() => stmt.all(...(q.parameters as unknown[])), MS);
}

// Servers: the same code on a file with zone maps and on one without.
function serve(file: string): { child: ChildProcess; base: Promise<string> } {
  const child = spawn('./bin/datagate', ['serve', '--port', '0', '--json'], {
    env: {
      ...process.env,
      DATAGATE_DATABASE: `sqlite:${file}`,
      DATAGATE_LOG_LEVEL: 'warn',
      DATAGATE_PAGE_CACHE_MB: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = (async () => {
    for await (const line of readline.createInterface({ input: child.stdout! })) {
      if (line.startsWith('{"listening"')) return String((JSON.parse(line) as { listening: string }).listening);
    }
    throw new Error('the server exited before listening');
  })();
  return { child, base };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

function get(url: string, headers: Record<string, string>, agent?: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get(url, { headers, agent }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
        res.resume();
        res.on('end', () => resolve(performance.now() - t));
      })
      .on('error', reject);
  });
}

/** The first request after a start (count and page), then one client's p50 over `n` more. */
async function overHttp(file: string, imported: Imported, qs: string, n = 200) {
  const { child, base } = serve(file);
  try {
    const url = `${await base}/api/dataset/${imported.datasetId}?${qs}`;
    const headers = { apikey: imported.key };
    const first = await get(url, headers);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 20; i++) await get(url, headers, agent);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) samples.push(await get(url, headers, agent));
    agent.destroy();
    samples.sort((a, b) => a - b);
    return { first, p50: samples[Math.floor(n / 2)] };
  } finally {
    await stop(child);
  }
}

const range = (xs: number[]) => {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return fmt(lo) === fmt(hi) ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
};

const random = path.join(OUT, `tickets-${ROWS}.csv`);
if (!fs.existsSync(random)) {
  log(`generating ${ROWS} rows into ${random} ...`);
  await writeTicketsCsv(random, ROWS);
}
const ordered = path.join(OUT, `tickets-ordered-${ROWS}.csv`);
await orderedCsv(random, ordered);

const out: string[] = [];
const KINDS = [
  ['created_at in load order', ordered],
  ['generated (created_at scattered)', random],
] as const;
for (const [kind, csv] of KINDS) {
  const files = { before: path.join(OUT, `zone-before-${ROWS}.db`), after: path.join(OUT, `zone-after-${ROWS}.db`) };
  const imports: Record<'before' | 'after', number[]> = { before: [], after: [] };
  let imported: Imported | undefined;
  // The baseline's import only for its time (its database may be of another schema
  // version); the import time is measured on the first file only.
  const rounds = kind === KINDS[0][0] ? ROUNDS : 1;
  for (let r = 0; r < rounds; r++) {
    if (args.baseline && kind === KINDS[0][0]) {
      log(`${kind}: importing (baseline) ...`);
      imports.before.push((await importInto(path.join(OUT, 'zone-baseline.db'), csv, args.baseline)).ms);
    }
    log(`${kind}: importing ...`);
    imported = await importInto(files.after, csv);
    imports.after.push(imported.ms);
  }
  // A file without zone maps: what a table loaded before them looks like.
  for (const f of [files.before, `${files.before}-wal`, `${files.before}-shm`]) fs.rmSync(f, { force: true });
  fs.copyFileSync(files.after, files.before);
  dropZoneMaps(files.before);
  const zmTime = (() => {
    const { raw, ds } = openDirect(files.after);
    const blocks = Number(
      raw
        .prepare(`SELECT count(*) FROM "${zoneTable(ds.tableName)}"`)
        .pluck()
        .get(),
    );
    raw.close();
    return blocks;
  })();
  out.push(
    `### ${kind}, ${ROWS} rows`,
    '',
    `Import${imports.before.length > 0 ? ', without zone maps (baseline) → with them' : ''}: ` +
      (imports.before.length > 0 ? `${imports.before.map((ms) => fmt(ms / 1000)).join(', ')} s → ` : '') +
      `${imports.after.map((ms) => fmt(ms / 1000)).join(', ')} s (alternating; ${zmTime} blocks).`,
    '',
    '| query | matches | count SQL p50 ms | page SQL p50 ms, walk | page SQL p50 ms, zone map | ' +
      'HTTP first request ms, before → after | HTTP one client p50 ms, before → after |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  const { raw, db, ds } = openDirect(files.after);
  for (const [name, qs] of Object.entries(QUERIES)) {
    const p = parseQuery(Object.fromEntries(new URLSearchParams(qs)), ds.fields, { maxSize: 1000 });
    if (!p.ok) throw new Error(p.message);
    const count = buildCountQuery(db, caps, ds, p.query)!;
    const total = Number(
      raw
        .prepare(count.sql)
        .pluck()
        .get(...(count.parameters as unknown[])),
    );
    const walk = buildPageQuery(db, caps, ds, p.query, total);
    const zoned = buildPageQuery(db, caps, { ...ds, zones: zoneTable(ds.tableName) }, p.query, total);
    const t: Record<string, number[]> = { count: [], walk: [], zoned: [] };
    const h: Record<string, number[]> = { bf: [], af: [], bp: [], ap: [] };
    for (let r = 0; r < ROUNDS; r++) {
      log(`${kind}: ${name} round ${r + 1} ...`);
      t.count.push(timeSql(raw, count).p50);
      t.walk.push(timeSql(raw, walk).p50);
      t.zoned.push(timeSql(raw, zoned).p50);
      const before = await overHttp(files.before, imported!, qs);
      const after = await overHttp(files.after, imported!, qs);
      h.bf.push(before.first);
      h.af.push(after.first);
      h.bp.push(before.p50);
      h.ap.push(after.p50);
    }
    out.push(
      `| ${name} \`${qs}\` | ${total} | ${range(t.count)} | ${range(t.walk)} | ${range(t.zoned)} | ` +
        `${range(h.bf)} → ${range(h.af)} | ${range(h.bp)} → ${range(h.ap)} |`,
    );
  }
  raw.close();
  out.push('');
  process.stdout.write(out.join('\n') + '\n');
  out.length = 0;
}
