import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { TableGoneError } from '../../shared/errors.ts';
import { CURSOR_BATCH_ROWS, type DatasetTables, type RowCursor } from './dataset-tables.ts';
import { openDatabase, type ConnectionLimits } from './sqlite-connection.ts';
import { readExact } from './sqlite-codecs.ts';
import { installDeadlineGuard, type RowReader } from './sqlite-deadline.ts';
import { withExactSums } from './sqlite-functions.ts';

/**
 * A batch also ends after this long: a slow query (a filter that matches one row in a
 * million) must not hold the event loop for the whole scan between two matches.
 */
const BATCH_MS = 20;

function isIntegerOverflow(e: unknown): boolean {
  return e instanceof Database.SqliteError && e.message === 'integer overflow';
}

function goneTable(e: unknown): string | undefined {
  if (!(e instanceof Database.SqliteError)) return undefined;
  return /^no such table: (?:main\.)?(?:zm_)?(ds_\w+)$/.exec(e.message)?.[1];
}

/**
 * Export cursors on SQLite. Each opens a read-only connection of its own to `file` and
 * steps through the statement with `iterate()`: an open iterator keeps its connection
 * busy, so it can't be the main connection or a query worker's. A batch is read
 * synchronously (at most `batchRows` rows or `BATCH_MS`), then the cursor yields to the
 * event loop before the next. WAL gives the statement one snapshot for its whole run,
 * so a reload or a write meanwhile changes nothing it reads. No deadline: the deadline
 * guard is installed (widget queries carry it) and never armed.
 *
 * An in-memory database has no file to open twice: there the rows are read at once on
 * the main connection (`reader`) and handed out in batches (tests and tools only).
 */
export function createSqliteCursors(deps: {
  file: string | undefined;
  limits?: ConnectionLimits;
  reader: RowReader;
}): DatasetTables['cursor'] {
  return async function cursor(query: CompiledQuery, opts?: { batchRows?: number }): Promise<RowCursor> {
    const batchRows = opts?.batchRows ?? CURSOR_BATCH_ROWS;
    const params = query.parameters as unknown[];
    if (deps.file === undefined) return inMemory(deps.reader.read(query.sql, params), batchRows);
    const raw = openDatabase(deps.file, { readonly: true, limits: deps.limits });
    let closed = false;
    let iterator: IterableIterator<unknown[]> | undefined;
    let delivered = false;
    let exact = false;

    function start(): IterableIterator<unknown[]> {
      const stmt = readExact(raw.prepare(exact ? withExactSums(query.sql) : query.sql));
      return stmt.iterate(...params) as IterableIterator<unknown[]>;
    }

    function close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      // Ends the statement (its return() resets it), then the connection.
      try {
        iterator?.return?.();
      } finally {
        raw.close();
      }
      return Promise.resolve();
    }

    function readBatch(): unknown[][] {
      const out: unknown[][] = [];
      const until = performance.now() + BATCH_MS;
      iterator ??= start();
      while (out.length < batchRows) {
        const r = iterator.next();
        if (r.done) break;
        out.push(r.value);
        if ((out.length & 63) === 0 && performance.now() > until) break;
      }
      return out;
    }

    try {
      installDeadlineGuard(raw);
    } catch (e) {
      raw.close();
      throw e;
    }
    return {
      close,
      async next() {
        if (closed) return [];
        if (delivered) await yieldToEventLoop();
        if (closed) return [];
        try {
          let batch: unknown[][];
          try {
            batch = readBatch();
          } catch (e) {
            // sum() stopped at 64 bits before any row came out (a GROUP BY sums first):
            // again with exact sums, as page reads do.
            if (!isIntegerOverflow(e) || delivered || exact) throw e;
            exact = true;
            iterator = undefined;
            batch = readBatch();
          }
          delivered = true;
          if (batch.length === 0) await close();
          return batch;
        } catch (e) {
          await close();
          const table = goneTable(e);
          throw table === undefined ? e : new TableGoneError(table);
        }
      },
    };
  };
}

/** A cursor over rows already read. */
function inMemory(rows: unknown[][], batchRows: number): RowCursor {
  let at = 0;
  return {
    async next() {
      const batch = rows.slice(at, at + batchRows);
      at += batch.length;
      return batch;
    },
    async close() {
      at = rows.length;
    },
  };
}
