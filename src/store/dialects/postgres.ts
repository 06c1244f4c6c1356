import type pg from 'pg';
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import type { DialectHandle } from './dialect.ts';
import { openPool } from './postgres-connection.ts';
import { createPostgresDeadlineRunner } from './postgres-deadline.ts';
import { createPostgresChangeCounter, createPostgresTables } from './postgres-tables.ts';

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
  const tables = createPostgresTables({ db, rows: createPostgresDeadlineRunner(db), warn });
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
      closing ??= pool.end();
      return closing;
    },
  };
}
