import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { TableGoneError } from '../shared/errors.ts';
import type { DialectCapabilities } from './dialects/capabilities.ts';
import type { DatasetTables } from './dialects/dataset-tables.ts';
import type { DialectHandle, PoolStats } from './dialects/dialect.ts';
import { openPostgres } from './dialects/postgres.ts';
import { postgresCapabilities } from './dialects/postgres-capabilities.ts';
import { openSqlite } from './dialects/sqlite.ts';
import type { ConnectionLimits } from './dialects/sqlite-connection.ts';
import { sqliteCapabilities } from './dialects/sqlite-capabilities.ts';
import { appliedMigrations, checkNotNewer, KNOWN_MIGRATIONS, migrateToLatest } from './migrations.ts';
import type { ControlSchema } from './schema.ts';

export { KNOWN_MIGRATIONS, SchemaTooNewError } from './migrations.ts';
export { backupDatabase, BackupRefusedError, restoreDatabase, BackupToolError } from './backup.ts';
export type { BackupResult, ToolEnv } from './backup.ts';
export type { ControlSchema } from './schema.ts';
export type { DialectCapabilities } from './dialects/capabilities.ts';
export type { DatasetTables, DroppedTable, RowCursor } from './dialects/dataset-tables.ts';
export { RANGE_INDEXED, ZONE_ROWS, zoneTable } from './dialects/dataset-tables.ts';
export type { ConnectionLimits } from './dialects/sqlite-connection.ts';
export type { PoolStats } from './dialects/dialect.ts';

/** The database, as the rest of datagate sees it. */
export interface Store {
  /** Control tables (tenants, datasets, keys, bindings), camelCase in TypeScript. */
  readonly db: Kysely<ControlSchema>;
  /** Builds queries over physical dataset tables (generated names; no case plugin). */
  readonly data: Kysely<any>;
  readonly caps: DialectCapabilities;
  readonly tables: DatasetTables;
  /** A human description of where the data lives, for logs and the command line. */
  readonly location: string;
  /** Applies the migrations the database lacks and gives their names (none: it was up to date). */
  migrate(): Promise<string[]>;
  /** The migrations this version knows that the database lacks. */
  pendingMigrations(): Promise<string[]>;
  /** Bumps the change counter: every admin change calls it inside its transaction. */
  bumpGeneration(trx?: Kysely<ControlSchema>): Promise<void>;
  /** Reads the change counter; servers poll it to learn of changes made elsewhere. */
  readGeneration(): Promise<number>;
  /** How busy the connections (PostgreSQL) or query workers (SQLite) are. */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

export class StoreConfigError extends Error {}

export interface StoreOptions {
  /**
   * SQLite: worker threads that run dataset queries off the event loop, each with a
   * read-only connection (0: on the main connection). PostgreSQL ignores it.
   */
  readonly queryWorkers?: number;
  /** SQLite: what each connection may hold in memory (SQLite's defaults without it). */
  readonly sqlite?: ConnectionLimits;
  /**
   * Bring the schema up to date on opening (the default); else only refuse a database
   * of a newer version, and leave the migrations to `migrate()`.
   */
  readonly migrate?: boolean;
}

/**
 * Opens the store named by `url` and brings its schema up to date.
 * `sqlite:./data/datagate.db` (the default), `sqlite:/abs/file.db`, or
 * `postgres://user@host:5432/database` (also `postgresql://`). `opts.sqlite` bounds
 * the memory of a SQLite connection (SQLite's defaults without it).
 */
export async function openStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (!file) throw new StoreConfigError(`database URL "${url}" names no file`);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const h = openSqlite(file, { queryWorkers: opts.queryWorkers, limits: opts.sqlite });
    await prepare(h, opts);
    return storeOver(h, sqliteCapabilities, path.resolve(file));
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      // Not echoed: the URL may carry a password.
      throw new StoreConfigError('the PostgreSQL database URL is not a valid URL');
    }
    const h = openPostgres(url);
    await prepare(h, opts);
    // Never the password.
    return storeOver(
      {
        ...h,
        tables: {
          ...h.tables,
          rows: (query, o) => Promise.resolve(h.tables.rows(query, o)).catch(rethrowGone),
          cursor: async (query, o) => {
            const c = await h.tables.cursor(query, o).catch(rethrowGone);
            return { next: () => c.next().catch(rethrowGone), close: () => c.close() };
          },
        },
      },
      postgresCapabilities,
      `postgres://${parsed.host}${parsed.pathname}`,
    );
  }
  // Its scheme only: the rest may carry a password.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'no scheme';
  throw new StoreConfigError(`unsupported database URL (${scheme}): expected sqlite:FILE or postgres://...`);
}

/** Migrates (or, with `migrate: false`, only checks) a database just opened; closes it on failure. */
async function prepare(h: DialectHandle, opts: StoreOptions): Promise<void> {
  try {
    if (opts.migrate === false) await checkNotNewer(h.control);
    else await migrateToLatest(h.control);
  } catch (e) {
    await h.close();
    throw e;
  }
}

/** A dialect's open database as the Store the rest of datagate sees. */
function storeOver(h: DialectHandle, caps: DialectCapabilities, location: string): Store {
  return {
    db: h.control as Kysely<ControlSchema>,
    data: h.data,
    caps,
    tables: h.tables,
    location,
    migrate: () => migrateToLatest(h.control),
    pendingMigrations: async () => {
      const applied = new Set(await appliedMigrations(h.control));
      return KNOWN_MIGRATIONS.filter((n) => !applied.has(n));
    },
    bumpGeneration: (trx) => h.bumpGeneration(trx),
    readGeneration: () => h.readGeneration(),
    poolStats: () => h.poolStats(),
    close: () => h.close(),
  };
}

/**
 * A PostgreSQL "relation does not exist" (42P01) on a dataset table as the TableGoneError
 * SQLite's reader throws: the table was dropped after its dataset was resolved.
 */
function rethrowGone(e: unknown): never {
  const table =
    (e as { code?: string }).code === '42P01'
      ? /relation "(?:zm_)?(ds_\w+)" does not exist/.exec((e as Error).message)?.[1]
      : undefined;
  throw table === undefined ? e : new TableGoneError(table);
}

/**
 * Where datagate keeps files next to the database (the generated secret): the SQLite
 * file's folder; for PostgreSQL, `dataDir` (the config's `DATAGATE_DATA_DIR`) or `./data`.
 */
export function dataDirFor(url: string, dataDir?: string): string {
  if (url.startsWith('sqlite:')) return path.dirname(path.resolve(url.slice('sqlite:'.length)));
  return dataDir ? path.resolve(dataDir) : path.resolve('data');
}
