import Database from 'better-sqlite3';
import { registerSqliteFunctions } from './sqlite-functions.ts';

/** What one SQLite connection may hold in memory. */
export interface ConnectionLimits {
  /** SQLite's page cache of the connection, in KiB. */
  readonly cacheKib: number;
}

/**
 * Bounds a connection's memory: its page cache (better-sqlite3's build lets each grow to
 * 16 MB) and no memory-mapped reads, whose pages would count in the process's resident
 * memory too. For every connection a process opens, reader or writer.
 */
export function applyConnectionLimits(db: Database.Database, limits: ConnectionLimits): void {
  db.pragma(`cache_size = ${-Math.max(1, Math.floor(limits.cacheKib))}`);
  db.pragma('mmap_size = 0');
}

/**
 * Opens one connection to the SQLite database `file`, set up as every connection of
 * datagate is: `limits` (SQLite's defaults without them), the busy timeout and the SQL
 * functions of `sqlite-functions.ts`, and for the writing connection WAL mode,
 * synchronous NORMAL and foreign keys.
 *
 * `readonly`: a query worker's connection (`sqlite-worker.ts`) to a file that must
 * already exist; the file's journal mode (WAL, set by the writer and kept in the file)
 * and the write settings are the writer's business.
 */
export function openDatabase(
  file: string,
  opts: { readonly?: boolean; limits?: ConnectionLimits } = {},
): Database.Database {
  if (opts.readonly) {
    // WAL: readers never wait for the server's writes, and each statement reads one
    // consistent snapshot, so a reload swapped in mid-query is seen by the next one.
    const raw = new Database(file, { readonly: true, fileMustExist: true });
    if (opts.limits) applyConnectionLimits(raw, opts.limits);
    // As the main connection: a checkpoint or recovery by another process is waited out.
    raw.pragma('busy_timeout = 5000');
    registerSqliteFunctions(raw);
    return raw;
  }
  const raw = new Database(file);
  if (opts.limits) applyConnectionLimits(raw, opts.limits);
  raw.pragma('journal_mode = WAL');
  // Other processes (the command line) write while the server reads: wait for their
  // short transactions rather than failing. 5 s outlasts any single admin write.
  raw.pragma('busy_timeout = 5000');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  registerSqliteFunctions(raw);
  return raw;
}

/** Whether `file` names an in-memory database (better-sqlite3's `:memory:`, or a URI filename asking for one). */
export function isMemory(file: string): boolean {
  return file === ':memory:' || (file.startsWith('file:') && /[?&]mode=memory(&|$)/.test(file));
}
