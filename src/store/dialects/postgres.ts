import type pg from 'pg';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import type { DialectHandle } from './dialect.ts';
import { openPool } from './postgres-connection.ts';
import { createPostgresCursors } from './postgres-cursor.ts';
import { createPostgresDeadlineRunner } from './postgres-deadline.ts';
import { createPostgresChangeCounter, createPostgresTables } from './postgres-tables.ts';

// Connections for exports, apart from the page reads' pool: a long export never makes a
// page wait for a connection. Five per process; a further export waits for one (and
// is answered 503 when none is free within the connect timeout).
const EXPORT_POOL_SIZE = 5;

export interface PostgresHandle extends DialectHandle {
  /** The driver's pool itself, unguarded (tests, and the load claims in postgres-tables.ts). */
  readonly pool: pg.Pool;
}

export interface PostgresOptions {
  /** Where a degraded-but-working state is reported (no pg_trgm); default `process.emitWarning`. */
  readonly warn?: (message: string) => void;
}

/** Opens a connection pool to the PostgreSQL database named by `url` (no connection is made until used). */
export function openPostgres(url: string, opts: PostgresOptions = {}): PostgresHandle {
  const warn = opts.warn ?? ((message: string) => process.emitWarning(message, 'DatagateWarning'));
  const { pool, db } = openPool(url, warn);
  const dialect = new PostgresDialect({ pool: db as never });
  const control = new Kysely<any>({ dialect, plugins: [new CamelCasePlugin()] });
  const data = new Kysely<any>({ dialect });
  // Opened on the first export.
  let exportPool: ReturnType<typeof openPool> | undefined;
  const exportDb = () => (exportPool ??= openPool(url, warn, { max: EXPORT_POOL_SIZE, name: 'datagate-export' })).db;
  const tables = createPostgresTables({
    db,
    rows: createPostgresDeadlineRunner(db),
    cursor: createPostgresCursors(exportDb),
    warn,
  });
  let closing: Promise<void> | undefined;

  return {
    pool,
    poolStats: () => ({
      kind: 'connections',
      size: pool.totalCount,
      busy: pool.totalCount - pool.idleCount,
      waiting: pool.waitingCount,
    }),
    control,
    data,
    tables,
    ...createPostgresChangeCounter(db, control),
    close() {
      closing ??= Promise.all([pool.end(), exportPool?.pool.end()]).then(() => undefined);
      return closing;
    },
  };
}
