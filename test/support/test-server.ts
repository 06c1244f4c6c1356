import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tenant } from '../../src/access/index.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createServer, openModules, type Modules, type Server } from '../../src/server.ts';

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

/** A real server over a fresh SQLite file in its own temporary folder; never listens unless asked. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-test-'));
  const config = loadConfig({
    DATAGATE_DATABASE: `sqlite:${path.join(dir, 'test.db')}`,
    DATAGATE_LOG_LEVEL: 'silent',
    DATAGATE_CHANGE_POLL_MS: '50',
    ...env,
  });
  const modules = await openModules(config);
  const tenant = await modules.access.tenants.ensure(config.tenant);
  const server = await createServer(config, modules);
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
      await server.close();
      await modules.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
