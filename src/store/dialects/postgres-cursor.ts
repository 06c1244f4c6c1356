import type { CompiledQuery } from 'kysely';
import Cursor from 'pg-cursor';
import { CURSOR_BATCH_ROWS, type DatasetTables, type RowCursor } from './dataset-tables.ts';
import { typeParsers } from './postgres-codecs.ts';
import { asStoreError, type GuardedPool } from './postgres-connection.ts';

/**
 * Export cursors on PostgreSQL: a server-side portal (pg-cursor) on a connection taken
 * from `db` for the cursor's whole life, fetched `batchRows` at a time as the caller
 * asks, so the server holds the rest and the process holds one batch. No statement
 * timeout: the pool sets none on its sessions (page reads set theirs per transaction).
 * `close()` closes the portal, ending the query, and returns the connection; one that
 * can't close it is discarded, which ends the query on the server too.
 */
export function createPostgresCursors(db: () => GuardedPool): DatasetTables['cursor'] {
  const types = typeParsers();
  return async function cursor(query: CompiledQuery, opts?: { batchRows?: number }): Promise<RowCursor> {
    const batchRows = opts?.batchRows ?? CURSOR_BATCH_ROWS;
    const client = await db().connect();
    let closed = false;
    let portal: Cursor<unknown[]>;
    try {
      portal = client.query(
        new Cursor<unknown[]>(query.sql, query.parameters as unknown[], { rowMode: 'array', types } as never),
      );
    } catch (e) {
      client.release(e as Error);
      throw asStoreError(e);
    }

    async function close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await portal.close();
        client.release();
      } catch (e) {
        client.release(e as Error);
      }
    }

    return {
      close,
      async next() {
        if (closed) return [];
        try {
          const rows = await portal.read(batchRows);
          if (rows.length === 0) await close();
          return rows;
        } catch (e) {
          // The connection is left as the failed statement left it: discarded, not reused.
          if (!closed) {
            closed = true;
            client.release(e as Error);
          }
          throw asStoreError(e);
        }
      },
    };
  };
}
