import type Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect } from 'kysely';
import type { DialectHandle } from './dialect.ts';
import { isMemory, openDatabase, type ConnectionLimits } from './sqlite-connection.ts';
import { createRowReader, createSqliteDeadlineRunner } from './sqlite-deadline.ts';
import { createSqliteCursors } from './sqlite-cursor.ts';
import { createQueryPool, type QueryPool } from './sqlite-pool.ts';
import { createSqliteChangeCounter, createSqliteTables } from './sqlite-tables.ts';

export interface SqliteHandle extends DialectHandle {
  /** The main connection itself (tests, and the statements of sqlite-tables.ts). */
  readonly raw: Database.Database;
  /** The query workers, when dataset queries run on them. */
  readonly queryPool?: QueryPool;
}

/**
 * Opens (creating if needed) a SQLite database file in WAL mode for one process.
 * With `queryWorkers` above 0, dataset queries (`tables.rows`) run on that many worker
 * threads with read-only connections of their own, off the event loop; writes stay
 * here. An in-memory database has no file to share: it always reads here. `limits`
 * bound every connection's memory, the workers' too.
 */
export function openSqlite(
  file: string,
  opts: { queryWorkers?: number; limits?: ConnectionLimits } = {},
): SqliteHandle {
  const raw = openDatabase(file, { limits: opts.limits });
  const dialect = new SqliteDialect({ database: raw });
  const control = new Kysely<any>({ dialect, plugins: [new CamelCasePlugin()] });
  const data = new Kysely<any>({ dialect });
  const reader = createRowReader(raw);
  const workers = opts.queryWorkers ?? 0;
  const pool =
    workers > 0 && !isMemory(file)
      ? createQueryPool({
          file,
          size: workers,
          limits: opts.limits,
          inThread: (sqlText, params, deadline) => reader.read(sqlText, params, deadline),
        })
      : undefined;
  const tables = createSqliteTables({
    raw,
    rows: createSqliteDeadlineRunner(reader, pool),
    cursor: createSqliteCursors({ file: isMemory(file) ? undefined : file, limits: opts.limits, reader }),
    forget: reader.forget,
  });

  return {
    raw,
    control,
    data,
    tables,
    queryPool: pool,
    poolStats: () => pool?.stats() ?? { kind: 'none', size: 0, busy: 0, waiting: 0 },
    ...createSqliteChangeCounter(raw, control),
    /** Closes the connection, after the query workers if any. */
    async close() {
      await pool?.close();
      raw.close();
    },
  };
}
