import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tenant } from '../../src/access/index.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createServer, openModules, type Modules, type Server } from '../../src/server.ts';
import { createTestDatabase } from './postgres.ts';

export type TestBackend = 'sqlite' | 'postgres';

/**
 * The database backend integration tests run on: `DATAGATE_TEST_BACKEND`, `sqlite`
 * (the default) or `postgres` (a fresh database per call on the test server, see
 * `postgres.ts`). `scripts/run-tests.mjs` runs the integration tests once on each.
 */
export const TEST_BACKEND: TestBackend = (() => {
  const b = process.env.DATAGATE_TEST_BACKEND || 'sqlite';
  if (b !== 'sqlite' && b !== 'postgres')
    throw new Error(`DATAGATE_TEST_BACKEND must be sqlite or postgres, not "${b}"`);
  return b;
})();

export interface FreshDatabase {
  /** A `DATAGATE_DATABASE` URL: `sqlite:/tmp/…/test.db` or `postgres://…/datagate_t_…`. */
  readonly url: string;
  /** Deletes the database (the SQLite file's folder, or the PostgreSQL database). */
  drop(): Promise<void>;
}

/** A fresh, empty database on this run's backend; call `drop()` when done. */
export async function freshDatabase(): Promise<FreshDatabase> {
  if (TEST_BACKEND === 'postgres') return createTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-db-'));
  return {
    url: `sqlite:${path.join(dir, 'test.db')}`,
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * `DATAGATE_REDIS` and a prefix of its own (`dgtest:<random>`) when `DATAGATE_TEST_REDIS`
 * names a Redis, so that rate limits are shared through it and no two test servers,
 * nor two runs, count on the same keys; nothing otherwise.
 */
export function testRedisEnv(): Record<string, string> {
  const url = process.env.DATAGATE_TEST_REDIS;
  return url ? { DATAGATE_REDIS: url, DATAGATE_REDIS_PREFIX: `dgtest:${randomBytes(8).toString('hex')}` } : {};
}

export interface TestServer {
  readonly server: Server;
  readonly modules: Modules;
  readonly tenant: Tenant;
  readonly config: Config;
  readonly dir: string;
  /** Writes a file into the test's folder and returns its path. */
  file(name: string, text: string): string;
  close(): Promise<void>;
}

/**
 * A real server over a fresh database of this run's backend (`TEST_BACKEND`) with its
 * own temporary folder for files; never listens unless asked. `env` overrides settings.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-test-'));
  // SQLite: the file inside the test's folder, which holds the generated secret too.
  const db = TEST_BACKEND === 'sqlite' ? undefined : await createTestDatabase();
  try {
    const config = loadConfig({
      DATAGATE_DATABASE: db?.url ?? `sqlite:${path.join(dir, 'test.db')}`,
      // For PostgreSQL the secret file would go to ./data of the working directory
      // (the repository); a secret of the test's own keeps it out of there.
      ...(db ? { DATAGATE_SECRET: randomBytes(32).toString('base64url') } : {}),
      // And uploads beside a PostgreSQL database go to the test's folder too.
      DATAGATE_DATA_DIR: dir,
      DATAGATE_LOG_LEVEL: 'silent',
      DATAGATE_CHANGE_POLL_MS: '50',
      ...testRedisEnv(),
      ...env,
    });
    const modules = await openModules(config);
    let server: Server;
    let tenant: Tenant;
    try {
      tenant = await modules.access.tenants.ensure(config.tenant);
      server = await createServer(config, modules);
    } catch (e) {
      await modules.close();
      throw e;
    }
    return {
      server,
      modules,
      tenant,
      config,
      dir,
      file(name, text) {
        const p = path.join(dir, name);
        fs.writeFileSync(p, text);
        return p;
      },
      async close() {
        try {
          await server.close();
          await modules.close();
        } finally {
          await db?.drop();
          fs.rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
