import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Field, FieldType } from '../../shared/field-types.ts';
import { DomainError } from '../../shared/errors.ts';
import { ident, RANGE_INDEXED, ZONE_ROWS, zoneFields, zoneTable, type DatasetTables } from './dataset-tables.ts';
import { bumpGeneration, type ChangeCounter, type RowsRunner } from './dialect.ts';
import { asStored, PARAM_WRITERS } from './sqlite-codecs.ts';

const COLUMN_TYPES: Record<FieldType, string> = {
  // NUMERIC affinity keeps integers as exact 64-bit integers and decimals as REAL.
  NUMBER: 'NUMERIC',
  TEXT: 'TEXT',
  BOOLEAN: 'INTEGER',
  DATE: 'TEXT',
  DATETIME: 'INTEGER',
};

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

/**
 * Helper threads SQLite's sorter may use while it builds a load's indexes (each CREATE
 * INDEX sorts every row of the table). Measured at 10,000,000 rows on 2 cores: the five
 * indexes of the bench's tickets in 13.9–16.0 s with 2, against 18.0–20.2 s without.
 */
export const INDEX_SORT_THREADS = 2;

/**
 * Runs `build` with SQLite's sorter allowed `threads` helper threads on `raw`, and puts
 * the connection back to none afterwards, failed or not: the main connection's other
 * statements keep to one thread.
 */
export function withSortThreads(raw: Database.Database, threads: number, build: () => void): void {
  raw.pragma(`threads = ${Math.max(0, Math.floor(threads))}`);
  try {
    build();
  } finally {
    raw.pragma('threads = 0');
  }
}

/**
 * Dataset tables on SQLite: every statement on the main connection `raw`; `rows` from
 * the deadline runner, and `forget` told of a table about to be dropped, so that the
 * statements cached over it go too.
 */
export function createSqliteTables(deps: {
  raw: Database.Database;
  rows: RowsRunner;
  /** Export cursors, on connections of their own. */
  cursor: DatasetTables['cursor'];
  forget: (table: string) => void;
}): DatasetTables {
  const { raw, forget } = deps;
  const tables: DatasetTables = {
    async create(table, fields) {
      const cols = fields.map((f) => `${ident(f.column)} ${COLUMN_TYPES[f.type]}`);
      raw.exec(`CREATE TABLE ${ident(table)} ("_row" INTEGER PRIMARY KEY${cols.map((c) => ', ' + c).join('')})`);
    },
    async insert(table, fields, rows, firstRow) {
      const columns = fields.map((f) => ', ' + ident(f.column)).join('');
      const placeholders = fields.map(() => ', ?').join('');
      const stmt = raw.prepare(`INSERT INTO ${ident(table)} ("_row"${columns}) VALUES (?${placeholders})`);
      // The load's hot loop: columns stored as they are skip the call to their writer.
      const writers = fields.map((f) => (PARAM_WRITERS[f.type] === asStored ? undefined : PARAM_WRITERS[f.type]));
      const width = fields.length;
      const params: unknown[] = new Array(width + 1);
      raw.transaction(() => {
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r];
          params[0] = firstRow + r;
          for (let i = 0; i < width; i++) {
            const v = row[i];
            const write = writers[i];
            params[i + 1] = write !== undefined && v !== null ? write(v) : v;
          }
          stmt.run(params);
        }
      })();
    },
    async index(table, fields) {
      // Each statement holds the event loop while it sorts the whole table (3–4 s at
      // 10,000,000 rows): between them, the requests that waited are answered.
      for (const f of fields) {
        if (!RANGE_INDEXED.has(f.type)) continue;
        withSortThreads(raw, INDEX_SORT_THREADS, () =>
          raw.exec(`CREATE INDEX ${ident(`${table}_${f.column}`)} ON ${ident(table)} (${ident(f.column)})`),
        );
        await yieldToEventLoop();
      }
      buildZoneMap(raw, table, fields);
    },
    async drop(table) {
      forget(table);
      raw.exec(`DROP TABLE IF EXISTS ${ident(zoneTable(table))}`);
      raw.exec(`DROP TABLE IF EXISTS ${ident(table)}`);
    },
    async exists(table) {
      return raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) !== undefined;
    },
    async list(prefix) {
      const rows = raw
        .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ESCAPE '\\'`)
        .all(prefix.replace(/[\\%_]/g, '\\$&') + '%') as { name: string }[];
      return rows.map((r) => r.name);
    },
    async claim(table) {
      raw
        .transaction(() => {
          const held = raw.prepare(`SELECT host, pid, token FROM loading_tables WHERE table_name = ?`).get(table) as
            { host: string; pid: number; token: string } | undefined;
          if (held && claimAlive(held)) {
            throw new DomainError(
              'CONFLICT',
              'this dataset is being loaded by another process; try again once that load is done',
            );
          }
          raw
            .prepare(
              `INSERT INTO loading_tables (table_name, host, pid, token, started_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (table_name) DO UPDATE SET host = excluded.host, pid = excluded.pid, ` +
                `token = excluded.token, started_at = excluded.started_at`,
            )
            .run(table, SELF.host, SELF.pid, SELF.token, new Date().toISOString());
        })
        .immediate();
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
        raw
          .transaction(() => {
            if (named.get(table, table) !== undefined) return;
            const held = claimOf.get(table) as { host: string; pid: number; token: string } | undefined;
            if (held && claimAlive(held)) return;
            let bytes: number | null = null;
            try {
              // The table and its indexes; aggregate: one row per b-tree, not one per page.
              const r = raw
                .prepare(
                  `SELECT sum(pgsize) AS bytes FROM dbstat WHERE aggregate = 1 ` +
                    `AND name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?)`,
                )
                .get(table) as { bytes: number | bigint | null };
              bytes = r.bytes === null ? null : Number(r.bytes);
            } catch {
              // A build without the dbstat table: the name alone is logged.
            }
            forget(table);
            raw.exec(`DROP TABLE IF EXISTS ${ident(zoneTable(table))}`);
            raw.exec(`DROP TABLE IF EXISTS ${ident(table)}`);
            raw.prepare(`DELETE FROM loading_tables WHERE table_name = ?`).run(table);
            dropped.push({ table, bytes });
          })
          .immediate();
      }
      // Claims of dead processes that never got as far as creating their table.
      const claims = raw.prepare(`SELECT table_name AS "table", host, pid, token FROM loading_tables`).all() as {
        table: string;
        host: string;
        pid: number;
        token: string;
      }[];
      for (const c of claims) {
        if (c.table.startsWith(prefix) && !claimAlive(c))
          raw.prepare(`DELETE FROM loading_tables WHERE table_name = ? AND token = ?`).run(c.table, c.token);
      }
      return dropped;
    },
    rows: deps.rows,
    cursor: deps.cursor,
  };
  return tables;
}

/**
 * Makes `table`'s zone map (see `zoneTable`) when it has zoned fields. One read of each
 * block's rows by `_row` range, in load order, so that no sort is needed. The bounds
 * have their field's column type, so that they compare with a filter's value as the
 * table's own columns do (a NUMERIC column turns numeric text into a number first).
 */
function buildZoneMap(raw: Database.Database, table: string, fields: readonly Field[]): void {
  const zoned = zoneFields(fields);
  if (zoned.length === 0) return;
  const zm = ident(zoneTable(table));
  const bounds = zoned
    .map(
      (f) => `, ${ident(`${f.column}_lo`)} ${COLUMN_TYPES[f.type]}, ${ident(`${f.column}_hi`)} ${COLUMN_TYPES[f.type]}`,
    )
    .join('');
  raw.exec(`CREATE TABLE ${zm} ("block" INTEGER PRIMARY KEY, "first_row" INTEGER, "last_row" INTEGER${bounds})`);
  const ranges = zoned.map((f) => `, min(${ident(f.column)}), max(${ident(f.column)})`).join('');
  const read = raw
    .prepare(`SELECT min("_row"), max("_row")${ranges} FROM ${ident(table)} WHERE "_row" BETWEEN ? AND ?`)
    .raw(true)
    .safeIntegers(true);
  const write = raw.prepare(`INSERT INTO ${zm} VALUES (?, ?, ?${', ?, ?'.repeat(zoned.length)})`).safeIntegers(true);
  const last = Number(
    raw
      .prepare(`SELECT max("_row") FROM ${ident(table)}`)
      .pluck()
      .get() ?? 0,
  );
  raw.transaction(() => {
    for (let block = 0; block * ZONE_ROWS < last; block++) {
      const row = read.get(block * ZONE_ROWS + 1, (block + 1) * ZONE_ROWS) as unknown[];
      write.run(block, ...row);
    }
  })();
}

/**
 * The change counter on SQLite: read on the main connection `raw`, bumped through `control`
 * or the caller's transaction.
 */
export function createSqliteChangeCounter(raw: Database.Database, control: Kysely<any>): ChangeCounter {
  return {
    async readGeneration() {
      const row = raw.prepare(`SELECT value FROM meta WHERE name = 'generation'`).get() as { value: number };
      return Number(row.value);
    },
    bumpGeneration: (trx) => bumpGeneration(trx ?? control),
  };
}
