import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const BIN = path.resolve('bin/datagate');

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Runs `datagate serve --port 0 --json` (or the command in `args`, which must print
 * `{"listening":…}` like serve) with `env` and resolves once it listens.
 */
export async function serve(
  env: NodeJS.ProcessEnv,
  cwd?: string,
  args: string[] = ['serve', '--port', '0', '--json'],
): Promise<ServeProcess> {
  const child = spawn(BIN, args, { cwd, env: { ...process.env, DATAGATE_LOG_LEVEL: 'warn', ...env } });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/"listening":"([^"]+)"/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    url,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
