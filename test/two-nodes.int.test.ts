import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/modules.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';
import { BIN, serve, type ServeProcess } from './support/processes.ts';

const REDIS = process.env.DATAGATE_TEST_REDIS ?? 'redis://127.0.0.1:6379';
const run = promisify(execFile);

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
    };
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
      Array.from({ length: 100 }, (_, i) => fetch(`${nodes[i % 2].url}/api/dataset/${datasetId}?current=${1 + (i % 3)}`, { headers: { apikey: k.key } })),
    );
    const statuses = responses.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 60, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 40);
    const byNode = [0, 1].map((n) => statuses.filter((s, i) => i % 2 === n && s === 200).length);
    assert.ok(byNode[0] > 0 && byNode[1] > 0, `both nodes served: ${byNode}`);
  });

  it('a key removed by another process is refused by both nodes within 1 s', async () => {
    const k = await newKey(1000);
    for (const n of nodes) assert.equal((await fetch(`${n.url}/api/dataset/${datasetId}`, { headers: { apikey: k.key } })).status, 200);
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
    assert.ok(took.every((t) => t < 1000), `took ${took.join(', ')} ms`);
  });
});
