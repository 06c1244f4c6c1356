import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

const BIN = (() => {
  const root = '/usr/lib/postgresql';
  const version = fs.readdirSync(root).sort().at(-1);
  return path.join(root, version!, 'bin');
})();

/** Runs a PostgreSQL tool as the postgres user (initdb and the server refuse root). */
function asPostgres(tool: string, args: string[]): void {
  const cmd =
    process.getuid?.() === 0
      ? (['runuser', ['-u', 'postgres', '--', path.join(BIN, tool), ...args]] as const)
      : ([path.join(BIN, tool), args] as const);
  execFileSync(cmd[0], cmd[1], { stdio: 'pipe' });
}

export interface PrivatePostgres {
  readonly url: string;
  start(): void;
  /** Stops at once, as a crash would: in-flight queries fail, connections drop. */
  stop(): void;
  destroy(): void;
}

/**
 * A PostgreSQL server of the test's own, in a temporary folder on a free port, so
 * that a test can stop and restart it without disturbing the machine's server.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-pg-'));
  fs.chmodSync(dir, 0o777);
  const data = path.join(dir, 'data');
  const port = await freePort();
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const instance: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start: () => asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start']),
    stop: () => asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']),
    destroy() {
      try {
        instance.stop();
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  instance.start();
  return instance;
}
