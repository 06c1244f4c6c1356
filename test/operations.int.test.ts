import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Operating a server: what its log says at start, per request and at shutdown, the
// setup code that guards a fresh server, /metrics off the public port unless a token is
// set or on a listener of its own, and /readyz failing as soon as shutdown begins.

describe('a served process: start, request and shutdown lines, the setup code', () => {
  let w: CliWorkspace;
  before(async () => {
    w = await cliWorkspace('operations');
  });
  after(() => w?.close());

  it('logs version, backend and address at start, who asked per request (never the secret), and the stop', async () => {
    w.write('a.csv', 'a\n1\n2\n');
    const ds = await w.dg('dataset', 'import', 'a.csv', '--name', 'A');
    const key = await w.dg('key', 'create', '--name', 'portal');
    await w.dg('key', 'bind', key.id, '--dataset', ds.id);
    const child = spawn(BIN, ['serve', '--port', '0', '--json'], {
      cwd: w.dir,
      env: { ...w.env, DATAGATE_LOG_LEVEL: 'info' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /"listening":"([^"]+)"/.exec(out);
        if (m) {
          clearInterval(timer);
          resolve(m[1]);
        }
      }, 20);
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    const res = await fetch(`${url}/api/dataset/${ds.id}`, { headers: { apikey: key.key, 'user-agent': 'probe/1.0' } });
    assert.equal(res.status, 200);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{"level"'))
      .map((l) => JSON.parse(l));
    const started = lines.find((l) => l.msg === 'datagate started');
    assert.ok(started, out);
    assert.match(started.version, /^\d+\.\d+\.\d+/);
    assert.match(started.address, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(started.backend);
    assert.equal(started.metrics, 'off');
    const request = lines.find((l) => l.msg === 'request' && l.url === `/api/dataset/${ds.id}`);
    assert.ok(request, out);
    assert.equal(request.key, key.id);
    assert.equal(request.ua, 'probe/1.0');
    assert.ok(request.tenant);
    assert.match(request.ip, /127\.0\.0\.1/);
    assert.ok(!out.includes(key.key), 'the secret never reaches the log');
    assert.ok(lines.some((l) => l.msg === 'datagate shutting down'));
    assert.ok(lines.some((l) => l.msg === 'datagate stopped'));
    // A fresh tenant: the setup code is in the log, the same one every node derives.
    const setup = lines.find((l) => /^first admin: setup code [A-Z2-9]{4}-[A-Z2-9]{4}/.test(l.msg));
    assert.ok(setup, out);
  });
});

describe('the setup code', () => {
  let t: TestServer;
  const remote = { remoteAddress: '203.0.113.7' };
  before(async () => {
    t = await startTestServer();
  });
  after(() => t?.close());

  const setup = (body: object, from = remote) =>
    t.server.app.inject({ method: 'POST', url: '/admin/api/setup', payload: body, ...from });

  it('is asked of a remote address, not of this machine', async () => {
    const far = await t.server.app.inject({ url: '/admin/api/setup', ...remote });
    assert.deepEqual(far.json(), { required: true, codeRequired: true });
    const near = await t.server.app.inject({ url: '/admin/api/setup' });
    assert.deepEqual(near.json(), { required: true, codeRequired: false });
  });

  it('refuses a remote setup without it or with a wrong one, and accepts the right one', async () => {
    const credentials = { email: 'first@example.com', password: 'correct horse' };
    const none = await setup(credentials);
    assert.equal(none.statusCode, 403);
    assert.equal(none.json().error.code, 'SETUP_CODE_INVALID');
    assert.match(none.json().error.message, /setup code from the server's log/);
    const wrong = await setup({ ...credentials, code: 'AAAA-AAAA' });
    assert.equal(wrong.statusCode, 403);
    assert.match(wrong.json().error.message, /not the setup code/);
    assert.equal(await t.modules.access.users.count(t.tenant.id), 0);
    const code = t.modules.access.setup.code(t.config.tenant);
    const ok = await setup({ ...credentials, code: ` ${code.toLowerCase().replace('-', '')} ` });
    assert.equal(ok.statusCode, 201, ok.body);
    assert.equal(await t.modules.access.users.count(t.tenant.id), 1);
    // Done once: the code opens nothing more.
    const again = await setup({ email: 'second@example.com', password: 'correct horse', code });
    assert.equal(again.statusCode, 409);
  });

  it('is a property of the secret and the tenant: another secret, another code', async () => {
    const other = await startTestServer({ DATAGATE_SECRET: 'x'.repeat(40) });
    try {
      assert.notEqual(
        other.modules.access.setup.code(other.config.tenant),
        t.modules.access.setup.code(t.config.tenant),
      );
      assert.match(other.modules.access.setup.code(other.config.tenant), /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    } finally {
      await other.close();
    }
  });
});

describe('/metrics and /readyz', () => {
  it('is not served on the public port without a token', async () => {
    const t = await startTestServer();
    try {
      const res = await t.server.app.inject({ url: '/metrics' });
      assert.equal(res.statusCode, 404);
    } finally {
      await t.close();
    }
  });

  it('answers the bearer of DATAGATE_METRICS_TOKEN, with cache, load and pool figures', async () => {
    const token = 'metrics-token-0123456789';
    const t = await startTestServer({ DATAGATE_METRICS_TOKEN: token });
    try {
      const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('a.csv', 'a\n1\n'),
        name: 'A',
      });
      const k = await t.modules.access.keys.create(t.tenant.id, { name: 'k' });
      await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', ds.id);
      await t.server.refresh();
      for (let i = 0; i < 2; i++)
        await t.server.app.inject({ url: `/api/dataset/${ds.id}`, headers: { apikey: k.key } });
      for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`]) {
        const res = await t.server.app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
        assert.equal(res.statusCode, 401, authorization);
        assert.match(String(res.headers['www-authenticate']), /^Bearer/);
      }
      const res = await t.server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /datagate_page_cache_lookups_total\{result="miss"\} 1/);
      assert.match(res.body, /datagate_page_cache_lookups_total\{result="hit"\} 1/);
      assert.match(res.body, /datagate_dataset_load_duration_seconds_count\{kind="new",result="ok"\} 1/);
      assert.match(res.body, /datagate_dataset_loaded_rows_total 1/);
      assert.match(res.body, /datagate_db_pool\{kind="(connections|workers|none)",state="size"\} \d+/);
      if (process.env.DATAGATE_TEST_REDIS) assert.match(res.body, /datagate_redis_up 1/);
    } finally {
      await t.close();
    }
  });

  it('is served on a listener of its own with DATAGATE_METRICS_ADDR, and only there', async () => {
    const t = await startTestServer({ DATAGATE_METRICS_ADDR: '127.0.0.1:0' });
    try {
      await t.server.listen({ host: '127.0.0.1', port: 0 });
      const url = t.server.metricsUrl();
      assert.ok(url);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /datagate_http_requests_total|datagate_process_resident_memory_bytes/);
      assert.equal((await fetch(url.replace('/metrics', '/api/datasets'))).status, 404);
      assert.equal((await t.server.app.inject({ url: '/metrics' })).statusCode, 404);
    } finally {
      await t.close();
    }
  });

  it('/readyz answers 503 once shutdown begins', async () => {
    const t = await startTestServer();
    const address = await t.server.listen({ host: '127.0.0.1', port: 0 });
    assert.equal((await fetch(`${address}/readyz`)).status, 200);
    const closing = t.close();
    const during = await fetch(`${address}/readyz`).then(
      (r) => r.status,
      () => 'refused',
    );
    await closing;
    assert.ok(during === 503 || during === 'refused', String(during));
  });
});
