import pg from 'pg';
import { CamelCasePlugin, Kysely, PostgresDialect, sql, type CompiledQuery, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type { Field, FieldType, Value } from '../../shared/field-types.ts';
import { DomainError, QueryTimeoutError, StoreUnavailableError } from '../../shared/errors.ts';
import { UnstorableTextError } from '../../shared/text.ts';
import { ident, RANGE_INDEXED, type DatasetTables } from './dataset-tables.ts';
import { pgDate, pgDateTime } from './postgres-capabilities.ts';

const COLUMN_TYPES: Record<FieldType, string> = {
  // numeric is exact at any size: 64-bit integers, and decimals as they were written.
  NUMBER: 'numeric',
  TEXT: 'text',
  BOOLEAN: 'boolean',
  DATE: 'date',
  DATETIME: 'timestamptz',
};


// Ten connections per process: a page read holds one for a few milliseconds, so ten
// serve hundreds of requests a second, and ten nodes stay well inside PostgreSQL's
// default max_connections of 100.
const POOL_SIZE = 10;
// Connecting takes milliseconds on a working network; three seconds fails an outage
// fast instead of queueing requests behind it, yet rides out a busy server.
const CONNECT_TIMEOUT_MS = 3_000;
// Rows per INSERT statement while loading (one array per column). Loading 1M rows of
// 10 columns here took 5.8 s at 2,000, 8.0 s at 10,000 and 8.8 s at 20,000: smaller
// statements let encoding overlap the server's work more finely; 500 was no faster.
const INSERT_CHUNK = 2_000;
// Index builds run on this many connections at once: each is CPU-bound on one server
// core (a GIN trigram build is not parallel inside PostgreSQL 15), and four leaves six
// of the pool's connections to readers during a load.
const INDEX_BUILDS_AT_ONCE = 4;

// The first key of the advisory locks that claim a table being loaded (the second is
// the hash of its name): a constant of datagate's own, so that other applications'
// advisory locks in the same database never collide with these. "DG" in ASCII.
const LOAD_LOCK_CLASS = 0x4447;

/** Any identifier, quoted (for names read from the catalog, such as an extension's schema). */
function quoteAny(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** int8 and integral numeric text: a number when safe, else an exact bigint. */
export function parseIntegerText(text: string): number | bigint {
  // Up to 15 digits (and a sign) is always a safe integer: skip the BigInt.
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big >= MIN_SAFE && big <= MAX_SAFE ? Number(big) : big;
}

/** numeric text: integers exact (see `parseIntegerText`), decimals as the nearest double. */
export function parseNumericText(text: string): number | bigint {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Anything but a sign or a digit ('.', 'NaN', 'Infinity'): not an integer.
    if (c !== 45 && (c < 48 || c > 57)) return Number(text);
  }
  return parseIntegerText(text);
}

/** date text (DateStyle ISO) as the catalog's `YYYY-MM-DD`; `0001-01-01 BC` is year 0000. */
export function parseDateText(text: string): string {
  if (!text.endsWith(' BC')) return text;
  const dash = text.indexOf('-');
  const year = 1 - Number(text.slice(0, dash));
  const digits = String(Math.abs(year)).padStart(4, '0');
  return (year < 0 ? '-' : '') + digits + text.slice(dash, -3);
}

const TIMESTAMP_RE =
  /^([0-9]{4,})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(?:([+-])([0-9]{2})(?::([0-9]{2}))?(?::([0-9]{2}))?)?( BC)?$/;

/**
 * timestamptz text (DateStyle ISO, any session time zone) as epoch milliseconds;
 * microseconds are cut to the millisecond, the catalog's precision.
 */
export function parseTimestampText(text: string): number {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) {
    if (text === 'infinity') return Infinity;
    if (text === '-infinity') return -Infinity;
    throw new Error(`unexpected timestamp text ${JSON.stringify(text)}`);
  }
  const year = m[12] ? 1 - Number(m[1]) : Number(m[1]);
  const millis = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  let ms = Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), millis);
  if (year >= 0 && year < 100) {
    // Date.UTC reads years 0-99 as 1900-1999: set the year itself.
    const d = new Date(ms);
    d.setUTCFullYear(year);
    ms = d.getTime();
  }
  if (m[8]) {
    const offset = (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) * 1000;
    ms -= m[8] === '-' ? -offset : offset;
  }
  return ms;
}

/**
 * The parsers of this store's pool, not pg's global ones: values come back in the
 * catalog's contract (see `Value`), and other pg users in the process are unaffected.
 */
function typeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseIntegerText);
  types.setTypeParser(pg.types.builtins.NUMERIC, parseNumericText);
  types.setTypeParser(pg.types.builtins.DATE, parseDateText);
  types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestampText);
  // A timestamp without a time zone only arises from expressions: it is UTC.
  types.setTypeParser(pg.types.builtins.TIMESTAMP, parseTimestampText);
  return types;
}

type ElementWriter = (v: NonNullable<Value>) => string;

/** Text (and era dates) always quoted: a backslash and a double quote are the only escapes inside quotes. */
function quoted(s: string): string {
  let needsEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92) {
      needsEscape = true;
      break;
    }
  }
  return `"${needsEscape ? s.replace(/["\\]/g, '\\$&') : s}"`;
}

/** How a catalog value is written as an element of a PostgreSQL array literal for the bulk insert. */
const ELEMENT_WRITERS: Record<FieldType, ElementWriter> = {
  // A number's shortest round-trip text or a bigint's digits: exact for numeric, never quoted.
  NUMBER: (v) => String(v),
  TEXT: (v) => quoted(v as string),
  BOOLEAN: (v) => (v ? 't' : 'f'),
  DATE: (v) => quoted(pgDate(v as string)),
  DATETIME: (v) => quoted(pgDateTime(Number(v))),
};

/**
 * One column of `rows[start..end)` as an array literal. Built here rather than by pg
 * from a JS array: this is the load's hot loop, and it runs while the server inserts
 * the previous chunk.
 */
function arrayLiteral(rows: readonly Value[][], column: number, start: number, end: number, write: ElementWriter): string {
  let out = '{';
  for (let r = start; r < end; r++) {
    const v = rows[r][column];
    if (r > start) out += ',';
    out += v === null || v === undefined ? 'NULL' : write(v);
  }
  return out + '}';
}

function rowNumbers(first: number, count: number): string {
  let out = '{';
  for (let i = 0; i < count; i++) out += (i > 0 ? ',' : '') + (first + i);
  return out + '}';
}

export interface PostgresHandle {
  readonly pool: pg.Pool;
  readonly control: Kysely<any>;
  readonly data: Kysely<any>;
  readonly tables: DatasetTables;
  readGeneration(): Promise<number>;
  bumpGeneration(trx?: Kysely<any>): Promise<void>;
  close(): Promise<void>;
}

export interface PostgresOptions {
  /** Where a degraded-but-working state is reported (no pg_trgm); default `process.emitWarning`. */
  readonly warn?: (message: string) => void;
}

/** Opens a connection pool to the PostgreSQL database named by `url` (no connection is made until used). */
/**
 * Whether a driver error means the database can't be reached, rather than that the
 * query is wrong: refused or dropped connections, a server shutting down or starting
 * (SQLSTATE class 08 and 57P01–57P03), or no pooled connection within the timeout.
 */
function isUnavailable(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
  const msg = (e as Error)?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(msg);
}

/**
 * Whether PostgreSQL refused a value as text it cannot hold: 22021 character_not_in_repertoire
 * (U+0000 in text) or 22P05 untranslatable_character. The edges refuse U+0000 before it gets
 * here; this keeps anything they missed a client's mistake rather than an internal error.
 */
function isUnstorableText(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '22021' || code === '22P05';
}

/**
 * The error to throw for a driver error: StoreUnavailableError for an outage,
 * UnstorableTextError for text PostgreSQL can't hold, else the error itself.
 */
function asStoreError(e: unknown): unknown {
  if (isUnstorableText(e)) return new UnstorableTextError();
  return e instanceof StoreUnavailableError || !isUnavailable(e) ? e : new StoreUnavailableError(e);
}

type Guarded = Pick<pg.PoolClient, 'query' | 'release'>;

/** A pooled connection whose statements report an outage as StoreUnavailableError. */
function guardClient(client: pg.PoolClient): Guarded {
  return {
    query: ((...args: unknown[]) => {
      const r = (client.query as (...a: unknown[]) => unknown)(...args);
      // A cursor (Kysely's streaming) is returned as it is; its reads fail on their own.
      return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(asStoreError(e))) : r;
    }) as pg.PoolClient['query'],
    release: (err?: Error | boolean) => client.release(err),
  };
}

/**
 * The one seam between datagate and the driver: every statement, control tables (through
 * Kysely) and dataset tables alike, goes through `query` or `connect` here, so a database
 * outage is StoreUnavailableError (503) wherever it happens.
 */
function guardPool(pool: pg.Pool) {
  return {
    query: ((...args: unknown[]) =>
      (pool.query as (...a: unknown[]) => Promise<unknown>)(...args).catch((e: unknown) => Promise.reject(asStoreError(e)))) as pg.Pool['query'],
    async connect(): Promise<Guarded> {
      try {
        return guardClient(await pool.connect());
      } catch (e) {
        throw asStoreError(e);
      }
    },
    end: () => pool.end(),
  };
}

export function openPostgres(url: string, opts: PostgresOptions = {}): PostgresHandle {
  const warn = opts.warn ?? ((message: string) => process.emitWarning(message, 'DatagateWarning'));
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'datagate',
    // Every session writes dates in ISO and times in UTC, whatever the server's defaults.
    // A pooler that drops startup options still works: the timestamp parser takes any
    // offset, ISO is PostgreSQL's default DateStyle, and date buckets name UTC themselves.
    options: '-c DateStyle=ISO,YMD -c TimeZone=UTC',
    types: typeParsers(),
  });
  // A connection that dies while idle in the pool (server restart) is dropped by the
  // pool and reported here; without a listener it would crash the process.
  pool.on('error', (err) => warn(`PostgreSQL connection lost: ${err.message}`));
  const db = guardPool(pool);
  const dialect = new PostgresDialect({ pool: db as never });
  const control = new Kysely<any>({ dialect, plugins: [new CamelCasePlugin()] });
  const data = new Kysely<any>({ dialect });

  let trigram: Promise<string | null> | undefined;

  /** The schema-qualified trigram operator class, creating pg_trgm if needed; null when unavailable. */
  function trigramOps(): Promise<string | null> {
    const find = async () => {
      const r = await db.query<{ nspname: string }>(
        `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
      );
      return r.rows.length > 0 ? `${quoteAny(r.rows[0].nspname)}.gin_trgm_ops` : null;
    };
    trigram ??= (async () => {
      const found = await find();
      if (found) return found;
      try {
        await db.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      } catch (e) {
        // Another process may have created it at the same moment; otherwise it is
        // missing (no contrib package) or not ours to create.
        const again = await find();
        if (again) return again;
        warn(
          `PostgreSQL extension pg_trgm is unavailable (${(e as Error).message}); ` +
            'contains filters on TEXT fields will scan whole tables. Install postgresql-contrib ' +
            'or run CREATE EXTENSION pg_trgm as a privileged user.',
        );
        return null;
      }
      return find();
    })();
    // A failed look-up (the connection, not the extension) is asked again next time.
    trigram.catch(() => (trigram = undefined));
    return trigram;
  }

  /** Runs `work` on one connection inside a transaction. */
  async function inTransaction<T>(work: (client: Guarded) => Promise<T>): Promise<T> {
    const client = await db.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  const tables: DatasetTables = {
    async create(table, fields) {
      const cols = fields.map((f) => `, ${ident(f.column)} ${COLUMN_TYPES[f.type]}`).join('');
      await db.query(`CREATE TABLE ${ident(table)} ("_row" bigint PRIMARY KEY${cols})`);
    },

    async insert(table, fields, rows, firstRow) {
      if (rows.length === 0) return;
      const columns = ['"_row"', ...fields.map((f) => ident(f.column))].join(', ');
      const arrays = ['$1::bigint[]', ...fields.map((f, i) => `$${i + 2}::${COLUMN_TYPES[f.type]}[]`)].join(', ');
      const text = `INSERT INTO ${ident(table)} (${columns}) SELECT * FROM unnest(${arrays})`;
      const writers = fields.map((f) => ELEMENT_WRITERS[f.type]);
      const chunk = (start: number): string[] => {
        const end = Math.min(start + INSERT_CHUNK, rows.length);
        return [rowNumbers(firstRow + start, end - start), ...writers.map((w, i) => arrayLiteral(rows, i, start, end, w))];
      };
      try {
        await inTransaction(async (client) => {
          // A load commits many batches; the swap that publishes it commits durably and
          // so flushes them all. A crash before it leaves an unreferenced table anyway.
          await client.query('SET LOCAL synchronous_commit = off');
          // Pipelined: the next chunk is encoded while the server inserts this one.
          let values = chunk(0);
          for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
            const running = client.query(text, values);
            // Keep a failed insert from being reported as unhandled while the next chunk is encoded.
            running.catch(() => undefined);
            if (start + INSERT_CHUNK < rows.length) values = chunk(start + INSERT_CHUNK);
            await running;
          }
        });
      } catch (e) {
        const code = (e as { code?: string }).code;
        // PostgreSQL text cannot hold U+0000, which SQLite and the import formats allow;
        // the importer refuses it first, naming the line.
        if (isUnstorableText(e)) throw new UnstorableTextError();
        // A row must fit in one 8 kB page once long values are moved out of line; with
        // hundreds of fields even short values add up (SQLite has no such limit).
        if (code === '54000') {
          throw new Error(`a row is too wide for PostgreSQL with ${fields.length} fields (${(e as Error).message}); load fewer fields`);
        }
        throw e;
      }
    },

    async index(table, fields) {
      const ops = fields.some((f) => f.type === 'TEXT') ? await trigramOps() : null;
      const statements: string[] = [];
      for (const f of fields) {
        if (RANGE_INDEXED.has(f.type)) {
          statements.push(`CREATE INDEX ${ident(`${table}_${f.column}`)} ON ${ident(table)} (${ident(f.column)})`);
        } else if (f.type === 'TEXT' && ops) {
          // Serves contains (ILIKE '%…%'): the pattern's trigrams narrow the rows to check.
          statements.push(
            `CREATE INDEX ${ident(`${table}_${f.column}_trgm`)} ON ${ident(table)} USING gin (${ident(f.column)} ${ops})`,
          );
        }
      }
      // The longest builds first, so that the last one to start is a short one.
      statements.sort((x, y) => Number(y.includes(' gin ')) - Number(x.includes(' gin ')));
      let next = 0;
      let stop = false;
      const worker = async () => {
        while (!stop && next < statements.length) {
          await db.query(statements[next++]).catch((e: unknown) => {
            stop = true;
            throw e;
          });
        }
      };
      const workers = Array.from({ length: Math.min(INDEX_BUILDS_AT_ONCE, statements.length) }, worker);
      // Every build settles before the first failure is reported (then the table is dropped).
      const failed = (await Promise.allSettled(workers)).find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      // Statistics for the planner now rather than at autovacuum's leisure, and every row
      // frozen and all-visible: the table never changes, so readers never write hint bits
      // and counts may be answered from an index alone.
      await db.query(`VACUUM (FREEZE, ANALYZE) ${ident(table)}`);
    },

    async drop(table) {
      await db.query(`DROP TABLE IF EXISTS ${ident(table)}`);
    },

    async exists(table) {
      const r = await db.query(
        `SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1`,
        [table],
      );
      return r.rows.length > 0;
    },

    async list(prefix) {
      const r = await db.query<{ tablename: string }>(
        `SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1) ORDER BY tablename`,
        [prefix],
      );
      return r.rows.map((row) => row.tablename);
    },

    async claim(table) {
      // A session lock on a connection held for the whole load: it ends with the load,
      // or with the connection when the process dies, whichever comes first.
      const client = await pool.connect();
      let held = false;
      try {
        held = await tryLoadLock(client, table);
      } finally {
        if (!held) client.release();
      }
      if (!held) throw new DomainError('CONFLICT', 'this dataset is being loaded by another process; try again once that load is done');
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          let broken: Error | undefined;
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOAD_LOCK_CLASS, table]).catch((e: Error) => (broken = e));
          // A connection that could not unlock is closed, which unlocks it.
          client.release(broken);
        },
      };
    },

    async dropOrphans(prefix) {
      const dropped: { table: string; bytes: number | null }[] = [];
      for (const table of await tables.list(prefix)) {
        const client = await pool.connect();
        try {
          // Held by a live load (on any node): not an orphan. Once we hold it, no load
          // of this table is running; its dataset may have been swapped in meanwhile,
          // hence the check for a reference after the lock, not before.
          if (!(await tryLoadLock(client, table))) continue;
          try {
            const named = await client.query(
              'SELECT 1 FROM datasets WHERE table_name = $1 UNION ALL SELECT 1 FROM retired_tables WHERE table_name = $1',
              [table],
            );
            if (named.rows.length > 0) continue;
            const size = await client.query<{ bytes: string | null }>(
              `SELECT pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c WHERE c.oid = to_regclass(quote_ident($1))`,
              [table],
            );
            await client.query(`DROP TABLE IF EXISTS ${ident(table)}`);
            dropped.push({ table, bytes: size.rows[0]?.bytes == null ? null : Number(size.rows[0].bytes) });
          } finally {
            await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOAD_LOCK_CLASS, table]);
          }
        } finally {
          client.release();
        }
      }
      return dropped;
    },

    async rows(query: CompiledQuery, opts) {
      return runRows(query, opts);
    },
  };

  /** Takes the session lock that claims `table` for a load, if no session holds it. */
  async function tryLoadLock(client: pg.PoolClient, table: string): Promise<boolean> {
    const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOAD_LOCK_CLASS, table]);
    return r.rows[0].ok;
  }

  async function runRows(query: CompiledQuery, opts: { deadline?: number } | undefined): Promise<unknown[][]> {
    const config = { text: query.sql, values: query.parameters as unknown[], rowMode: 'array' as const };
    if (opts?.deadline === undefined) return (await db.query(config)).rows as unknown[][];
    if (opts.deadline <= Date.now()) throw new QueryTimeoutError();
    const client = await db.connect();
    let broken: Error | undefined;
    try {
      // Waiting for a connection counts against the deadline too.
      const ms = Math.ceil(opts.deadline - Date.now());
      if (ms <= 0) throw new QueryTimeoutError();
      // statement_timeout makes the server cancel the statement itself; SET LOCAL
      // ends with the transaction, so the pooled connection keeps no limit.
      // `ms` is an integer computed here, never input.
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${ms}`);
      const r = await client.query(config);
      await client.query('COMMIT');
      return r.rows as unknown[][];
    } catch (e) {
      // Harmless when no transaction is open; a connection that cannot even roll back
      // is discarded rather than returned to the pool mid-transaction.
      await client.query('ROLLBACK').catch((err: Error) => (broken = err));
      // 57014 query_canceled: the statement timeout set above (or an operator's cancel).
      if ((e as { code?: string }).code === '57014') throw new QueryTimeoutError();
      throw e;
    } finally {
      client.release(broken);
    }
  }

  let closing: Promise<void> | undefined;

  return {
    pool,
    control,
    data,
    tables,
    async readGeneration() {
      const r = await db.query<{ value: number }>(`SELECT value FROM meta WHERE name = 'generation'`);
      return Number(r.rows[0].value);
    },
    async bumpGeneration(trx) {
      await (trx ?? control)
        .updateTable('meta')
        .set({ value: sql`value + 1` })
        .where('name', '=', 'generation')
        .execute();
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

export type { Value, Field };
