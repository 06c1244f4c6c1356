// node --import tsx bench/widget-agg.ts [--rows N] [--database postgres://ADMIN-URL] [--no-duckdb]
// What a widget's GROUP BY costs, and what would make it cheaper: imports the bench's
// tickets CSV (generated once, as `npm run bench` does) and times three widgets (the
// bench's Q5, count and sum of hours by board; the same by company, 500 groups; by day
// of created_at, 1,461 groups) as the server compiles them:
// - SQLite as loaded today; then with a covering index (dimension, measure) per widget,
//   with the time and disk it costs to build;
// - through datagate's widget service (query workers, as the server runs it);
// - PostgreSQL (with --database: a fresh database, dropped at the end), serial and
//   with parallel workers, without and with the covering indexes;
// - DuckDB in the same process: rows copied in from the SQLite table through the
//   appender, then the same aggregations cold (first run) and warm.
// "Cold" is the first run of the query on a fresh connection (the operating system's
// file cache stays warm, as it does on a server that just loaded the data).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { parseQuery } from '../src/catalog/filter/query-parser.ts';
import { buildWidgetQueries } from '../src/catalog/widget/widget-compiler.ts';
import { resolveWidget, type WidgetPlan } from '../src/catalog/widget/widget-spec.ts';
import type { Dataset } from '../src/catalog/dataset-registry.ts';
import { loadConfig } from '../src/config/config.ts';
import { createServer, openModules } from '../src/server.ts';
import { sqliteCapabilities } from '../src/store/dialects/sqlite-capabilities.ts';
import { postgresCapabilities } from '../src/store/dialects/postgres-capabilities.ts';
import { installDeadlineGuard } from '../src/store/dialects/sqlite-deadline.ts';
import { registerSqliteFunctions } from '../src/store/dialects/sqlite-functions.ts';
import { createPostgresBackend } from './backends.ts';
import { writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    database: { type: 'string' },
    'no-duckdb': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });
const log = (s: string) => process.stderr.write(s + '\n');
const fmt = (n: number, d = 1) => n.toFixed(d);
const lines: string[] = [];
const say = (s: string) => {
  lines.push(s);
  log(s);
};

/** The widgets measured: the bench's Q5 and two with many groups. */
const WIDGETS = {
  board: { dim: 'board', bucket: undefined, groups: '8' },
  company: { dim: 'company', bucket: undefined, groups: '500' },
  day: { dim: 'created_at', bucket: 'day', groups: '1,461' },
} as const;
type WidgetName = keyof typeof WIDGETS;

function specOf(name: WidgetName, datasetId: string) {
  const w = WIDGETS[name];
  return {
    name: `Tickets and hours by ${name} (bench)`,
    dataset: datasetId,
    chart: 'bar',
    dimensions: [{ field: w.dim, label: 'Group', ...(w.bucket ? { bucket: w.bucket } : {}) }],
    measures: [
      { agg: 'count', label: 'Tickets' },
      { agg: 'sum', field: 'hours', label: 'Hours' },
    ],
  };
}

async function importInto(database: string, csv: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/import-child.ts', database, csv], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`import failed: ${stderr}`);
  return JSON.parse(stdout) as { datasetId: string; widgetId: string; ms: number; maxRssKb: number };
}

/** Creates the two other widgets through the service; the dataset and the plan of each widget. */
async function widgetsOf(database: string, datasetId: string, env: Record<string, string> = {}) {
  const config = loadConfig({ DATAGATE_DATABASE: database, DATAGATE_LOG_LEVEL: 'silent', ...env });
  const modules = await openModules({ ...config, queryWorkers: 0 });
  try {
    const tenant = await modules.access.tenants.ensure('default');
    const ds = await modules.catalog.datasets.get(tenant.id, datasetId);
    const plans = {} as Record<WidgetName, { plan: WidgetPlan; id: string }>;
    for (const name of Object.keys(WIDGETS) as WidgetName[]) {
      const w = await modules.catalog.widgets.create(tenant.id, specOf(name, datasetId));
      const r = resolveWidget(w.spec, ds.fields, ds.name);
      if (!r.ok) throw new Error(r.message);
      plans[name] = { plan: r.plan, id: w.id };
    }
    return { ds, tenantId: tenant.id, plans };
  } finally {
    await modules.close();
  }
}

function col(ds: Dataset, name: string) {
  return ds.fields.find((f) => f.name === name)!.column;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The first run (cold) and the median of `n` more (warm), in ms. */
async function coldWarm(run: () => unknown, n = 5): Promise<{ cold: number; warm: number }> {
  let t = performance.now();
  await run();
  const cold = performance.now() - t;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    t = performance.now();
    await run();
    xs.push(performance.now() - t);
  }
  return { cold, warm: median(xs) };
}

function widgetSql(db: Kysely<any>, caps: typeof sqliteCapabilities, ds: Dataset, plan: WidgetPlan): CompiledQuery {
  const q = parseQuery({}, plan.columns, { maxSize: 1000 });
  if (!q.ok) throw new Error(q.message);
  return buildWidgetQueries(db, caps, ds, plan, q.query).page;
}

const fileBytes = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
const mb = (b: number) => fmt(b / 1024 / 1024, 1);

/** The DuckDB client for Node when it is installed; its name in a variable, so the type check needs no typings. */
async function importDuckDb(): Promise<any> {
  const name = '@duckdb/node-api';
  try {
    return await import(name);
  } catch {
    return undefined;
  }
}

const csv = path.join(OUT, `tickets-${ROWS}.csv`);
if (!fs.existsSync(csv)) {
  log(`generating ${ROWS} rows into ${csv} ...`);
  await writeTicketsCsv(csv, ROWS);
}

// ---- SQLite -----------------------------------------------------------------------------------
const dbFile = path.join(OUT, 'widget-agg.db');
for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) fs.rmSync(f, { force: true });
const sqliteUrl = `sqlite:${dbFile}`;
log('SQLite: importing ...');
const imported = await importInto(sqliteUrl, csv);
const { ds, tenantId, plans } = await widgetsOf(sqliteUrl, imported.datasetId);
say(`## Widget aggregation, ${ROWS} rows`);
say('');
say(`SQLite import: ${fmt(imported.ms / 1000, 2)} s, file ${mb(fileBytes(dbFile))} MB`);

function openSqlite() {
  const raw = new Database(dbFile);
  registerSqliteFunctions(raw);
  installDeadlineGuard(raw);
  return { raw, db: new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) }) };
}

async function sqliteLines(label: string) {
  for (const name of Object.keys(WIDGETS) as WidgetName[]) {
    // A fresh connection each time: its page cache is empty, as a server's after a reload.
    const { raw, db } = openSqlite();
    const q = widgetSql(db, sqliteCapabilities, ds, plans[name].plan);
    const stmt = raw.prepare(q.sql).raw(true);
    const plan = raw
      .prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
      .all(...(q.parameters as unknown[]))
      .map((r: any) => r.detail)
      .join('; ');
    const t = await coldWarm(() => stmt.all(...(q.parameters as unknown[])));
    say(`| SQLite ${label} | ${name} (${WIDGETS[name].groups}) | ${fmt(t.cold)} | ${fmt(t.warm)} | ${plan} |`);
    raw.close();
  }
}

say('');
say('| engine | widget (groups) | cold ms | warm ms | plan |');
say('|---|---|---:|---:|---|');
await sqliteLines('as loaded');

async function serviceLines(label: string) {
  const config = loadConfig({ DATAGATE_DATABASE: sqliteUrl, DATAGATE_LOG_LEVEL: 'silent' });
  const modules = await openModules(config);
  try {
    for (const name of Object.keys(WIDGETS) as WidgetName[]) {
      const w = await modules.catalog.widgets.get(tenantId, plans[name].id);
      const t = await coldWarm(async () => {
        const r = await modules.catalog.widgets.run(w, ds, {}, { maxSize: 1000 });
        if (!r.ok) throw new Error(r.message);
      });
      say(`| service ${label} | ${name} (${WIDGETS[name].groups}) | ${fmt(t.cold)} | ${fmt(t.warm)} | query worker |`);
    }
  } finally {
    await modules.close();
  }
}
await serviceLines('(SQLite) as loaded');

/**
 * The server as a client meets it after a start (the same as after a reload): the
 * warmer computes the bound widgets in the background; then the first request of each.
 */
async function warmedLines() {
  const config = loadConfig({ DATAGATE_DATABASE: sqliteUrl, DATAGATE_LOG_LEVEL: 'silent' });
  const modules = await openModules(config);
  const k = await modules.access.keys.create(tenantId, { name: 'warm', rateLimit: 1_000_000 });
  for (const name of Object.keys(WIDGETS) as WidgetName[])
    await modules.access.keys.bind(tenantId, k.id, 'widget', plans[name].id);
  const t = performance.now();
  const server = await createServer(config, modules);
  await server.widgetsWarmed();
  const warmMs = performance.now() - t;
  try {
    // The server's own first request compiles its code paths: a request with a parameter
    // (not computed ahead) takes that, as requests before a reload would have.
    const first = await server.app.inject({ url: `/api/widget/${plans.board.id}?size=5`, headers: { apikey: k.key } });
    if (first.statusCode !== 200) throw new Error(first.body);
    for (const name of Object.keys(WIDGETS) as WidgetName[]) {
      const started = performance.now();
      const res = await server.app.inject({ url: `/api/widget/${plans[name].id}`, headers: { apikey: k.key } });
      if (res.statusCode !== 200) throw new Error(res.body);
      const ms = fmt(performance.now() - started, 2);
      say(`| server, first request after the start | ${name} (${WIDGETS[name].groups}) | ${ms} | | computed ahead |`);
    }
  } finally {
    await server.close();
    await modules.close();
  }
  return warmMs;
}
const warmMs = await warmedLines();

// Covering indexes: one per widget, (dimension column, measure column).
const indexCost: string[] = [];
{
  const { raw } = openSqlite();
  const hours = col(ds, 'hours');
  const specs: Record<WidgetName, string> = {
    board: `("${col(ds, 'board')}", "${hours}")`,
    company: `("${col(ds, 'company')}", "${hours}")`,
    // created_at has its range index already; the covering one adds hours.
    day: `("${col(ds, 'created_at')}", "${hours}")`,
  };
  for (const name of Object.keys(WIDGETS) as WidgetName[]) {
    const before = fileBytes(dbFile);
    const t = performance.now();
    raw.exec(`CREATE INDEX "cov_${name}" ON "${ds.tableName}" ${specs[name]}`);
    raw.pragma('wal_checkpoint(TRUNCATE)');
    indexCost.push(
      `covering index on ${specs[name]}: built in ${fmt((performance.now() - t) / 1000, 2)} s, ` +
        `+${mb(fileBytes(dbFile) - before)} MB`,
    );
  }
  raw.exec('ANALYZE');
  raw.close();
}
await sqliteLines('covering index');

// The same GROUP BY with and without its covering index, alternating in one sitting:
// what the index is worth on a machine whose load changes from one minute to the next.
{
  const { raw } = openSqlite();
  const hours = col(ds, 'hours');
  const alternating: Record<string, number[]> = {};
  for (let rep = 0; rep < 4; rep++) {
    for (const name of ['board', 'company'] as const) {
      for (const hint of ['NOT INDEXED', `INDEXED BY "cov_${name}"`]) {
        const sql =
          `SELECT "${col(ds, name)}" d, count(*), sum("${hours}") FROM "${ds.tableName}" ${hint} ` +
          'GROUP BY d ORDER BY d';
        const started = performance.now();
        raw.prepare(sql).raw(true).all();
        (alternating[`${name}, ${hint}`] ??= []).push(performance.now() - started);
      }
    }
  }
  raw.close();
  say('');
  for (const [k, v] of Object.entries(alternating))
    say(`SQLite alternating, ${k}: ${v.map((x) => fmt(x, 0)).join(', ')} ms`);
  say('');
}
await serviceLines('(SQLite) covering index');

// ---- DuckDB -----------------------------------------------------------------------------------
// Not a dependency of datagate (see BENCHMARKS.md): measured when installed by hand,
// `npm install --no-save @duckdb/node-api`.
const duckdb = args['no-duckdb'] ? undefined : await importDuckDb();
if (duckdb === undefined) log('DuckDB: not installed (npm install --no-save @duckdb/node-api), not measured');
else {
  const { DuckDBInstance, DuckDBTimestampValue } = duckdb;
  const duckFile = path.join(OUT, 'widget-agg.duckdb');
  fs.rmSync(duckFile, { force: true });
  fs.rmSync(`${duckFile}.wal`, { force: true });
  const rssBefore = process.memoryUsage().rss;
  const instance = await DuckDBInstance.create(duckFile);
  const duck = await instance.connect();
  await duck.run(
    'CREATE TABLE t (board VARCHAR, company VARCHAR, created_at TIMESTAMP, hours DOUBLE, priority INTEGER)',
  );
  const { raw } = openSqlite();
  const cols = ['board', 'company', 'created_at', 'hours', 'priority'].map((n) => `"${col(ds, n)}"`).join(', ');
  const t = performance.now();
  const appender = await duck.createAppender('t');
  for (const r of raw.prepare(`SELECT ${cols} FROM "${ds.tableName}"`).raw(true).iterate() as Iterable<any[]>) {
    appender.appendVarchar(r[0]);
    appender.appendVarchar(r[1]);
    if (r[2] === null) appender.appendNull();
    else appender.appendTimestamp(new DuckDBTimestampValue(BigInt(r[2]) * 1000n));
    if (r[3] === null) appender.appendNull();
    else appender.appendDouble(r[3]);
    if (r[4] === null) appender.appendNull();
    else appender.appendInteger(Number(r[4]));
    appender.endRow();
  }
  appender.closeSync();
  await duck.run('CHECKPOINT');
  const copyMs = performance.now() - t;
  raw.close();
  say('');
  say(
    `DuckDB ${(await (await duck.runAndReadAll('SELECT version()')).getRows())[0][0]}: copy of 5 columns from ` +
      `SQLite through the appender ${fmt(copyMs / 1000, 2)} s, file ${mb(fileBytes(duckFile))} MB, ` +
      `RSS +${mb(process.memoryUsage().rss - rssBefore)} MB`,
  );
  // What a load straight from the file would cost instead: DuckDB's own CSV reader.
  const csvStarted = performance.now();
  await duck.run(`CREATE TABLE from_csv AS SELECT * FROM read_csv('${csv.replaceAll("'", "''")}')`);
  await duck.run('CHECKPOINT');
  say(`DuckDB read_csv of the whole file (10 columns): ${fmt((performance.now() - csvStarted) / 1000, 2)} s`);
  await duck.run('DROP TABLE from_csv');
  await duck.run('CHECKPOINT');
  duck.closeSync();
  instance.closeSync();
  const sqlOf: Record<WidgetName, string> = {
    board: 'SELECT board, count(*), sum(hours) FROM t GROUP BY board ORDER BY board NULLS FIRST',
    company: 'SELECT company, count(*), sum(hours) FROM t GROUP BY company ORDER BY company NULLS FIRST',
    day: 'SELECT CAST(created_at AS DATE) d, count(*), sum(hours) FROM t GROUP BY d ORDER BY d NULLS FIRST',
  };
  for (const threads of [1, 2]) {
    for (const name of Object.keys(WIDGETS) as WidgetName[]) {
      // A fresh instance: nothing of the file in its buffer pool yet.
      const inst = await DuckDBInstance.create(duckFile, { threads: String(threads) });
      const c = await inst.connect();
      const tm = await coldWarm(() => c.runAndReadAll(sqlOf[name]));
      say(`| DuckDB ${threads} thread(s) | ${name} (${WIDGETS[name].groups}) | ${fmt(tm.cold)} | ${fmt(tm.warm)} | |`);
      c.closeSync();
      inst.closeSync();
    }
  }
}

say('');
say(`SQLite ${indexCost.join('; ')}.`);
say(`Server start to every bound widget computed ahead (three widgets, as loaded): ${fmt(warmMs / 1000, 2)} s.`);

// ---- PostgreSQL -------------------------------------------------------------------------------
if (args.database) {
  const backend = await createPostgresBackend(args.database, 'redis://127.0.0.1:6379', OUT);
  try {
    log('PostgreSQL: importing ...');
    const pgImported = await importInto(backend.database, csv, backend.env);
    const pgW = await widgetsOf(backend.database, pgImported.datasetId, backend.env);
    say('');
    say(`PostgreSQL import: ${fmt(pgImported.ms / 1000, 2)} s`);
    const direct = await backend.openDirect();
    const client = new pg.Client({ connectionString: backend.database });
    await client.connect();
    const size = async () =>
      Number((await client.query(`SELECT pg_total_relation_size('"${pgW.ds.tableName}"') n`)).rows[0].n);
    say(`table with its indexes: ${mb(await size())} MB`);
    say('');
    say('| engine | widget (groups) | cold ms | warm ms | plan |');
    say('|---|---|---:|---:|---|');
    const pgLines = async (label: string) => {
      for (const workers of [0, 2]) {
        for (const name of Object.keys(WIDGETS) as WidgetName[]) {
          const q = widgetSql(direct.db, postgresCapabilities as any, pgW.ds, pgW.plans[name].plan);
          const c = new pg.Client({
            connectionString: backend.database,
            options: '-c DateStyle=ISO,YMD -c TimeZone=UTC',
          });
          await c.connect();
          await c.query(`SET max_parallel_workers_per_gather = ${workers}`);
          const run = () => c.query({ text: q.sql, values: q.parameters as unknown[], rowMode: 'array' });
          const tm = await coldWarm(run);
          const plan = await c.query({ text: `EXPLAIN ${q.sql}`, values: q.parameters as unknown[] });
          const nodes = plan.rows
            .map((r) =>
              String(r['QUERY PLAN'])
                .trim()
                .replace(/^->\s*/, ''),
            )
            .filter((l) => /Scan|Aggregate|Gather/.test(l))
            .map((l) => l.replace(/\s+\(cost.*$/, ''))
            .join(' < ');
          const who = `PostgreSQL ${label}, ${workers} workers`;
          say(`| ${who} | ${name} (${WIDGETS[name].groups}) | ${fmt(tm.cold)} | ${fmt(tm.warm)} | ${nodes} |`);
          await c.end();
        }
      }
    };
    await pgLines('as loaded');
    const before = await size();
    const hours = col(pgW.ds, 'hours');
    const t = performance.now();
    for (const [name, c] of [
      ['board', 'board'],
      ['company', 'company'],
      ['day', 'created_at'],
    ])
      await client.query(`CREATE INDEX "cov_${name}" ON "${pgW.ds.tableName}" ("${col(pgW.ds, c)}", "${hours}")`);
    await client.query(`VACUUM ANALYZE "${pgW.ds.tableName}"`);
    say('');
    say(
      `PostgreSQL three covering indexes: ${fmt((performance.now() - t) / 1000, 2)} s with VACUUM ANALYZE, ` +
        `+${mb((await size()) - before)} MB`,
    );
    say('');
    await pgLines('covering index');
    await client.end();
    await direct.close();
  } finally {
    await backend.dispose();
  }
}

fs.writeFileSync(path.join(OUT, 'widget-agg.md'), lines.join('\n') + '\n');
