import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The server tests create their databases on, as a URL naming a database to connect
 * to for CREATE/DROP DATABASE. This machine's (and CI's) local server, trust auth.
 */
export const TEST_POSTGRES_ADMIN_URL =
  process.env.DATAGATE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

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
        // A pool's end() resolves once it has asked its connections to close, a moment
        // before their server processes exit; FORCE would terminate them mid-goodbye,
        // which the pool reports as a lost connection. Half a second is plenty for them
        // to go; whatever is still connected after it (a killed process's) is ended.
        for (let i = 0; i < 20; i++) {
          const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
            name,
          ]);
          if (r.rows[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

/**
 * Every row of every table in the database's `public` schema as text (`row::text`),
 * one line per row: what a dump of the database would show, without `pg_dump`.
 */
export async function databaseText(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const tables = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = ` +
        `'BASE TABLE' ORDER BY 1`,
    );
    const lines: string[] = [];
    for (const { name } of tables.rows) {
      // The name comes from the catalog; quoted with any double quote doubled.
      const rows = await client.query<{ line: string }>(
        `SELECT t::text AS line FROM public."${name.replace(/"/g, '""')}" t`,
      );
      for (const r of rows.rows) lines.push(`${name}: ${r.line}`);
    }
    return lines.join('\n');
  } finally {
    await client.end();
  }
}
