import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src/store/index.ts';
import { createUserService } from '../src/access/user-service.ts';
import { cliWorkspace, type CliRun, type CliWorkspace } from './support/cli-workspace.ts';
import { BIN } from './support/processes.ts';

/**
 * Runs the command line on a terminal (a pseudo-terminal from util-linux `script`),
 * answering each prompt with the next of `answers` once it appears.
 */
function runOnTerminal(
  args: string[],
  answers: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const command = [BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: opts.cwd, env: opts.env });
    let out = '';
    let answered = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      // A prompt ends with ": "; answer each one once.
      const prompts = out.match(/(Password|Repeat)[^:\n]*: /g)?.length ?? 0;
      while (answered < prompts && answered < answers.length) child.stdin.write(`${answers[answered++]}\r`);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out, stderr: '' });
    });
  });
}

describe('datagate user add|list|remove', () => {
  let ws: CliWorkspace;
  const dg = (args: string[], input?: string) => ws.run(args, input);
  const json = async (args: string[], input?: string) => {
    const r = await dg(['--json', ...args], input);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  /** Whether this email and password sign in, checked against the database the command wrote. */
  async function verifies(email: string, password: string): Promise<boolean> {
    const store = await openStore(ws.url);
    try {
      return (await createUserService({ store }).verify(email, password)) !== undefined;
    } finally {
      await store.close();
    }
  }

  before(async () => {
    ws = await cliWorkspace('user-cli', { redis: false });
  });
  after(() => ws?.close());

  it('adds an admin with --password and prints {"email","role"} with --json; the first one is the owner', async () => {
    assert.deepEqual(await json(['user', 'add', 'Ada@Example.com', '--password', 'correct horse battery']), {
      email: 'ada@example.com',
      role: 'owner',
    });
    assert.ok(await verifies('ada@example.com', 'correct horse battery'));
  });

  it('reads the password from a piped stdin (its first line)', async () => {
    const r = await dg(['user', 'add', 'grace@example.com'], 'piped password 1\nignored\n');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /added grace@example\.com/);
    assert.ok(!r.stdout.includes('piped password 1') && !r.stderr.includes('piped password 1'));
    assert.ok(await verifies('grace@example.com', 'piped password 1'));
  });

  it('on a terminal, asks twice without echoing', async () => {
    const r = await runOnTerminal(['--json', 'user', 'add', 'tty@example.com'], ['typed secret 1', 'typed secret 1'], {
      cwd: ws.dir,
      env: ws.env,
    });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /Password \(at least 8 characters\): /);
    assert.match(r.stdout, /Repeat the password: /);
    assert.match(r.stdout, /\{"email":"tty@example\.com","role":"admin"\}/);
    assert.ok(!r.stdout.includes('typed secret'), `the password was echoed: ${JSON.stringify(r.stdout)}`);
    assert.ok(await verifies('tty@example.com', 'typed secret 1'));

    const differ = await runOnTerminal(['user', 'add', 'differ@example.com'], ['first secret 1', 'other secret 2'], {
      cwd: ws.dir,
      env: ws.env,
    });
    assert.equal(differ.code, 1);
    assert.match(differ.stdout, /passwords differ/);
    assert.ok(!(await json(['user', 'list'])).users.some((u: { email: string }) => u.email === 'differ@example.com'));
  });

  it('refuses a taken email and a short password with exit 1 and a clear message', async () => {
    const taken = await dg(['user', 'add', 'ADA@example.com', '--password', 'another password']);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /ada@example\.com exists already/);
    const short = await dg(['user', 'add', 'short@example.com', '--password', '1234567']);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /at least 8 characters/);
    const emptyStdin = await dg(['user', 'add', 'empty@example.com'], '');
    assert.equal(emptyStdin.code, 1);
    assert.match(emptyStdin.stderr, /at least 8 characters/);
    const notEmail = await dg(['user', 'add', 'not-an-email', '--password', 'long enough pw']);
    assert.equal(notEmail.code, 1);
    assert.match(notEmail.stderr, /not an email address/);
    assert.ok(await verifies('ada@example.com', 'correct horse battery'), 'the first password still holds');
  });

  it('exits 2 on usage errors', async () => {
    for (const args of [
      ['user', 'add'],
      ['user', 'add', 'a@example.com', '--password'],
      ['user', 'add', 'a@example.com', '--bogus'],
      ['user', 'remove'],
      ['user', 'frobnicate'],
    ]) {
      const r = await dg(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.ok(r.stderr.length > 0);
    }
  });

  it('lists and removes admins', async () => {
    const { users } = await json(['user', 'list']);
    assert.deepEqual(
      users.map((u: { email: string }) => u.email),
      ['ada@example.com', 'grace@example.com', 'tty@example.com'],
    );
    assert.deepEqual(Object.keys(users[0]).sort(), ['createdAt', 'email', 'id', 'lastSignInAt', 'role']);
    assert.deepEqual(await json(['user', 'remove', 'Grace@example.com']), { removed: 'grace@example.com' });
    assert.equal(await verifies('grace@example.com', 'piped password 1'), false);
    const again = await dg(['user', 'remove', 'grace@example.com']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no user grace@example\.com/);
    assert.equal(
      (await json(['user', 'list', '--tenant', 'other'])).users.length,
      0,
      'another tenant has its own admins',
    );
  });

  it('records its changes in the audit log as "command line", never the password', async () => {
    const k = await json(['key', 'create', '--name', 'cli key']);
    await json(['public-api', 'disable']);
    await json(['key', 'show', k.id]);
    await json(['key', 'remove', k.id]);
    const store = await openStore(ws.url);
    try {
      const rows = await store.db
        .selectFrom('auditLog')
        .select(['action', 'target', 'actor', 'ip', 'detail', 'actorId'])
        .orderBy('at')
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.action, r.target]),
        [
          ['user.create', 'ada@example.com'],
          ['user.create', 'grace@example.com'],
          ['user.create', 'tty@example.com'],
          ['user.delete', 'grace@example.com'],
          ['key.create', `cli key (${k.id})`],
          ['publicApi.disable', 'Public API'],
          ['key.reveal', `cli key (${k.id})`],
          ['key.delete', `cli key (${k.id})`],
        ],
      );
      for (const r of rows) assert.deepEqual([r.actor, r.ip, r.actorId], ['command line', '', null]);
      const text = JSON.stringify(rows);
      for (const secret of ['correct horse battery', 'piped password 1', 'typed secret 1', k.key])
        assert.ok(!text.includes(secret), `audit holds ${secret}`);
    } finally {
      await store.close();
    }
  });

  it('documents the commands in --help', async () => {
    const r = await dg(['user', 'add', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--password/);
    assert.match(r.stdout, /stdin/);
    const top = await dg(['--help']);
    assert.match(top.stdout, /user/);
  });
});
