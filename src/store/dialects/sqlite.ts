import { randomBytes } from 'node:crypto';
import os from 'node:os';
import Database from 'better-sqlite3';
import { CamelCasePlugin, Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import type { Field, FieldType, Value } from '../../shared/field-types.ts';
import { DomainError } from '../../shared/errors.ts';
import { ident, RANGE_INDEXED, type DatasetTables } from './dataset-tables.ts';
import { registerSqliteFunctions } from './sqlite-functions.ts';
import { createQueryPool, type QueryPool } from './sqlite-pool.ts';
import { createRowReader, applyConnectionLimits, type ConnectionLimits } from './sqlite-reader.ts';

const COLUMN_TYPES: Record<FieldType, string> = {
  // NUMERIC affinity keeps integers as exact 64-bit integers and decimals as REAL.
  NUMBER: 'NUMERIC',
  TEXT: 'TEXT',
  BOOLEAN: 'INTEGER',
  DATE: 'TEXT',
  DATETIME: 'INTEGER',
};

export { DEADLINE_FUNCTION, GUARD_EVERY_ROWS, installDeadlineGuard } from './sqlite-reader.ts';

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

export interface SqliteHandle {
  readonly raw: Database.Database;
  readonly control: Kysely<any>;
  readonly data: Kysely<any>;
  readonly tables: DatasetTables;
  /** The query workers, when dataset queries run on them. */
  readonly queryPool?: QueryPool;
  /** Closes the connection, after the query workers if any. */
  close(): Promise<void>;
}

// Lives beside the reader, which every query worker loads too.
export { applyConnectionLimits, type ConnectionLimits } from './sqlite-reader.ts';

/**
 * Opens (creating if needed) a SQLite database file in WAL mode for one process.
 * With `queryWorkers` above 0, dataset queries (`tables.rows`) run on that many worker
 * threads with read-only connections of their own, off the event loop; writes stay
 * here. An in-memory database has no file to share: it always reads here. `limits`
 * bound every connection's memory, the workers' too.
 */
export function openSqlite(file: string, opts: { queryWorkers?: number; limits?: ConnectionLimits } = {}): SqliteHandle {
  const raw = new Database(file);
  if (opts.limits) applyConnectionLimits(raw, opts.limits);
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
  const reader = createRowReader(raw);
  const workers = opts.queryWorkers ?? 0;
  const pool =
    workers > 0 && !isMemory(file)
      ? createQueryPool({ file, size: workers, limits: opts.limits, inThread: (sqlText, params, deadline) => reader.read(sqlText, params, deadline) })
      : undefined;

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
      reader.forget(table);
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
          reader.forget(table);
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
      if (pool) return pool.rows(query.sql, params, opts?.deadline);
      return reader.read(query.sql, params, opts?.deadline);
    },
  };

  return {
    raw,
    control,
    data,
    tables,
    queryPool: pool,
    async close() {
      await pool?.close();
      raw.close();
    },
  };
}

/** Whether `file` names an in-memory database (better-sqlite3's `:memory:`, or a URI filename asking for one). */
function isMemory(file: string): boolean {
  return file === ':memory:' || (file.startsWith('file:') && /[?&]mode=memory(&|$)/.test(file));
}

export type { Value, Field };
