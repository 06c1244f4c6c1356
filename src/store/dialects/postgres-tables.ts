import type { Kysely } from 'kysely';
import type { Field, FieldType } from '../../shared/field-types.ts';
import { DomainError } from '../../shared/errors.ts';
import { UnstorableTextError } from '../../shared/text.ts';
import { ident, RANGE_INDEXED, ZONE_ROWS, zoneFields, zoneTable, type DatasetTables } from './dataset-tables.ts';
import { bumpGeneration, type ChangeCounter, type RowsRunner } from './dialect.ts';
import { arrayLiteral, ELEMENT_WRITERS, rowNumbers } from './postgres-codecs.ts';
import { inTransaction, isUnstorableText, type Guarded, type GuardedPool } from './postgres-connection.ts';

const COLUMN_TYPES: Record<FieldType, string> = {
  // numeric is exact at any size: 64-bit integers, and decimals as they were written.
  NUMBER: 'numeric',
  TEXT: 'text',
  BOOLEAN: 'boolean',
  DATE: 'date',
  DATETIME: 'timestamptz',
};

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

/** Takes the session lock that claims `table` for a load, if no session holds it. */
async function tryLoadLock(client: Guarded, table: string): Promise<boolean> {
  const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
    LOAD_LOCK_CLASS,
    table,
  ]);
  return r.rows[0].ok;
}

/**
 * Dataset tables on PostgreSQL: every statement through the guarded `db`, the load claims
 * on connections of it held for a whole load; `rows` from the deadline runner.
 */
export function createPostgresTables(deps: {
  db: GuardedPool;
  rows: RowsRunner;
  /** Export cursors, on connections of their own. */
  cursor: DatasetTables['cursor'];
  warn: (message: string) => void;
}): DatasetTables {
  const { db, warn } = deps;
  let trigram: Promise<string | null> | undefined;

  /** The schema-qualified trigram operator class, creating pg_trgm if needed; null when unavailable. */
  function trigramOps(): Promise<string | null> {
    const find = async () => {
      const r = await db.query<{ nspname: string }>(
        `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace ` +
          `WHERE e.extname = 'pg_trgm'`,
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
        return [
          rowNumbers(firstRow + start, end - start),
          ...writers.map((w, i) => arrayLiteral(rows, i, start, end, w)),
        ];
      };
      try {
        await inTransaction(db, async (client) => {
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
          throw new Error(
            `a row is too wide for PostgreSQL with ${fields.length} fields (${(e as Error).message}); load ` +
              `fewer fields`,
            {
              cause: e,
            },
          );
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
            `CREATE INDEX ${ident(`${table}_${f.column}_trgm`)} ON ${ident(table)} USING gin ` +
              `(${ident(f.column)} ${ops})`,
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
      // The zone map: the least and greatest value of each zoned field per block of rows,
      // in the field's own column type (CREATE TABLE AS keeps it).
      const zoned = zoneFields(fields);
      if (zoned.length > 0) {
        const col = (f: Field) => ident(f.column);
        const ranges = zoned
          .map((f) => `, min(${col(f)}) AS ${ident(`${f.column}_lo`)}, max(${col(f)}) AS ${ident(`${f.column}_hi`)}`)
          .join('');
        await db.query(
          `CREATE TABLE ${ident(zoneTable(table))} AS SELECT ("_row" - 1) / ${ZONE_ROWS} AS "block", ` +
            `min("_row") AS "first_row", max("_row") AS "last_row"${ranges} FROM ${ident(table)} GROUP BY 1`,
        );
        await db.query(`ANALYZE ${ident(zoneTable(table))}`);
      }
    },

    async drop(table) {
      await db.query(`DROP TABLE IF EXISTS ${ident(zoneTable(table))}`);
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
        `SELECT tablename FROM pg_catalog.pg_tables ` +
          `WHERE schemaname = current_schema() AND starts_with(tablename, $1) ORDER BY tablename`,
        [prefix],
      );
      return r.rows.map((row) => row.tablename);
    },

    async claim(table) {
      // A session lock on a connection held for the whole load: it ends with the load,
      // or with the connection when the process dies, whichever comes first.
      const client = await db.connect();
      let held = false;
      try {
        held = await tryLoadLock(client, table);
      } finally {
        if (!held) client.release();
      }
      if (!held)
        throw new DomainError(
          'CONFLICT',
          'this dataset is being loaded by another process; try again once that load is done',
        );
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          let broken: Error | undefined;
          await client
            .query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOAD_LOCK_CLASS, table])
            .catch((e: Error) => (broken = e));
          // A connection that could not unlock is closed, which unlocks it.
          client.release(broken);
        },
      };
    },

    async dropOrphans(prefix) {
      const dropped: { table: string; bytes: number | null }[] = [];
      for (const table of await tables.list(prefix)) {
        const client = await db.connect();
        try {
          // Held by a live load (on any node): not an orphan. Once we hold it, no load
          // of this table is running; its dataset may have been swapped in meanwhile,
          // hence the check for a reference after the lock, not before.
          if (!(await tryLoadLock(client, table))) continue;
          try {
            const named = await client.query(
              'SELECT 1 FROM datasets WHERE table_name = $1 ' +
                'UNION ALL SELECT 1 FROM retired_tables WHERE table_name = $1',
              [table],
            );
            if (named.rows.length > 0) continue;
            const size = await client.query<{ bytes: string | null }>(
              `SELECT pg_total_relation_size(c.oid)::text AS bytes FROM pg_class c ` +
                `WHERE c.oid = to_regclass(quote_ident($1))`,
              [table],
            );
            await client.query(`DROP TABLE IF EXISTS ${ident(zoneTable(table))}`);
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

    rows: deps.rows,
    cursor: deps.cursor,
  };
  return tables;
}

/** The change counter on PostgreSQL: read through the guarded pool, bumped through Kysely. */
export function createPostgresChangeCounter(db: GuardedPool, control: Kysely<any>): ChangeCounter {
  return {
    async readGeneration() {
      const r = await db.query<{ value: number }>(`SELECT value FROM meta WHERE name = 'generation'`);
      return Number(r.rows[0].value);
    },
    bumpGeneration: (trx) => bumpGeneration(trx ?? control),
  };
}
