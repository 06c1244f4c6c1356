import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The server tests create their databases on, as a URL naming a database to connect
 * to for CREATE/DROP DATABASE. This machine's (and CI's) local server, trust auth.
 */
export const TEST_POSTGRES_ADMIN_URL = process.env.DATAGATE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** A URL for `openStore` / `openPostgres`. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  // A refused or silent server fails the test in seconds rather than at the test timeout.
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database `datagate_t_<random>` on the test server; call `drop()` when done. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `datagate_t_${randomBytes(6).toString('hex')}`;
  // The name is generated above: lowercase hex, safe to quote as an identifier.
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop() {
      dropped ??= admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
      return dropped;
    },
  };
}
