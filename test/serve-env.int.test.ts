import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { SETTINGS } from '../src/config/config.ts';
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
    // 127.0.0.2 (loopback, but not the default address): the server listens there only.
    const s = await serve({ ...env, DATAGATE_PORT: String(port), DATAGATE_HOST: '127.0.0.2' }, dir, [
      'serve',
      '--json',
    ]);
    try {
      assert.equal(new URL(s.url).port, String(port));
      assert.equal(new URL(s.url).hostname, '127.0.0.2');
      const res = await fetch(`http://127.0.0.2:${port}/healthz`);
      assert.equal(res.status, 200);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens on the default address');
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
      // Help wraps its lines to the terminal's width: compared with its spaces collapsed.
      const stdout = (await run(BIN, [command, '--help'], { cwd: dir })).stdout.replace(/\s+/g, ' ');
      assert.match(stdout, /--port <port>\s+port to listen on \(env DATAGATE_PORT, default 8080\)/);
      assert.match(stdout, /--host <host>\s+address to listen on \(env DATAGATE_HOST, default 127\.0\.0\.1\)/);
    }
  });

  it('reads the database URL and the secret from DATAGATE_DATABASE_FILE and DATAGATE_SECRET_FILE', async () => {
    const files = path.join(dir, 'secrets');
    fs.mkdirSync(files, { recursive: true });
    // As container platforms mount them: one value a file, often with a line end.
    fs.writeFileSync(path.join(files, 'database'), `${db.url}\n`);
    fs.writeFileSync(path.join(files, 'secret'), `${'k'.repeat(43)}\n`);
    const fileEnv = {
      ...env,
      DATAGATE_DATABASE: undefined,
      DATAGATE_DATABASE_FILE: path.join(files, 'database'),
      DATAGATE_SECRET_FILE: path.join(files, 'secret'),
    };
    const created = await run(BIN, ['--json', 'key', 'create', '--name', 'From files'], { cwd: dir, env: fileEnv });
    const key = JSON.parse(created.stdout).key as string;
    const s = await serve(fileEnv, dir);
    try {
      // The key made by one command, read by the server: same database, same secret.
      assert.equal((await fetch(`${s.url}/api/datasets`, { headers: { apikey: key } })).status, 200);
    } finally {
      assert.equal(await s.stop(), 0);
    }
    // `key show` decrypts with the secret from the file; another secret could not.
    const id = JSON.parse(created.stdout).id as string;
    const shown = await run(BIN, ['--json', 'key', 'show', id], { cwd: dir, env: fileEnv });
    assert.equal(JSON.parse(shown.stdout).key, key);
    const other = { ...fileEnv, DATAGATE_SECRET_FILE: undefined, DATAGATE_SECRET: 'x'.repeat(43) };
    const wrong = await run(BIN, ['key', 'show', id], { cwd: dir, env: other }).catch((e) => e);
    assert.notEqual(wrong.code ?? 0, 0);
  });

  it('lists every invalid setting and exits 2, for serve and for any other command', async () => {
    const bad = {
      ...env,
      DATAGATE_PORT: 'eighty',
      DATAGATE_MEMORY_MB: '10',
      DATAGATE_SECRET: 'y'.repeat(40),
      DATAGATE_SECRET_FILE: path.join(dir, 'nowhere'),
      DATAGATE_TRUST_PROXY: 'maybe',
    };
    for (const args of [['serve'], ['dataset', 'list']]) {
      const failed = await run(BIN, args, { cwd: dir, env: bad }).then(
        () => assert.fail(`${args.join(' ')} started with invalid settings`),
        (e: { code: number; stderr: string }) => e,
      );
      assert.equal(failed.code, 2);
      assert.match(failed.stderr, /4 problems/);
      assert.match(failed.stderr, /DATAGATE_PORT "eighty"/);
      assert.match(failed.stderr, /DATAGATE_MEMORY_MB "10"/);
      assert.match(failed.stderr, /DATAGATE_SECRET and DATAGATE_SECRET_FILE are both set/);
      assert.match(failed.stderr, /DATAGATE_TRUST_PROXY "maybe"/);
      assert.doesNotMatch(failed.stderr, /yyyy/, 'never the secret');
    }
    // A valid flag replaces the invalid variable; the other problems remain.
    const flagged = await run(BIN, ['serve', '--port', '0'], { cwd: dir, env: bad }).catch((e) => e);
    assert.equal(flagged.code, 2);
    assert.doesNotMatch(flagged.stderr, /DATAGATE_PORT/);
    assert.match(flagged.stderr, /3 problems/);
  });

  it('never prints the password of a database URL it refuses', async () => {
    fs.writeFileSync(path.join(dir, 'bad-database'), 'mysql://admin:hunter2-secret@db.internal/dg\n');
    const bad = { ...env, DATAGATE_DATABASE: undefined, DATAGATE_DATABASE_FILE: path.join(dir, 'bad-database') };
    const failed = await run(BIN, ['dataset', 'list'], { cwd: dir, env: bad }).catch((e) => e);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /unsupported database URL \(mysql:\)/);
    assert.doesNotMatch(failed.stderr, /hunter2/);
  });

  it('--version and -V print the package version', async () => {
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { stdout } = await run(BIN, [flag], { cwd: dir });
      assert.equal(stdout.trim(), pkg.version);
    }
  });

  it('serve --help lists every environment variable with its default', async () => {
    const { stdout } = await run(BIN, ['serve', '--help'], { cwd: dir });
    for (const s of SETTINGS) {
      assert.match(stdout, new RegExp(`\\n  ${s.env} +default: `), s.env);
      assert.ok(stdout.includes(s.flag), s.flag);
    }
    assert.match(stdout, /DATAGATE_SECRET_FILE/);
    assert.match(stdout, /DATAGATE_DATABASE_FILE/);
    assert.match(stdout, /DATAGATE_REDIS_FILE/);
  });
});
