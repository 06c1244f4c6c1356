import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from './support/ports.ts';
import { BIN, serve } from './support/processes.ts';
import { freshDatabase, testRedisEnv, type FreshDatabase } from './support/test-server.ts';

const run = promisify(execFile);

describe('serve: where it listens (flag > environment > default)', () => {
  let dir: string;
  let db: FreshDatabase;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-serve-env-'));
    db = await freshDatabase();
    env = { DATAGATE_DATABASE: db.url, DATAGATE_DATA_DIR: path.join(dir, 'data'), ...testRedisEnv() };
  });
  after(async () => {
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on DATAGATE_PORT and DATAGATE_HOST when no flag is given', async () => {
    const port = await freePort();
    const s = await serve({ ...env, DATAGATE_PORT: String(port), DATAGATE_HOST: '127.0.0.1' }, dir, [
      'serve',
      '--json',
    ]);
    try {
      assert.equal(new URL(s.url).port, String(port));
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  it('a --port flag beats DATAGATE_PORT', async () => {
    const fromEnv = await freePort();
    const fromFlag = await freePort();
    assert.notEqual(fromEnv, fromFlag);
    const s = await serve({ ...env, DATAGATE_PORT: String(fromEnv) }, dir, [
      'serve',
      '--json',
      '--port',
      String(fromFlag),
    ]);
    try {
      assert.equal(new URL(s.url).port, String(fromFlag));
      assert.equal((await fetch(`http://127.0.0.1:${fromFlag}/healthz`)).status, 200);
      await assert.rejects(fetch(`http://127.0.0.1:${fromEnv}/healthz`), 'nothing listens on the environment port');
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  it('--help names the environment variables and the defaults', async () => {
    for (const command of ['serve', 'demo']) {
      const { stdout } = await run(BIN, [command, '--help'], { cwd: dir });
      assert.match(stdout, /--port <port>\s+port to listen on \(env DATAGATE_PORT, default 8080\)/);
      assert.match(stdout, /--host <host>\s+address to listen on \(env DATAGATE_HOST, default 127\.0\.0\.1\)/);
    }
  });
});
