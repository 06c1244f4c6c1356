import type { CompiledQuery } from 'kysely';
import type { Field, FieldType, Value } from '../../shared/field-types.ts';

/**
 * The physical tables behind datasets, one per dataset version. Dialect-specific:
 * each dialect decides column types, bulk insert and how raw rows come back.
 * Every table has `_row`, the dense 1-based load order, as its primary key.
 */
export interface DatasetTables {
  create(table: string, fields: readonly Field[]): Promise<void>;
  /** Appends rows whose `_row` numbers start at `firstRow`, in one transaction. */
  insert(table: string, fields: readonly Field[], rows: readonly Value[][], firstRow: number): Promise<void>;
  /**
   * The indexes the filter language needs: range filters on NUMBER, DATE and DATETIME
   * fields; and the table's zone map (`zoneTable`) when it has such fields.
   */
  index(table: string, fields: readonly Field[]): Promise<void>;
  /** Drops the table and its zone map (the zone map first, so that it never outlives the table). */
  drop(table: string): Promise<void>;
  exists(table: string): Promise<boolean>;
  /** Lists physical dataset tables whose name starts with `prefix`. */
  list(prefix: string): Promise<string[]>;
  /**
   * Marks `table` as being loaded by this process until `release()` or the end of the
   * process, so that `dropOrphans` on any process leaves it alone. Take it before
   * creating the table. A table another live process has claimed is a CONFLICT.
   */
  claim(table: string): Promise<TableClaim>;
  /**
   * Drops the tables starting with `prefix` that no dataset and no retired table names
   * and that no live process has claimed: what a killed load left behind.
   */
  dropOrphans(prefix: string): Promise<DroppedTable[]>;
  /**
   * Runs a compiled SELECT and returns rows as arrays in select order, with integers
   * exact (bigint where they pass 2^53). Synchronous where the driver is and no
   * worker is involved. With a
   * `deadline` (epoch milliseconds, `Date.now()`'s scale), a query that carries the
   * dialect's deadline guard is stopped once it passes, with a QueryTimeoutError. A
   * table dropped since the query was built (a dataset removed meanwhile) is a
   * TableGoneError. On SQLite with query workers it runs on one of them, unless it is
   * `bounded`: it reads at most one page of rows by their primary key, with no scan and
   * no sort, which takes less time than handing it to a worker and back; or `quick`
   * while every worker is held by a longer query.
   */
  rows(query: CompiledQuery, opts?: RowsOptions): unknown[][] | Promise<unknown[][]>;
  /**
   * Opens a cursor over a compiled SELECT for an export: rows come in batches, read from
   * the database only as the caller asks for them, on a connection of the cursor's own
   * (never one that page reads share), with no time limit. Rows as `rows` returns them.
   * `close()` stops the query and frees the connection; call it however the read ends.
   * A table dropped since the query was built is a TableGoneError from `open` or `next`.
   */
  cursor(query: CompiledQuery, opts?: { batchRows?: number }): Promise<RowCursor>;
}

/** How `DatasetTables.rows` runs a query. */
export interface RowsOptions {
  readonly deadline?: number;
  readonly bounded?: boolean;
  /**
   * Expected to read few rows (a natural-order walk whose page the matches' density puts
   * near its start, or a handful of matches through an index). On SQLite, while every
   * query worker has been held by a query for a while, it is read on the main connection
   * rather than wait for one, stopped there after a couple of milliseconds
   * (`QUICK_READ_MS`) and then handed to a worker: the read must carry the deadline guard.
   */
  readonly quick?: boolean;
}

/** An open query whose rows are read a batch at a time (`DatasetTables.cursor`). */
export interface RowCursor {
  /** The next batch (at most the cursor's batch size); an empty batch once every row was read. */
  next(): Promise<unknown[][]>;
  /** Stops the query and frees its connection; harmless when already closed. */
  close(): Promise<void>;
}

/** Rows per batch of a cursor unless the caller says otherwise. */
export const CURSOR_BATCH_ROWS = 1000;

export interface TableClaim {
  release(): Promise<void>;
}

/** A table dropped by `dropOrphans`, with the bytes it held (null where that is not cheap to know). */
export interface DroppedTable {
  readonly table: string;
  readonly bytes: number | null;
}

/** Field types whose range filters every dialect serves from a B-tree index. */
export const RANGE_INDEXED: ReadonlySet<FieldType> = new Set(['NUMBER', 'DATE', 'DATETIME']);

/** Rows per block of a zone map: `_row` 1 to ZONE_ROWS are block 0, and so on. */
export const ZONE_ROWS = 1024;

/**
 * The zone map of dataset table `table`: one row per block of ZONE_ROWS rows in load
 * order, `block` (its INTEGER PRIMARY KEY on SQLite), `first_row` and `last_row`, and
 * for each zoned field (`zoneFields`) the least and greatest value in the block,
 * `<column>_lo` and `<column>_hi` (null where the block has only nulls). Rows never
 * change within a dataset version, so neither does its zone map; it is made by `index`
 * and dropped by `drop`. Its name does not start with the table's, so listings and the
 * orphan sweep of dataset tables never take it for one.
 */
export function zoneTable(table: string): string {
  return `zm_${table}`;
}

/** The fields a zone map keeps the range of: those whose range filters are indexed. */
export function zoneFields(fields: readonly Field[]): Field[] {
  return fields.filter((f) => RANGE_INDEXED.has(f.type));
}

/** Quotes a table or column name that datagate generated; refuses anything else. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe identifier ${name}`);
  return `"${name}"`;
}

/** `text` for a LIKE pattern with `\` as the escape character: `%`, `_` and `\` match themselves. */
export function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern (escape `\\`) for text that contains, starts with, ends with or equals `text`. */
export function likePattern(text: string, match: 'contains' | 'startswith' | 'endswith' | 'equals'): string {
  const p = likeEscaped(text);
  return match === 'contains' ? `%${p}%` : match === 'startswith' ? `${p}%` : match === 'endswith' ? `%${p}` : p;
}
