import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/modules.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';
import { freePort } from './support/ports.ts';
import { BIN, serve, type ServeProcess } from './support/processes.ts';
import { killRedis, startRedis } from './support/redis-server.ts';

const REDIS = process.env.DATAGATE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const run = promisify(execFile);
const PASSWORD = 'correct horse battery';
const BAD_KEY = 'dgk_' + 'f'.repeat(40);

/** A sign-in from `address` (the nodes trust X-Forwarded-For, so tests can be several clients). */
function signIn(node: ServeProcess, email: string, password: string, address: string) {
  return fetch(`${node.url}/admin/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ email, password }),
  });
}

/** A public request with `key` from `address`. */
function read(node: ServeProcess, key: string, address: string, datasetId = 'none') {
  return fetch(`${node.url}/api/dataset/${datasetId}`, { headers: { apikey: key, 'x-forwarded-for': address } });
}

/** The users the sign-in tests sign in as, created through the modules like the command line does. */
async function createUsers(env: NodeJS.ProcessEnv, emails: string[]) {
  const modules = await openModules(loadConfig(env));
  const tenant = await modules.access.tenants.ensure('default');
  for (const email of emails) await modules.access.users.create(tenant.id, { email, password: PASSWORD });
  await modules.close();
}

describe('two nodes sharing PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let nodes: ServeProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let datasetId: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-nodes-'));

  before(async () => {
    db = await createTestDatabase();
    env = {
      DATAGATE_DATABASE: db.url,
      DATAGATE_REDIS: REDIS,
      DATAGATE_REDIS_PREFIX: `dgtest:${randomUUID()}`,
      DATAGATE_DATA_DIR: dir,
      DATAGATE_PAGE_CACHE_MB: '0',
      DATAGATE_TRUST_PROXY: 'true',
    };
    await createUsers(env, ['locked@example.com', 'bystander@example.com', 'restart@example.com']);
    const modules = await openModules(loadConfig(env));
    const tenant = await modules.access.tenants.ensure('default');
    fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name\n1,one\n2,two\n');
    datasetId = (await modules.catalog.datasets.importFile(tenant.id, { file: path.join(dir, 'a.csv'), name: 'A' })).id;
    await modules.close();
    nodes = await Promise.all([serve(env), serve(env)]);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function newKey(rateLimit: number) {
    const modules = await openModules(loadConfig(env));
    const tenant = await modules.access.tenants.ensure('default');
    const k = await modules.access.keys.create(tenant.id, { name: 'shared', rateLimit });
    await modules.access.keys.bind(tenant.id, k.id, 'dataset', datasetId);
    await modules.close();
    // Both nodes pick up the new key within a second.
    await new Promise((r) => setTimeout(r, 1000));
    return k;
  }

  it('100 concurrent requests with a 60-per-minute key split across both nodes: exactly 60 succeed', async () => {
    const k = await newKey(60);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`${nodes[i % 2].url}/api/dataset/${datasetId}?current=${1 + (i % 3)}`, { headers: { apikey: k.key } }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 60, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 40);
    const byNode = [0, 1].map((n) => statuses.filter((s, i) => i % 2 === n && s === 200).length);
    assert.ok(byNode[0] > 0 && byNode[1] > 0, `both nodes served: ${byNode}`);
  });

  it('reads that run alongside the shared limit check on both nodes: still exactly 60 succeed', async () => {
    const k = await newKey(60);
    const read = (n: number, i: number) =>
      fetch(`${nodes[n].url}/api/dataset/${datasetId}?current=${1 + (i % 3)}`, { headers: { apikey: k.key } });
    // One read on each node first: then each knows the key has room left, and the next
    // reads run their page before the decision comes back from Redis.
    for (const n of [0, 1]) assert.equal((await read(n, 0)).status, 200);
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => read(i % 2, i)));
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 58, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 42);
    for (const res of responses.filter((r) => r.status === 429)) {
      assert.equal(await res.text(), '{"code":429,"msg":"API rate limit exceeded: 60 requests per minute.","data":[]}');
      assert.equal(res.headers.get('x-dataset-version'), null);
      assert.equal(res.headers.get('etag'), null);
    }
  });

  it('a key removed by another process is refused by both nodes within 1 s', async () => {
    const k = await newKey(1000);
    for (const n of nodes)
      assert.equal((await fetch(`${n.url}/api/dataset/${datasetId}`, { headers: { apikey: k.key } })).status, 200);
    await run(BIN, ['key', 'remove', k.id, '--json'], { env: { ...process.env, ...env } });
    const removedAt = Date.now();
    const took: number[] = [];
    for (const n of nodes) {
      let status = 200;
      while (status === 200 && Date.now() - removedAt < 2000) {
        status = (await fetch(`${n.url}/api/dataset/${datasetId}`, { headers: { apikey: k.key } })).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(status, 401);
      took.push(Date.now() - removedAt);
    }
    assert.ok(
      took.every((t) => t < 1000),
      `took ${took.join(', ')} ms`,
    );
  });

  it('a key disabled by another process is refused (403) by both nodes within 1 s; enabled, it reads', async () => {
    const k = await newKey(1000);
    const status = async (n: ServeProcess) =>
      (await fetch(`${n.url}/api/dataset/${datasetId}`, { headers: { apikey: k.key } })).status;
    for (const n of nodes) assert.equal(await status(n), 200);
    for (const [verb, want] of [
      ['disable', 403],
      ['enable', 200],
    ] as const) {
      await run(BIN, ['key', verb, k.id, '--json'], { env: { ...process.env, ...env } });
      const changedAt = Date.now();
      const took: number[] = [];
      for (const n of nodes) {
        let s = await status(n);
        while (s !== want && Date.now() - changedAt < 2000) {
          await new Promise((r) => setTimeout(r, 20));
          s = await status(n);
        }
        assert.equal(s, want, `${verb}: node answers ${s}`);
        took.push(Date.now() - changedAt);
      }
      assert.ok(
        took.every((t) => t < 1000),
        `${verb} took ${took.join(', ')} ms`,
      );
    }
  });

  it('an allowlist and CORS origins set by another process apply on both nodes within 1 s; any clears', async () => {
    const k = await newKey(1000);
    const answer = (n: ServeProcess, address: string) =>
      fetch(`${n.url}/api/dataset/${datasetId}`, {
        headers: { apikey: k.key, 'x-forwarded-for': address, origin: 'https://app.example.com' },
      });
    for (const n of nodes) assert.equal((await answer(n, '10.50.1.1')).status, 200);
    for (const [args, address, want] of [
      [['--allow-ip', '10.50.0.0/24', '--cors-origin', 'https://app.example.com'], '10.50.1.1', 403],
      [['--allow-ip', 'any'], '10.50.1.1', 200],
    ] as const) {
      await run(BIN, ['key', 'update', k.id, ...args, '--json'], { env: { ...process.env, ...env } });
      const changedAt = Date.now();
      const took: number[] = [];
      for (const n of nodes) {
        let res = await answer(n, address);
        while (res.status !== want && Date.now() - changedAt < 2000) {
          await new Promise((r) => setTimeout(r, 20));
          res = await answer(n, address);
        }
        assert.equal(res.status, want, `${args.join(' ')}: node answers ${res.status}`);
        took.push(Date.now() - changedAt);
        if (want === 403) {
          assert.equal(
            await res.text(),
            '{"code":403,"msg":"This address is not allowed for this API key.","data":[]}',
          );
          assert.equal((await answer(n, '10.50.0.9')).status, 200, 'an address inside the list reads');
        }
        assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
      }
      assert.ok(
        took.every((t) => t < 1000),
        `${args.join(' ')} took ${took.join(', ')} ms`,
      );
    }
  });

  it(
    'five wrong passwords on node A lock the email on node B: ' + 'the right password there is 429 SIGNIN_LIMITED',
    async () => {
      for (let i = 0; i < 5; i++)
        assert.equal((await signIn(nodes[0], 'locked@example.com', `wrong ${i}`, '10.20.0.1')).status, 401);
      const refused = await signIn(nodes[1], 'locked@example.com', PASSWORD, '10.20.0.2');
      assert.equal(refused.status, 429);
      assert.equal((await refused.json()).error.code, 'SIGNIN_LIMITED');
      const retry = Number(refused.headers.get('retry-after'));
      assert.ok(retry > 850 && retry <= 900, `Retry-After ${retry}`);
      assert.equal(refused.headers.get('set-cookie'), null);
      assert.equal(
        (await signIn(nodes[1], 'bystander@example.com', PASSWORD, '10.20.0.2')).status,
        200,
        'other emails sign in',
      );
    },
  );

  it('invalid keys spread over both nodes block the address at 20 in total, on both nodes, with any key', async () => {
    const k = await newKey(1000);
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push((await read(nodes[i % 2], BAD_KEY, '10.30.0.1')).status);
    assert.deepEqual(statuses, Array(20).fill(401));
    for (const n of nodes) {
      const blocked = await read(n, BAD_KEY, '10.30.0.1');
      assert.equal(blocked.status, 429);
      assert.deepEqual(await blocked.json(), {
        code: 429,
        msg: `Too many invalid API keys from this address; retry in ${blocked.headers.get('retry-after')} seconds.`,
        data: [],
      });
      assert.ok(Number(blocked.headers.get('retry-after')) > 290);
      assert.equal(
        (await read(n, k.key, '10.30.0.1', datasetId)).status,
        429,
        'a valid key from the blocked address too',
      );
      assert.equal((await read(n, k.key, '10.30.0.2', datasetId)).status, 200, 'another address is served');
    }
  });

  it('a restarted node still blocks the email and the address locked before it started', async () => {
    const k = await newKey(1000);
    for (let i = 0; i < 5; i++)
      assert.equal((await signIn(nodes[0], 'restart@example.com', `wrong ${i}`, '10.40.0.1')).status, 401);
    for (let i = 0; i < 20; i++) assert.equal((await read(nodes[0], BAD_KEY, '10.40.0.2')).status, 401);
    assert.equal((await read(nodes[0], BAD_KEY, '10.40.0.2')).status, 429);

    assert.equal(await nodes[1].stop(), 0);
    nodes[1] = await serve(env);
    const refused = await signIn(nodes[1], 'restart@example.com', PASSWORD, '10.40.0.3');
    assert.equal(refused.status, 429);
    assert.equal((await refused.json()).error.code, 'SIGNIN_LIMITED');
    // The new node learns of the address's block at its first invalid key from it
    // (refused as blocked, not answered 401), and from then on refuses every key.
    assert.equal((await read(nodes[1], BAD_KEY, '10.40.0.2')).status, 429);
    assert.equal((await read(nodes[1], k.key, '10.40.0.2', datasetId)).status, 429);
    assert.equal((await read(nodes[1], k.key, '10.40.0.4', datasetId)).status, 200);
  });
});

describe('two nodes while their Redis is away', () => {
  let db: TestDatabase;
  let nodes: ServeProcess[] = [];
  let redis: Awaited<ReturnType<typeof startRedis>> | undefined;
  const output = ['', ''];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-nodes-'));

  before(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    redis = await startRedis(port);
    const env = {
      DATAGATE_DATABASE: db.url,
      DATAGATE_REDIS: `redis://127.0.0.1:${port}`,
      DATAGATE_REDIS_PREFIX: `dgtest:${randomUUID()}`,
      DATAGATE_DATA_DIR: dir,
      DATAGATE_TRUST_PROXY: 'true',
    };
    await createUsers(env, ['ada@example.com']);
    nodes = await Promise.all([serve(env), serve(env)]);
    nodes.forEach((n, i) => n.child.stdout!.on('data', (d) => (output[i] += d)));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (redis) await killRedis(redis);
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('each node falls back to its own sign-in and invalid-key limits, and says so once in its log', async () => {
    await killRedis(redis!);
    await new Promise((r) => setTimeout(r, 300));

    for (let i = 0; i < 5; i++)
      assert.equal((await signIn(nodes[0], 'ada@example.com', `wrong ${i}`, '10.50.0.1')).status, 401);
    assert.equal(
      (await signIn(nodes[0], 'ada@example.com', PASSWORD, '10.50.0.1')).status,
      429,
      'node A locks the email itself',
    );
    assert.equal(
      (await signIn(nodes[1], 'ada@example.com', PASSWORD, '10.50.0.1')).status,
      200,
      'node B has counted none of it',
    );

    for (let i = 0; i < 20; i++) assert.equal((await read(nodes[0], BAD_KEY, '10.50.0.2')).status, 401);
    assert.equal((await read(nodes[0], BAD_KEY, '10.50.0.2')).status, 429);
    assert.equal((await read(nodes[1], BAD_KEY, '10.50.0.2')).status, 401);

    for (const out of output) {
      const lines = out.split('\n').filter((l) => l.includes('Redis unreachable'));
      assert.equal(lines.length, 1, out);
      assert.match(lines[0], /rate limits and lockouts are per node until it returns/);
    }
  });
});

describe('two nodes running one once-a-minute schedule', () => {
  let db: TestDatabase;
  let nodes: ServeProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let modules: Awaited<ReturnType<typeof openModules>>;
  let tenantId: string;
  let datasetId: string;
  let key: string;
  const logs = ['', ''];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-nodes-'));
  // The source: counts its hits; `stall` makes it send a few rows and then trickle forever.
  const source = { hits: 0, stall: false, body: 'id,name\n1,a\n2,b\n' };
  const sockets = new Set<Socket>();
  const fixture = http.createServer((_req, res) => {
    source.hits++;
    res.setHeader('content-type', 'text/csv');
    if (!source.stall) return res.end(source.body);
    res.write('id,name\n1,a\n');
    const t = setInterval(() => res.write('2,b\n'), 50);
    res.on('close', () => clearInterval(t));
  });
  fixture.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  /** The due times each node logged as claimed ("scheduled sync started"), for this dataset. */
  function claims(): { node: number; dueAt: string }[] {
    return logs.flatMap((out, node) =>
      out
        .split('\n')
        .filter((l) => l.includes('scheduled sync started'))
        .map((l) => JSON.parse(l) as { datasetId: string; dueAt: string })
        .filter((l) => l.datasetId === datasetId)
        .map((l) => ({ node, dueAt: l.dueAt })),
    );
  }

  /** Makes the dataset due now, as its time coming would: the scheduler claims it by moving next_run_at. */
  async function dueNow(): Promise<string> {
    const dueAt = new Date(Date.now() - 1000).toISOString();
    await modules.store.db
      .updateTable('datasetSources')
      .set({ nextRunAt: dueAt })
      .where('datasetId', '=', datasetId)
      .execute();
    return dueAt;
  }

  async function until(what: string, check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > ms) assert.fail(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Waits, if need be, until the next `seconds` hold no minute's start: the schedule's own
   * due time would then come in the middle of what a test stages (at most `seconds` s).
   */
  async function clearOfMinute(seconds: number): Promise<void> {
    const s = new Date().getUTCSeconds();
    // Past the minute's start by 3 s: its own due sync (a few hundred ms) is over.
    if (s > 60 - seconds || s < 3) await new Promise((r) => setTimeout(r, ((63 - s) % 60) * 1000));
  }

  const runs = () => modules.sources.sync.history(tenantId, datasetId);
  const rows = async (node: ServeProcess) => {
    const res = await fetch(`${node.url}/api/dataset/${datasetId}?size=100`, { headers: { apikey: key } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { data: { records: unknown[] } }).data.records;
  };

  before(async () => {
    await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(fixture.address() as { port: number }).port}/rows.csv`;
    db = await createTestDatabase();
    env = {
      DATAGATE_DATABASE: db.url,
      DATAGATE_REDIS: REDIS,
      DATAGATE_REDIS_PREFIX: `dgtest:${randomUUID()}`,
      DATAGATE_DATA_DIR: dir,
      DATAGATE_LOG_LEVEL: 'info',
      // Both nodes look for due syncs five times a second: a due time is raced for at once.
      DATAGATE_SYNC_TICK_MS: '200',
    };
    modules = await openModules(loadConfig(env));
    tenantId = (await modules.access.tenants.ensure('default')).id;
    datasetId = (await modules.sources.sync.connect(tenantId, { name: 'Minutely', url })).dataset.id;
    const k = await modules.access.keys.create(tenantId, { name: 'reader', rateLimit: 10_000 });
    await modules.access.keys.bind(tenantId, k.id, 'dataset', datasetId);
    key = k.key;
    nodes = await Promise.all([serve(env), serve(env)]);
    nodes.forEach((n, i) => n.child.stdout!.on('data', (d) => (logs[i] += d)));
    // Scheduled once the nodes' logs are read (a node claims due times from its start): an
    // edit, which both running nodes pick up at their next look.
    await modules.sources.sync.editSource(tenantId, datasetId, { schedule: '* * * * *' });
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await modules?.close();
    await db.drop();
    for (const s of sockets) s.destroy();
    await new Promise((r) => fixture.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('each due time is synced exactly once across the two nodes', async () => {
    await clearOfMinute(15);
    const injected: string[] = [];
    for (let i = 0; i < 4; i++) {
      const done = (await runs()).filter((r) => r.result === 'ok').length;
      const dueAt = await dueNow();
      injected.push(dueAt);
      await until(`due time ${dueAt} synced`, async () => {
        const now = await runs();
        return (
          claims().some((c) => c.dueAt === dueAt) &&
          now[0].result !== 'running' &&
          now.filter((r) => r.result === 'ok').length > done
        );
      });
    }
    // Ten more looks of each node: a second run of any due time would show now.
    await new Promise((r) => setTimeout(r, 2000));
    const claimed = claims();
    for (const dueAt of injected)
      assert.equal(claimed.filter((c) => c.dueAt === dueAt).length, 1, `${dueAt}: ${JSON.stringify(claimed)}`);
    // Once-a-minute due times that came on their own while the test ran count the same way.
    assert.equal(new Set(claimed.map((c) => c.dueAt)).size, claimed.length, JSON.stringify(claimed));
    const history = await runs();
    assert.equal(history.filter((r) => r.trigger === 'schedule').length, claimed.length);
    assert.ok(
      history.every((r) => r.result === 'ok'),
      JSON.stringify(history),
    );
    assert.equal(source.hits, 1 + claimed.length, 'one fetch for the connect, one per due time');
    // The next due time is the next minute's start, as the schedule says.
    const next = (await modules.sources.sync.source(tenantId, datasetId))!.nextRunAt!;
    assert.match(next, /:00\.000Z$/);
    assert.ok(Date.parse(next) > Date.now() - 1000 && Date.parse(next) <= Date.now() + 60_000, next);
  });

  it('a node killed mid-sync leaves the previous rows served; the next due time runs on the survivor', async () => {
    await until('the key is known to both nodes', async () => {
      const statuses = await Promise.all(
        nodes.map(async (n) => (await fetch(`${n.url}/api/dataset/${datasetId}`, { headers: { apikey: key } })).status),
      );
      return statuses.every((st) => st === 200);
    });
    // Clear of a minute's own due time, which would meet the stalled sync's lock.
    await clearOfMinute(15);
    assert.equal((await rows(nodes[0])).length, 2);
    source.stall = true;
    const hits = source.hits;
    const dueAt = await dueNow();
    await until('the stalled sync reached the source', () => source.hits > hits);
    await until('its node logged the claim', () => claims().some((c) => c.dueAt === dueAt));
    const victim = claims().find((c) => c.dueAt === dueAt)!.node;
    const survivor = nodes[1 - victim];
    // Rows are arriving: the load is under way. Kill the node without a chance to clean up.
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((r) => nodes[victim].child.on('exit', r));
    nodes[victim].child.kill('SIGKILL');
    await exited;
    nodes.splice(victim, 1);

    assert.deepEqual(await rows(survivor), [
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    assert.equal((await runs())[0].result, 'running');

    source.stall = false;
    source.body = 'id,name\n1,a\n2,b\n3,c\n';
    const next = await dueNow();
    await until('the survivor ran the next due time', async () => (await runs())[0].result === 'ok');
    assert.deepEqual(
      claims()
        .filter((c) => c.dueAt === next)
        .map((c) => c.node),
      [1 - victim],
    );
    // The survivor serves the new rows once it sees the new version (its change poll).
    await until('the survivor serves the new rows', async () => (await rows(survivor)).length === 3, 5000);
    const history = await runs();
    assert.deepEqual(
      history.slice(0, 2).map((r) => `${r.trigger}:${r.result}`),
      ['schedule:ok', 'schedule:failed'],
    );
    assert.match(history[1].error!, /interrupted/);
  });
});
