import type { CompiledQuery } from 'kysely';
import { QueryTimeoutError } from '../../shared/errors.ts';
import type { RowsRunner } from './dialect.ts';
import type { GuardedPool } from './postgres-connection.ts';

/**
 * Runs compiled SELECTs for `DatasetTables.rows`: rows as arrays, and with a deadline,
 * a statement the server itself cancels once it passes (a QueryTimeoutError).
 */
export function createPostgresDeadlineRunner(db: GuardedPool): RowsRunner {
  return async function rows(query: CompiledQuery, opts?: { deadline?: number }): Promise<unknown[][]> {
    const config = { text: query.sql, values: query.parameters as unknown[], rowMode: 'array' as const };
    if (opts?.deadline === undefined) return (await db.query(config)).rows as unknown[][];
    if (opts.deadline <= Date.now()) throw new QueryTimeoutError();
    const client = await db.connect();
    let broken: Error | undefined;
    try {
      // Waiting for a connection counts against the deadline too.
      const ms = Math.ceil(opts.deadline - Date.now());
      if (ms <= 0) throw new QueryTimeoutError();
      // statement_timeout makes the server cancel the statement itself; SET LOCAL
      // ends with the transaction, so the pooled connection keeps no limit.
      // `ms` is an integer computed here, never input.
      await client.query(`BEGIN; SET LOCAL statement_timeout = ${ms}`);
      const r = await client.query(config);
      await client.query('COMMIT');
      return r.rows as unknown[][];
    } catch (e) {
      // Harmless when no transaction is open; a connection that cannot even roll back
      // is discarded rather than returned to the pool mid-transaction.
      await client.query('ROLLBACK').catch((err: Error) => (broken = err));
      // 57014 query_canceled: the statement timeout set above (or an operator's cancel).
      if ((e as { code?: string }).code === '57014') throw new QueryTimeoutError();
      throw e;
    } finally {
      client.release(broken);
    }
  };
}
