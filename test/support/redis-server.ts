import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/**
 * Starts a private `redis-server` on `port` (no persistence) and resolves once it
 * accepts connections: for tests that take Redis away and bring it back.
 */
export async function startRedis(port: number): Promise<ChildProcess> {
  const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net
        .connect(port, '127.0.0.1', () => {
          s.destroy();
          r(true);
        })
        .on('error', () => r(false));
    });
    if (ok) return p;
    await new Promise((r) => setTimeout(r, 20));
  }
  p.kill('SIGKILL');
  throw new Error('redis-server did not start');
}

/** Kills a Redis started by `startRedis` at once (SIGKILL: an outage, not a shutdown). */
export async function killRedis(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}
