import { randomBytes } from 'node:crypto';
import os from 'node:os';
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import type { Field, FieldType, Value } from '../../shared/field-types.ts';
import { DomainError, QueryTimeoutError } from '../../shared/errors.ts';
import { ident, RANGE_INDEXED, type DatasetTables } from './dataset-tables.ts';
import { registerSqliteFunctions, withExactSums } from './sqlite-functions.ts';

const COLUMN_TYPES: Record<FieldType, string> = {
  // NUMERIC affinity keeps integers as exact 64-bit integers and decimals as REAL.
  NUMBER: 'NUMERIC',
  TEXT: 'TEXT',
  BOOLEAN: 'INTEGER',
  DATE: 'TEXT',
  DATETIME: 'INTEGER',
};

// Prepared statements are reused across requests; 500 distinct query shapes is far more
// than a dataset sees in practice, and each costs a few KB.
const STATEMENT_CACHE_SIZE = 500;

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

/**
 * This process, as `loading_tables` names it: the host and pid, and a random token
 * that tells this process from an earlier one that had the same pid (a container's
 * server is often pid 1 on every start).
 */
const SELF = { host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex') };

/**
 * Whether the process that claimed a table may still be loading it. SQLite's file is
 * on this host (WAL needs shared memory), so a claim from this host is alive while its
 * pid is; one from another host (a copied file) is left alone. A reused pid keeps a
 * dead claim alive until that process ends: the table is dropped at a later start.
 */
function claimAlive(c: { host: string; pid: number; token: string }): boolean {
  if (c.host !== SELF.host) return true;
  if (c.pid === SELF.pid) return c.token === SELF.token;
  try {
    process.kill(c.pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isIntegerOverflow(e: unknown): boolean {
  return e instanceof Database.SqliteError && e.message === 'integer overflow';
}

export interface SqliteHandle {
  readonly raw: Database.Database;
  readonly control: Kysely<any>;
  readonly data: Kysely<any>;
  readonly tables: DatasetTables;
}

/** Opens (creating if needed) a SQLite database file in WAL mode for one process. */
export function openSqlite(file: string): SqliteHandle {
  const raw = new Database(file);
  raw.pragma('journal_mode = WAL');
  // Other processes (the command line) write while the server reads: wait for their
  // short transactions rather than failing. 5 s outlasts any single admin write.
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  registerSqliteFunctions(raw);
  const dialect = new SqliteDialect({ database: raw });
  const control = new Kysely<any>({ dialect, plugins: [new CamelCasePlugin()] });
  const data = new Kysely<any>({ dialect });
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
    if (stmt.reader) stmt.raw(true).safeIntegers(true);
    statements.set(sqlText, stmt);
    if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
    return stmt;
  }

  function forget(table: string): void {
    for (const key of statements.keys()) if (key.includes(`"${table}"`)) statements.delete(key);
  }

  const tables: DatasetTables = {
    async create(table, fields) {
      const cols = fields.map((f) => `${ident(f.column)} ${COLUMN_TYPES[f.type]}`);
      raw.exec(`CREATE TABLE ${ident(table)} ("_row" INTEGER PRIMARY KEY${cols.map((c) => ', ' + c).join('')})`);
    },
    async insert(table, fields, rows, firstRow) {
      const placeholders = fields.map(() => ', ?').join('');
      const stmt = raw.prepare(
        `INSERT INTO ${ident(table)} ("_row"${fields.map((f) => ', ' + ident(f.column)).join('')}) VALUES (?${placeholders})`,
      );
      const booleans = fields.map((f) => f.type === 'BOOLEAN');
      const width = fields.length;
      const params: unknown[] = new Array(width + 1);
      raw.transaction(() => {
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r];
          params[0] = firstRow + r;
          for (let i = 0; i < width; i++) {
            const v = row[i];
            params[i + 1] = booleans[i] && v !== null ? (v ? 1 : 0) : v;
          }
          stmt.run(params);
        }
      })();
    },
    async index(table, fields) {
      for (const f of fields) {
        if (!RANGE_INDEXED.has(f.type)) continue;
        raw.exec(`CREATE INDEX ${ident(`${table}_${f.column}`)} ON ${ident(table)} (${ident(f.column)})`);
      }
    },
    async drop(table) {
      forget(table);
      raw.exec(`DROP TABLE IF EXISTS ${ident(table)}`);
    },
    async exists(table) {
      return raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    },
    async list(prefix) {
      const rows = raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'`)
        .all(prefix.replace(/[\\%_]/g, '\\$&') + '%') as { name: string }[];
      return rows.map((r) => r.name);
    },
    async claim(table) {
      raw.transaction(() => {
        const held = raw.prepare(`SELECT host, pid, token FROM loading_tables WHERE table_name = ?`).get(table) as
          | { host: string; pid: number; token: string }
          | undefined;
        if (held && claimAlive(held)) {
          throw new DomainError('CONFLICT', 'this dataset is being loaded by another process; try again once that load is done');
        }
        raw.prepare(
          `INSERT INTO loading_tables (table_name, host, pid, token, started_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (table_name) DO UPDATE SET host = excluded.host, pid = excluded.pid, token = excluded.token, started_at = excluded.started_at`,
        ).run(table, SELF.host, SELF.pid, SELF.token, new Date().toISOString());
      }).immediate();
      return {
        async release() {
          raw.prepare(`DELETE FROM loading_tables WHERE table_name = ? AND token = ?`).run(table, SELF.token);
        },
      };
    },
    async dropOrphans(prefix) {
      const dropped: { table: string; bytes: number | null }[] = [];
      const claimOf = raw.prepare(`SELECT host, pid, token FROM loading_tables WHERE table_name = ?`);
      const named = raw.prepare(
        `SELECT 1 FROM datasets WHERE table_name = ? UNION ALL SELECT 1 FROM retired_tables WHERE table_name = ?`,
      );
      for (const table of await tables.list(prefix)) {
        // One write transaction per table: a loader's claim (also a write transaction)
        // comes either before the check, and is seen, or after the drop.
        raw.transaction(() => {
          if (named.get(table, table) !== undefined) return;
          const held = claimOf.get(table) as { host: string; pid: number; token: string } | undefined;
          if (held && claimAlive(held)) return;
          let bytes: number | null = null;
          try {
            // The table and its indexes; aggregate: one row per b-tree, not one per page.
            const r = raw
              .prepare(`SELECT sum(pgsize) AS bytes FROM dbstat WHERE aggregate = 1 AND name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?)`)
              .get(table) as { bytes: number | bigint | null };
            bytes = r.bytes === null ? null : Number(r.bytes);
          } catch {
            // A build without the dbstat table: the name alone is logged.
          }
          forget(table);
          raw.exec(`DROP TABLE IF EXISTS ${ident(table)}`);
          raw.prepare(`DELETE FROM loading_tables WHERE table_name = ?`).run(table);
          dropped.push({ table, bytes });
        }).immediate();
      }
      // Claims of dead processes that never got as far as creating their table.
      const claims = raw.prepare(`SELECT table_name AS "table", host, pid, token FROM loading_tables`).all() as {
        table: string;
        host: string;
        pid: number;
        token: string;
      }[];
      for (const c of claims) {
        if (c.table.startsWith(prefix) && !claimAlive(c)) raw.prepare(`DELETE FROM loading_tables WHERE table_name = ? AND token = ?`).run(c.table, c.token);
      }
      return dropped;
    },
    rows(query: CompiledQuery, opts) {
      const params = query.parameters as unknown[];
      const run = (sqlText: string) => {
        const stmt = prepared(sqlText);
        if (opts?.deadline === undefined) return stmt.all(...params) as unknown[][];
        return guard.run(opts.deadline, () => stmt.all(...params) as unknown[][]);
      };
      // sum() stops at 64 bits; the exact sum is several times slower, so it runs only
      // for the queries whose sums need it (PostgreSQL's numeric sums are exact), and a
      // query that overflowed once goes to it directly (a reload changes the table's name).
      if (overflowed.has(query.sql)) return run(withExactSums(query.sql));
      try {
        return run(query.sql);
      } catch (e) {
        if (!isIntegerOverflow(e)) throw e;
        overflowed.add(query.sql);
        if (overflowed.size > STATEMENT_CACHE_SIZE) overflowed.delete(overflowed.values().next().value!);
        return run(withExactSums(query.sql));
      }
    },
  };

  return { raw, control, data, tables };
}

export type { Value, Field };
