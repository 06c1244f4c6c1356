import Database from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { QueryTimeoutError, TableGoneError } from '../../shared/errors.ts';
import type { RowsOptions } from './dataset-tables.ts';
import type { RowsRunner } from './dialect.ts';
import { readExact } from './sqlite-codecs.ts';
import { withExactSums } from './sqlite-functions.ts';
import type { QueryPool } from './sqlite-pool.ts';

/**
 * The runner behind `DatasetTables.rows` on SQLite: reading dataset rows from one
 * connection under a deadline (the guard), with the statement cache and the exact-sum
 * retry. The main connection and every query worker's read-only connection
 * (`sqlite-worker.ts`) read through `createRowReader`, so they behave alike.
 */

/** The SQL function behind `sqliteCapabilities.deadlineGuard()`. */
export const DEADLINE_FUNCTION = 'dg_alive';
/**
 * The guard calls into JavaScript on one row in this many (rows whose `_row` is a
 * multiple of it). A call costs ~70 ns, the bit test that skips it ~15 ns: calling on
 * every row made a full-scan count of 1M rows about twice as slow; one row in 1024 adds
 * 13-17 % (11-15 ms, bench) and still looks at the clock every ~0.1 ms of scanning.
 * A power of two, so the test is a mask.
 */
export const GUARD_EVERY_ROWS = 1024;

// Prepared statements are reused across requests; 500 distinct query shapes is far more
// than a dataset sees in practice, and each costs a few KB.
const STATEMENT_CACHE_SIZE = 500;

/** Thrown inside the guard function; better-sqlite3 aborts the statement and rethrows it. */
class DeadlinePassed extends Error {}

/**
 * Registers the guard function on a connection and returns how to run a statement
 * under a deadline. better-sqlite3 runs one statement at a time, synchronously, and
 * has no interrupt: the function is the only way to stop a statement from inside.
 */
export function installDeadlineGuard(raw: Database.Database) {
  let deadline = Infinity;
  const passed = new DeadlinePassed('deadline passed');
  // Not deterministic: SQLite must call it for every row it is asked for, never once per statement.
  raw.function(DEADLINE_FUNCTION, { deterministic: false, directOnly: true }, () => {
    if (Date.now() > deadline) throw passed;
    return 1;
  });
  return {
    /** Runs `fn` with the guard armed until `at` (epoch ms); a stopped statement is a QueryTimeoutError. */
    run<T>(at: number, fn: () => T): T {
      deadline = at;
      try {
        return fn();
      } catch (e) {
        if (e === passed) throw new QueryTimeoutError();
        throw e;
      } finally {
        deadline = Infinity;
      }
    },
  };
}

function isIntegerOverflow(e: unknown): boolean {
  return e instanceof Database.SqliteError && e.message === 'integer overflow';
}

/** The dataset table a "no such table" error names, when it is one (a table dropped since the query was planned). */
function goneTable(e: unknown): string | undefined {
  if (!(e instanceof Database.SqliteError)) return undefined;
  return /^no such table: (?:main\.)?(?:zm_)?(ds_\w+)$/.exec(e.message)?.[1];
}

/** A reader of rows over `raw`, which must have `registerSqliteFunctions` on it; installs the deadline guard. */
export function createRowReader(raw: Database.Database) {
  const statements = new Map<string, Database.Statement>();
  const guard = installDeadlineGuard(raw);
  /** SQL whose sum() overflowed: it runs with exact sums from then on. */
  const overflowed = new Set<string>();

  function prepared(sqlText: string): Database.Statement {
    let stmt = statements.get(sqlText);
    if (stmt) {
      statements.delete(sqlText);
      statements.set(sqlText, stmt);
      return stmt;
    }
    stmt = raw.prepare(sqlText);
    if (stmt.reader) readExact(stmt);
    statements.set(sqlText, stmt);
    if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    return stmt;
  }

  /** Forgets the statements over `table` (about to be dropped). */
  function forget(table: string): void {
    for (const key of statements.keys()) if (key.includes(`"${table}"`)) statements.delete(key);
  }

  function run(sqlText: string, params: readonly unknown[], deadline: number | undefined): unknown[][] {
    const stmt = prepared(sqlText);
    if (deadline === undefined) return stmt.all(...params) as unknown[][];
    return guard.run(deadline, () => stmt.all(...params) as unknown[][]);
  }

  return {
    forget,
    /**
     * Runs a SELECT and returns its rows as arrays. Past `deadline` a guarded query is a
     * QueryTimeoutError; a table dropped in the meantime is a TableGoneError.
     */
    read(sqlText: string, params: readonly unknown[], deadline?: number): unknown[][] {
      try {
        // sum() stops at 64 bits; the exact sum is several times slower, so it runs only
        // for the queries whose sums need it (PostgreSQL's numeric sums are exact), and a
        // query that overflowed once goes to it directly (a reload changes the table's name).
        if (overflowed.has(sqlText)) return run(withExactSums(sqlText), params, deadline);
        try {
          return run(sqlText, params, deadline);
        } catch (e) {
          if (!isIntegerOverflow(e)) throw e;
          overflowed.add(sqlText);
          if (overflowed.size > STATEMENT_CACHE_SIZE) overflowed.delete(overflowed.values().next().value!);
          return run(withExactSums(sqlText), params, deadline);
        }
      } catch (e) {
        const table = goneTable(e);
        if (table === undefined) throw e;
        forget(table);
        throw new TableGoneError(table);
      }
    },
  };
}

export type RowReader = ReturnType<typeof createRowReader>;

/**
 * How long a `quick` read may hold the main connection (and the event loop) before it is
 * stopped and handed to a worker: a page that reads a few thousand rows takes well under
 * a millisecond; a worker busy with a heavy widget may take seconds.
 */
export const QUICK_READ_MS = 2;

/**
 * `DatasetTables.rows` over `reader` (the main connection), or over the query workers
 * of `pool` when there are any: they read with the same reader on connections of their own.
 * A bounded read (one page by primary key) stays on the main connection: the hop to a
 * worker and back costs several times the read itself. A quick read is tried there first
 * when every worker has been held by a query for a while (WORKERS_HELD_MS); one that
 * overran is remembered (its SQL and parameters: rows never change within a table, so it
 * would overrun again) and goes to a worker directly from then on.
 */
export function createSqliteDeadlineRunner(reader: RowReader, pool?: QueryPool): RowsRunner {
  const overran = new Set<string>();
  return function rows(query: CompiledQuery, opts?: RowsOptions) {
    const params = query.parameters as unknown[];
    if (!pool || opts?.bounded) return reader.read(query.sql, params, opts?.deadline);
    if (opts?.quick && pool.heldMs() >= WORKERS_HELD_MS) {
      const until = Date.now() + QUICK_READ_MS;
      const key = until < (opts.deadline ?? Infinity) ? readKey(query.sql, params) : undefined;
      if (key !== undefined && !overran.has(key)) {
        try {
          return reader.read(query.sql, params, until);
        } catch (e) {
          if (!(e instanceof QueryTimeoutError)) throw e;
          overran.add(key);
          if (overran.size > STATEMENT_CACHE_SIZE) overran.delete(overran.values().next().value!);
        }
      }
    }
    return pool.rows(query.sql, params, opts?.deadline);
  };
}

/**
 * A quick read is read on the main connection only once every worker has been on its
 * query this long: then it would wait at least for the shortest of them, and a heavy
 * widget may take seconds. Otherwise it goes to a worker, which reads it in parallel with
 * the event loop: reading every quick page on the main thread cost a quarter to a half of
 * a mid-range page's requests per second under 10 connections (one sitting: 1,358-2,499
 * req/s against 1,972-3,253), the main thread being what limits them.
 */
export const WORKERS_HELD_MS = 10;

/** A statement and its parameters as one string (a bigint apart from the number it equals). */
function readKey(sqlText: string, params: readonly unknown[]): string {
  let key = sqlText;
  for (const p of params) key += typeof p === 'bigint' ? `\n${p}n` : `\n${JSON.stringify(p)}`;
  return key;
}
