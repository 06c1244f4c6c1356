// What differs between the bench on SQLite and on PostgreSQL, behind one interface, so
// that run.ts reads the same for both: where the data goes, the environment of the import
// and the servers, how the same SQL is run directly, and what is cleaned up at the end.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import type { DialectCapabilities } from '../src/store/dialects/capabilities.ts';
import { postgresCapabilities } from '../src/store/dialects/postgres-capabilities.ts';
import { sqliteCapabilities } from '../src/store/dialects/sqlite-capabilities.ts';
import { installDeadlineGuard } from '../src/store/dialects/sqlite-deadline.ts';
import { registerSqliteFunctions } from '../src/store/dialects/sqlite-functions.ts';

export interface Timing {
  readonly p50: number;
  readonly p99: number;
}

/** The same count run with the trigram index and with index scans turned off, with the plan of each. */
export interface IndexEffect {
  readonly index: Timing & { readonly plan: string };
  readonly seqScan: Timing & { readonly plan: string };
}

/** The bench's own connection to the database, for running the servers' SQL directly. */
export interface DirectSql {
  /** The driver the SQL runs on, for labels. */
  readonly driver: string;
  /** The database and its version, e.g. `PostgreSQL 15.4`. */
  readonly server: string;
  readonly caps: DialectCapabilities;
  /** Compiles queries for this dialect; never executes them. */
  readonly db: Kysely<any>;
  /** Every row of `q`, as arrays. */
  rows(q: CompiledQuery): Promise<unknown[][]>;
  /** Runs `q` one at a time, 5 times unmeasured, then for `ms` and at least 20 times: p50 and p99 in ms. */
  time(q: CompiledQuery, ms: number): Promise<Timing>;
  /** Where contains filters have an index of their own: `q` with it and with a sequential scan instead. */
  indexEffect?(q: CompiledQuery, ms: number): Promise<IndexEffect>;
  close(): Promise<void>;
}

export interface BenchBackend {
  readonly name: 'sqlite' | 'postgres';
  /** `DATAGATE_DATABASE` of the import and the servers. */
  readonly database: string;
  /** Where the data lives, for the output: never a password. */
  readonly location: string;
  /** Environment of the import and of every server, beyond the database. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Whether several servers on this database is how datagate scales out (README,
   * "Running several nodes"): then the bench also measures two nodes.
   */
  readonly scalesOut: boolean;
  openDirect(): Promise<DirectSql>;
  /** The database's size on disk, in MB (SQLite: the file and its WAL). */
  sizeMb(): Promise<number>;
  /** Removes what `create…Backend` made; safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Runs the bench on `bench/out/bench.db`, recreated each time; with `redisUrl`, the
 * servers keep their rate limits in Redis, as nodes sharing limits do.
 */
export function createSqliteBackend(outDir: string, redisUrl?: string): BenchBackend {
  const file = path.join(outDir, 'bench.db');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return {
    name: 'sqlite',
    database: `sqlite:${file}`,
    location: redisUrl === undefined ? file : `${file}, rate limits in Redis`,
    env:
      redisUrl === undefined
        ? {}
        : { DATAGATE_REDIS: redisUrl, DATAGATE_REDIS_PREFIX: `datagate_bench_${randomBytes(4).toString('hex')}` },
    scalesOut: false,
    async openDirect() {
      const raw = new Database(file, { readonly: true });
      // The server's SQL functions and guard, so that the SQL it runs can run here as it is.
      registerSqliteFunctions(raw);
      installDeadlineGuard(raw);
      const prepare = (q: CompiledQuery) => raw.prepare(q.sql).raw(true).safeIntegers(true);
      return {
        driver: 'better-sqlite3',
        server: `SQLite ${String(raw.prepare('SELECT sqlite_version()').pluck().get())}`,
        caps: sqliteCapabilities,
        db: new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) }),
        async rows(q) {
          return prepare(q).all(...(q.parameters as unknown[])) as unknown[][];
        },
        async time(q, ms) {
          // Synchronous, as the server calls better-sqlite3: no await between samples.
          const stmt = prepare(q);
          const params = q.parameters as unknown[];
          return sample(() => stmt.all(...params), ms);
        },
        async close() {
          raw.close();
        },
      };
    },
    async sizeMb() {
      const bytes = [file, `${file}-wal`].reduce(
        (n, f) => n + (fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0),
        0,
      );
      return bytes / 1024 / 1024;
    },
    async dispose() {},
  };
}

// Planner settings that leave the trigram index unused: a GIN index is read only by
// bitmap scans; the other two keep the B-tree indexes out as well.
const NO_INDEX_SCANS = ['enable_bitmapscan', 'enable_indexscan', 'enable_indexonlyscan'];

/**
 * Creates a fresh database `datagate_bench_<random>` through `adminUrl` and runs the
 * bench on it, with rate limits in Redis under a prefix of the same name.
 */
export async function createPostgresBackend(
  adminUrl: string,
  redisUrl: string,
  dataDir: string,
): Promise<BenchBackend> {
  const name = `datagate_bench_${randomBytes(4).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    name: 'postgres',
    database: url.toString(),
    location: `postgres://${url.host}/${name}`,
    env: {
      DATAGATE_REDIS: redisUrl,
      // The run's own keys; they expire with the rate limiter's window, so nothing is left to remove.
      DATAGATE_REDIS_PREFIX: name,
      // The generated secret.key goes next to the bench's other files, not into ./data.
      DATAGATE_DATA_DIR: dataDir,
    },
    scalesOut: true,
    async openDirect() {
      // The server's session settings (see openPostgres), so that the same text parameters mean the same.
      const client = new pg.Client({
        connectionString: url.toString(),
        options: '-c DateStyle=ISO,YMD -c TimeZone=UTC',
        application_name: 'datagate-bench',
      });
      await client.connect();
      // Unnamed statements with parameters, as the server sends them: parsed and planned on every run.
      const run = (q: CompiledQuery) =>
        client.query({ text: q.sql, values: q.parameters as unknown[], rowMode: 'array' });
      const time = (q: CompiledQuery, ms: number) => sampleAsync(() => run(q), ms);
      const plan = async (q: CompiledQuery) => {
        // The compiler's own SQL behind EXPLAIN; the parameters stay parameters.
        const r = await client.query({ text: `EXPLAIN (FORMAT JSON) ${q.sql}`, values: q.parameters as unknown[] });
        return planOutline((r.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan);
      };
      return {
        driver: 'pg',
        server: `PostgreSQL ${String((await client.query('SHOW server_version')).rows[0].server_version)}`,
        caps: postgresCapabilities,
        // Compiles only: a pool that is never asked for a connection connects nowhere.
        db: new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) }),
        async rows(q) {
          return (await run(q)).rows as unknown[][];
        },
        time,
        async indexEffect(q, ms) {
          const index = { plan: await plan(q), ...(await time(q, ms)) };
          // On this session only, and reset before anything else runs on it.
          await client.query(NO_INDEX_SCANS.map((s) => `SET ${s} = off`).join('; '));
          try {
            return { index, seqScan: { plan: await plan(q), ...(await time(q, ms)) } };
          } finally {
            await client.query(NO_INDEX_SCANS.map((s) => `RESET ${s}`).join('; '));
          }
        },
        async close() {
          await client.end();
        },
      };
    },
    async sizeMb() {
      const r = await withAdmin(adminUrl, (admin) => admin.query(`SELECT pg_database_size('${name}') AS n`));
      return Number(r.rows[0].n) / 1024 / 1024;
    },
    dispose() {
      // FORCE ends sessions still connected (a server that did not exit in time).
      dropped ??= withAdmin(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      );
      return dropped;
    },
  };
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: adminUrl, application_name: 'datagate-bench' });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Workers Planned'?: number;
  Plans?: PlanNode[];
}

/** The plan's nodes top-down, e.g. `Aggregate → Bitmap Heap Scan → Bitmap Index Scan (t_summary_trgm)`. */
function planOutline(node: PlanNode): string {
  const detail = node['Index Name'] ?? (node['Workers Planned'] ? `${node['Workers Planned']} workers` : undefined);
  const self = detail ? `${node['Node Type']} (${detail})` : node['Node Type'];
  const children = (node.Plans ?? []).map(planOutline);
  return [self, ...(children.length > 1 ? [`[${children.join(' | ')}]`] : children)].join(' → ');
}

// Five unmeasured runs fill caches; twenty samples at least make p50 and p99 mean something
// even for a statement that takes longer than the time given.
const WARM_UP = 5;
const MIN_SAMPLES = 20;

function percentiles(samples: number[]): Timing {
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

/** Times `fn` for `ms` and at least MIN_SAMPLES times, after WARM_UP runs; in ms. */
export function sample(fn: () => unknown, ms: number): Timing {
  for (let i = 0; i < WARM_UP; i++) fn();
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end || samples.length < MIN_SAMPLES) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return percentiles(samples);
}

/** `sample` for a function that answers later. */
export async function sampleAsync(fn: () => Promise<unknown>, ms: number): Promise<Timing> {
  for (let i = 0; i < WARM_UP; i++) await fn();
  const samples: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end || samples.length < MIN_SAMPLES) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return percentiles(samples);
}
