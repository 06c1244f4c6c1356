import type { CompiledQuery } from 'kysely';
import { QueryTimeoutError } from '../../shared/errors.ts';
import type { RowsRunner } from './dialect.ts';
import type { GuardedPool } from './postgres-connection.ts';

/**
 * Runs compiled SELECTs for `DatasetTables.rows`: rows as arrays, and with a deadline,
 * a statement the server itself cancels once it passes (a QueryTimeoutError).
 *
 * The limit is the session's statement_timeout, set on a connection the first time it
 * serves a deadline and kept: requests with the same time limit then cost one round
 * trip, the statement alone (a statement with much less time left, such as a page read
 * after a long count, pays one more to set its own). Connections are reset before they
 * serve anything without a deadline (see `connectLimited`).
 */
export function createPostgresDeadlineRunner(db: GuardedPool): RowsRunner {
  return async function rows(query: CompiledQuery, opts?: { deadline?: number }): Promise<unknown[][]> {
    const config = { text: query.sql, values: query.parameters as unknown[], rowMode: 'array' as const };
    if (opts?.deadline === undefined) return (await db.query(config)).rows as unknown[][];
    if (opts.deadline <= Date.now()) throw new QueryTimeoutError();
    const client = await db.connectLimited();
    let broken: Error | undefined;
    try {
      // Waiting for a connection counts against the deadline too.
      const ms = Math.ceil(opts.deadline - Date.now());
      if (ms <= 0) throw new QueryTimeoutError();
      try {
        await client.limitTo(ms);
      } catch (e) {
        // The session's limit is unknown: the connection is discarded, not pooled.
        broken = e as Error;
        throw e;
      }
      return (await client.query(config)).rows as unknown[][];
    } catch (e) {
      // 57014 query_canceled: the statement timeout (or an operator's cancel). Outside a
      // transaction, the session is left as it was, ready for the next statement.
      if ((e as { code?: string }).code === '57014') throw new QueryTimeoutError();
      throw e;
    } finally {
      client.release(broken);
    }
  };
}
