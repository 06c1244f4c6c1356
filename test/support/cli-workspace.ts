// One harness for the command line's tests: a temporary directory as the working
// directory, the test backend's database (none on SQLite, so that the default
// ./data/datagate.db is what a user gets), the command run with --json, servers
// started from it, and everything stopped and removed afterwards.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BIN, serve, type ServeProcess } from './processes.ts';
import { freshDatabase, TEST_BACKEND, testRedisEnv, type FreshDatabase } from './test-server.ts';

const execFileP = promisify(execFile);

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliWorkspace {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** The database the commands use; on SQLite the default file under `dir`. */
  readonly url: string;
  readonly db: FreshDatabase | undefined;
  /** Runs `datagate --json ...args` and parses what it prints; a failure throws. */
  dg(...args: string[]): Promise<any>;
  /** Runs `datagate ...args`, which must fail, and gives its exit code and output. */
  dgFail(...args: string[]): Promise<CliRun>;
  /** Runs `datagate ...args` with `input` on a piped stdin, whatever its exit code. */
  run(args: string[], input?: string): Promise<CliRun>;
  /** Writes a file into the directory and returns its name. */
  write(name: string, content: string | Buffer): string;
  /** Starts `datagate serve --port 0 --json` in the directory; stopped by `close` if still running. */
  serve(args?: string[]): Promise<ServeProcess>;
  close(): Promise<void>;
}

export async function cliWorkspace(name: string, opts: { redis?: boolean } = {}): Promise<CliWorkspace> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `datagate-${name}-`));
  const db = TEST_BACKEND === 'sqlite' ? undefined : await freshDatabase();
  const url = db?.url ?? `sqlite:${path.join(dir, 'data', 'datagate.db')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATAGATE_DATABASE: db?.url,
    DATAGATE_LOG_LEVEL: 'warn',
    ...(opts.redis === false ? {} : testRedisEnv()),
  };
  const servers: ServeProcess[] = [];

  function run(args: string[], input?: string): Promise<CliRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(BIN, args, { cwd: dir, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
      child.stdin.end(input ?? '');
    });
  }

  return {
    dir,
    env,
    url,
    db,
    async dg(...args) {
      return JSON.parse((await execFileP(BIN, ['--json', ...args], { cwd: dir, env })).stdout);
    },
    async dgFail(...args) {
      try {
        await execFileP(BIN, args, { cwd: dir, env });
      } catch (e) {
        const err = e as { code: number; stderr: string; stdout: string };
        return { code: err.code, stderr: err.stderr, stdout: err.stdout };
      }
      assert.fail(`datagate ${args.join(' ')} succeeded`);
    },
    run,
    write(file, content) {
      fs.writeFileSync(path.join(dir, file), content);
      return file;
    },
    async serve(args) {
      const s = await serve(env, dir, args);
      servers.push(s);
      return s;
    },
    async close() {
      for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop();
      await db?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
