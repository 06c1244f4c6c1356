import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/modules.ts';
import { StoreUnavailableError } from '../src/shared/errors.ts';
import { openPostgres } from '../src/store/dialects/postgres.ts';
import { pollStatus } from './support/fixtures.ts';
import { startPrivatePostgres } from './support/pg-instance.ts';
import { serve } from './support/processes.ts';

async function seed(env: NodeJS.ProcessEnv, dir: string) {
  const modules = await openModules(loadConfig(env));
  const tenant = await modules.access.tenants.ensure('default');
  fs.writeFileSync(path.join(dir, 'a.csv'), 'id,name\n1,one\n2,two\n3,three\n');
  const ds = await modules.catalog.datasets.importFile(tenant.id, { file: path.join(dir, 'a.csv'), name: 'A' });
  const k = await modules.access.keys.create(tenant.id, { name: 'k', rateLimit: 100_000 });
  await modules.access.keys.bind(tenant.id, k.id, 'dataset', ds.id);
  await modules.close();
  return { datasetId: ds.id, key: k.key };
}

describe('failure behaviour', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-fail-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it(
    'PostgreSQL restarted: requests during the outage get 503 with the envelope, then service ' +
      'resumes without a restart',
    async () => {
      const pg = await startPrivatePostgres();
      const dir = tmp();
      const env = { DATAGATE_DATABASE: pg.url, DATAGATE_DATA_DIR: dir, DATAGATE_PAGE_CACHE_MB: '0' };
      try {
        const { datasetId, key } = await seed(env, dir);
        const node = await serve(env);
        try {
          const read = (n: number) =>
            fetch(`${node.url}/api/dataset/${datasetId}?id=${n},`, { headers: { apikey: key } });
          assert.equal((await read(1)).status, 200);
          pg.stop();
          const during = await read(2);
          assert.equal(during.status, 503);
          assert.deepEqual(await during.json(), {
            code: 503,
            msg: 'The database is unavailable; retry in a few seconds.',
            data: [],
          });
          assert.equal(during.headers.get('retry-after'), '5');
          assert.match(String(during.headers.get('x-request-id')), /.+/);
          assert.equal((await fetch(`${node.url}/readyz`)).status, 503);
          assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
          pg.start();
          const { status } = await pollStatus(
            async () => (await read(3)).status,
            (s) => s === 200,
            10_000,
            100,
          );
          assert.equal(status, 200);
          assert.equal((await fetch(`${node.url}/readyz`)).status, 200);
        } finally {
          assert.equal(await node.stop(), 0);
        }
      } finally {
        pg.destroy();
      }
    },
  );

  it('PostgreSQL stopped: admin reads of control tables get 503 DATABASE_UNAVAILABLE, not 500', async () => {
    const pg = await startPrivatePostgres();
    const dir = tmp();
    const env = { DATAGATE_DATABASE: pg.url, DATAGATE_DATA_DIR: dir };
    try {
      const modules = await openModules(loadConfig(env));
      const tenant = await modules.access.tenants.ensure('default');
      await modules.access.users.create(tenant.id, { email: 'ops@example.com', password: 'correct horse battery' });
      await modules.close();
      const node = await serve(env);
      try {
        const signIn = await fetch(`${node.url}/admin/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: 'ops@example.com', password: 'correct horse battery' }),
        });
        assert.equal(signIn.status, 200);
        const cookie = String(signIn.headers.get('set-cookie')).split(';')[0];
        const get = (url: string) => fetch(`${node.url}${url}`, { headers: { cookie } });
        assert.equal((await get('/admin/api/datasets')).status, 200);
        pg.stop();
        for (const url of ['/admin/api/datasets', '/admin/api/keys', '/admin/api/audit']) {
          const during = await get(url);
          const body = await during.text();
          assert.equal(during.status, 503, `${url}: ${body}`);
          assert.equal(during.headers.get('retry-after'), '5');
          assert.deepEqual(JSON.parse(body), {
            error: {
              code: 'DATABASE_UNAVAILABLE',
              message: 'The database is unavailable; retry in a few seconds',
              requestId: during.headers.get('x-request-id'),
            },
          });
        }
        pg.start();
        const { status } = await pollStatus(
          async () => (await get('/admin/api/datasets')).status,
          (s) => s === 200,
          10_000,
          100,
        );
        assert.equal(status, 200);
      } finally {
        assert.equal(await node.stop(), 0);
      }
    } finally {
      pg.destroy();
    }
  });

  it(
    'PostgreSQL stopped: a held load claim is let go, a new claim and the start-up sweep of orphan tables fail as ' +
      'StoreUnavailableError',
    async () => {
      const pg = await startPrivatePostgres();
      const h = openPostgres(pg.url);
      try {
        assert.deepEqual(await h.tables.list('ds_'), []);
        // A load in progress holds its claim's connection: the server going away under it
        // must not end the process (an unhandled 'error' on the connection), and the
        // claim is let go without an error.
        const held = await h.tables.claim('ds_held');
        pg.stop();
        await new Promise((r) => setTimeout(r, 300));
        await held.release();
        await assert.rejects(h.tables.claim('ds_anything'), StoreUnavailableError);
        await assert.rejects(h.tables.dropOrphans('ds_'), StoreUnavailableError);
      } finally {
        await h.close();
        pg.destroy();
      }
    },
  );

  it('Redis unreachable: the node keeps serving with its own per-key limit', async () => {
    const dir = tmp();
    // Nothing listens on port 1: every Redis command fails at once.
    const env = { DATAGATE_DATABASE: `sqlite:${path.join(dir, 'db.sqlite')}`, DATAGATE_REDIS: 'redis://127.0.0.1:1' };
    const { datasetId } = await seed(env, dir);
    const modules = await openModules(loadConfig(env));
    const tenant = await modules.access.tenants.ensure('default');
    const k = await modules.access.keys.create(tenant.id, { name: 'three', rateLimit: 3 });
    await modules.access.keys.bind(tenant.id, k.id, 'dataset', datasetId);
    await modules.close();
    const node = await serve(env);
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await fetch(`${node.url}/api/dataset/${datasetId}`, { headers: { apikey: k.key } })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
    } finally {
      assert.equal(await node.stop(), 0);
    }
  });

  it('SIGTERM: a request in flight is finished, then the process exits 0', async () => {
    const dir = tmp();
    const env = { DATAGATE_DATABASE: `sqlite:${path.join(dir, 'db.sqlite')}` };
    const { datasetId, key } = await seed(env, dir);
    const node = await serve(env);
    const url = new URL(`${node.url}/api/dataset/${datasetId}`);
    const body = 'current=1&size=2';
    // The request's headers go out now and its body only after SIGTERM: it is in flight.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          headers: {
            apikey: key,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => {
        node.child.kill('SIGTERM');
        setTimeout(() => req.end(body), 300);
      }, 200);
    });
    const res = await response;
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).data.records.length, 2);
    const code = await new Promise((r) =>
      node.child.exitCode !== null ? r(node.child.exitCode) : node.child.on('exit', r),
    );
    assert.equal(code, 0);
  });
});
