import pg from 'pg';
import { StoreUnavailableError } from '../../shared/errors.ts';
import { UnstorableTextError } from '../../shared/text.ts';
import { typeParsers } from './postgres-codecs.ts';

// Ten connections per process: a page read holds one for a few milliseconds, so ten
// serve hundreds of requests a second, and ten nodes stay well inside PostgreSQL's
// default max_connections of 100.
const POOL_SIZE = 10;
// Connecting takes milliseconds on a working network; three seconds fails an outage
// fast instead of queueing requests behind it, yet rides out a busy server.
const CONNECT_TIMEOUT_MS = 3_000;

/**
 * Whether a driver error means the database can't be reached, rather than that the
 * query is wrong: refused or dropped connections, a server shutting down or starting
 * (SQLSTATE class 08 and 57P01–57P03), or no pooled connection within the timeout.
 */
function isUnavailable(e: unknown): boolean {
  const code = String((e as { code?: unknown })?.code ?? '');
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(code)) return true;
  if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
  const msg = (e as Error)?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
    msg,
  );
}

/**
 * Whether PostgreSQL refused a value as text it cannot hold: 22021 character_not_in_repertoire
 * (U+0000 in text) or 22P05 untranslatable_character. The edges refuse U+0000 before it gets
 * here; this keeps anything they missed a client's mistake rather than an internal error.
 */
export function isUnstorableText(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === '22021' || code === '22P05';
}

/**
 * The error to throw for a driver error: StoreUnavailableError for an outage,
 * UnstorableTextError for text PostgreSQL can't hold, else the error itself.
 */
export function asStoreError(e: unknown): unknown {
  if (isUnstorableText(e)) return new UnstorableTextError();
  return e instanceof StoreUnavailableError || !isUnavailable(e) ? e : new StoreUnavailableError(e);
}

/** A pooled connection whose statements report an outage as StoreUnavailableError. */
export type Guarded = Pick<pg.PoolClient, 'query' | 'release'>;

/**
 * How much longer (ms) than a statement's time left a session's statement_timeout may be
 * and still serve it: 5 ms or 1 % of the time left, whichever is more. A statement is
 * never stopped before its deadline and at most this much after it (the limit is whole
 * milliseconds, timed by the server from when the statement arrives), and a connection
 * keeps one limit across requests whose time left differs by what was spent before
 * their query.
 */
export function limitSlackMs(timeLeftMs: number): number {
  return Math.max(5, timeLeftMs / 100);
}

/**
 * A connection for a statement with a deadline: `limitTo(ms)` brings its session's
 * statement_timeout to between `ms` and `ms + limitSlackMs(ms)`, with a round trip only
 * when it is not there already. The limit stays with the session, not the statement.
 */
export type Limited = Guarded & { limitTo(ms: number): Promise<void> };

/**
 * The statement_timeout a pooled connection's session carries, in ms, where `limitTo`
 * set one. Such a connection is reset (`RESET statement_timeout`, back to the server's
 * own default) before it is handed to anything else: control statements, loads and
 * index builds never run under a page read's limit.
 */
const sessionLimits = new WeakMap<pg.PoolClient, number>();

function guardClient(client: pg.PoolClient): Limited {
  // The pool listens for errors only on idle connections; one checked out and dropped by
  // the server (a restart during a load) would emit an unhandled 'error' and end the
  // process. Its statements fail on their own, and the pool discards it on release.
  const dropped = () => {};
  client.on('error', dropped);
  return {
    query: ((...args: unknown[]) => {
      const r = (client.query as (...a: unknown[]) => unknown)(...args);
      // A cursor (Kysely's streaming) is returned as it is; its reads fail on their own.
      return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(asStoreError(e))) : r;
    }) as pg.PoolClient['query'],
    release: (err?: Error | boolean) => {
      client.removeListener('error', dropped);
      client.release(err);
    },
    async limitTo(ms: number) {
      const current = sessionLimits.get(client);
      if (current !== undefined && current >= ms && current - ms <= limitSlackMs(ms)) return;
      // Unknown until the server has answered: a failure leaves the record unset, and the
      // caller discards the connection.
      sessionLimits.delete(client);
      // `ms` is an integer computed by the caller, never input.
      await client.query(`SET statement_timeout = ${Math.trunc(ms)}`).catch((e: unknown) => {
        throw asStoreError(e);
      });
      sessionLimits.set(client, Math.trunc(ms));
    },
  };
}

/** Takes a connection from the pool; with `reset`, one whose session carries a limit is reset first. */
async function checkOut(pool: pg.Pool, reset: boolean): Promise<Limited> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw asStoreError(e);
  }
  const guarded = guardClient(client);
  if (reset && sessionLimits.has(client)) {
    try {
      await guarded.query('RESET statement_timeout');
      sessionLimits.delete(client);
    } catch (e) {
      guarded.release(e as Error);
      throw e;
    }
  }
  return guarded;
}

/**
 * The one seam between datagate and the driver: every statement, control tables (through
 * Kysely) and dataset tables alike, goes through `query` or `connect` here, so a database
 * outage is StoreUnavailableError (503) wherever it happens.
 */
function guardPool(pool: pg.Pool) {
  return {
    // As the driver's pool.query, on a connection with no page read's limit: a failed
    // statement discards its connection.
    query: (async (...args: unknown[]) => {
      const client = await checkOut(pool, true);
      try {
        const r = await (client.query as (...a: unknown[]) => Promise<unknown>)(...args);
        client.release();
        return r;
      } catch (e) {
        client.release(e as Error);
        throw e;
      }
    }) as pg.Pool['query'],
    /** A connection whose session has no page read's limit. */
    connect: (): Promise<Guarded> => checkOut(pool, true),
    /** A connection for a statement with a deadline (see `Limited`); its session may carry a limit already. */
    connectLimited: (): Promise<Limited> => checkOut(pool, false),
    end: () => pool.end(),
  };
}

export type GuardedPool = ReturnType<typeof guardPool>;

/**
 * Opens a connection pool to the PostgreSQL database named by `url` (no connection is
 * made until used): `pool` is the driver's own, `db` the guarded seam every statement
 * goes through.
 */
export function openPool(
  url: string,
  warn: (message: string) => void,
  opts: { max?: number; name?: string } = {},
): { pool: pg.Pool; db: GuardedPool } {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    application_name: opts.name ?? 'datagate',
    // Every session writes dates in ISO and times in UTC, whatever the server's defaults.
    // A pooler that drops startup options still works: the timestamp parser takes any
    // offset, ISO is PostgreSQL's default DateStyle, and date buckets name UTC themselves.
    options: '-c DateStyle=ISO,YMD -c TimeZone=UTC',
    types: typeParsers(),
  });
  // A connection that dies while idle in the pool (server restart) is dropped by the
  // pool and reported here; without a listener it would crash the process.
  pool.on('error', (err) => warn(`PostgreSQL connection lost: ${err.message}`));
  return { pool, db: guardPool(pool) };
}

/** Runs `work` on one connection inside a transaction. */
export async function inTransaction<T>(db: GuardedPool, work: (client: Guarded) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
