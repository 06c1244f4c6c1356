import { sql, type Kysely } from 'kysely';
import type { DatasetTables } from './dataset-tables.ts';

// The shape every dialect takes, one file per job, named `<dialect>-<job>.ts`:
//   -codecs      how catalog values are written for the driver and read back from it
//   -connection  the driver's connection (pool or file), and its errors as the store's
//   -tables      DDL and DML of dataset tables (`DatasetTables`) and the change counter
//   -deadline    the deadline runner behind `DatasetTables.rows`
//   -cursor      export cursors behind `DatasetTables.cursor`, on connections of their own
//   <dialect>.ts `open<Dialect>`, which composes them into a `DialectHandle`
// and `-capabilities` for what domain code may ask of the dialect (`capabilities.ts`).

/** The change counter `meta.generation` (see store/README.md). */
export interface ChangeCounter {
  /** Reads the counter; servers poll it to learn of changes made elsewhere. */
  readGeneration(): Promise<number>;
  /** Bumps the counter, inside `trx` when given: every admin change calls it in its transaction. */
  bumpGeneration(trx?: Kysely<any>): Promise<void>;
}

/** An open database of one dialect, as `openStore` turns it into a `Store`. */
export interface DialectHandle extends ChangeCounter {
  /** Control tables, through Kysely with the CamelCasePlugin. */
  readonly control: Kysely<any>;
  /** Queries over dataset tables (generated names; no case plugin). */
  readonly data: Kysely<any>;
  readonly tables: DatasetTables;
  /** How busy its connections are, for the metrics. */
  poolStats(): PoolStats;
  close(): Promise<void>;
}

/**
 * Connection use: PostgreSQL's pool (connections open, idle, and requests waiting for
 * one), or SQLite's query workers (threads, busy, and queries waiting for one).
 */
export interface PoolStats {
  readonly kind: 'connections' | 'workers' | 'none';
  readonly size: number;
  readonly busy: number;
  readonly waiting: number;
}

/** What a dialect's deadline runner provides: `DatasetTables.rows`. */
export type RowsRunner = DatasetTables['rows'];

/**
 * Bumps the change counter through `db` (a transaction or the control Kysely): one statement every dialect runs alike.
 */
export async function bumpGeneration(db: Kysely<any>): Promise<void> {
  await db
    .updateTable('meta')
    .set({ value: sql`value + 1` })
    .where('name', '=', 'generation')
    .execute();
}
