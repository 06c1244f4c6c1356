import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/server.ts';
import { BIN } from './support/processes.ts';
import { freshDatabase, TEST_BACKEND, testRedisEnv, type FreshDatabase } from './support/test-server.ts';

const run = promisify(execFile);

// Rows in the reload: enough that the load runs for seconds on either backend (it is
// killed, or watched, while it runs), few enough to write in well under a second.
const BIG_ROWS = 200_000;

describe('a load killed half-way: its table is dropped when a process next opens the store', () => {
  let dir: string;
  let db: FreshDatabase;
  let env: NodeJS.ProcessEnv;
  let datasetId: string;
  let keyText: string;
  const children: ChildProcess[] = [];

  const dg = async (...args: string[]) => JSON.parse((await run(BIN, ['--json', ...args], { cwd: dir, env })).stdout);

  /**
   * The rows in `table` (its highest `_row`, 0 when empty), or null when there is no such table; read directly, as an
   * operator would.
   */
  async function rowsIn(table: string): Promise<number | null> {
    if (TEST_BACKEND === 'sqlite') {
      const raw = new Database(db.url.slice('sqlite:'.length), { readonly: true });
      try {
        if (!raw.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table)) return null;
        return Number((raw.prepare(`SELECT coalesce(max("_row"), 0) AS n FROM "${table}"`).get() as { n: number }).n);
      } finally {
        raw.close();
      }
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const found = await client.query(
        'SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1',
        [table],
      );
      if (found.rows.length === 0) return null;
      return Number((await client.query(`SELECT coalesce(max("_row"), 0)::int AS n FROM "${table}"`)).rows[0].n);
    } finally {
      await client.end();
    }
  }

  /** Starts `dataset import big.csv --replace` and resolves once its new table holds rows. */
  async function startReload(): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
    const child = spawn(BIN, ['--json', 'dataset', 'import', 'big.csv', '--replace', datasetId], { cwd: dir, env });
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (;;) {
      if (child.exitCode !== null)
        assert.fail(`the reload ended (${child.exitCode}) before it was caught loading: ${err}`);
      const n = await rowsIn(`ds_${datasetId}_v2`);
      if (n !== null && n > 0) return { child, exited };
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-crash-'));
    db = await freshDatabase();
    env = { ...process.env, DATAGATE_DATABASE: db.url, DATAGATE_LOG_LEVEL: 'warn', ...testRedisEnv() };
    fs.writeFileSync(path.join(dir, 'tickets.csv'), 'id,summary\n1,Printer offline\n2,VPN down\n');
    const lines = ['id,summary,priority,opened'];
    for (let i = 1; i <= BIG_ROWS; i++)
      lines.push(`${i},Ticket number ${i} about something,${i % 5},2024-0${1 + (i % 9)}-1${i % 9}`);
    fs.writeFileSync(path.join(dir, 'big.csv'), lines.join('\n') + '\n');
    datasetId = (await dg('dataset', 'import', 'tickets.csv', '--name', 'Tickets')).id;
    const key = await dg('key', 'create', '--name', 'client', '--rate-limit', '1000');
    await dg('key', 'bind', key.id, '--dataset', datasetId);
    keyText = key.key;
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'kill -9 during a reload leaves the new table; a restarted server drops it, logs it and ' +
      'still serves the old rows',
    async () => {
      const { child, exited } = await startReload();
      child.kill('SIGKILL');
      await exited;
      const left = await rowsIn(`ds_${datasetId}_v2`);
      assert.ok(left !== null && left > 0, 'the killed load left its half-loaded table');

      const server = spawn(BIN, ['serve', '--port', '0', '--json'], { cwd: dir, env });
      children.push(server);
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout!.on('data', (d) => {
          out += d;
          const m = out.match(/"listening":"([^"]+)"/);
          if (m) resolve(m[1]);
        });
        server.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      try {
        assert.equal(await rowsIn(`ds_${datasetId}_v2`), null, 'the leftover table is gone');
        const logged = out
          .split('\n')
          .filter((l) => l.includes('interrupted load'))
          .map((l) => JSON.parse(l));
        assert.equal(logged.length, 1, out);
        assert.equal(logged[0].table, `ds_${datasetId}_v2`);
        assert.ok(logged[0].bytes > 0, 'the log gives its size');
        const res = await fetch(`${url}/api/dataset/${datasetId}`, { headers: { apikey: keyText } });
        assert.equal(res.status, 200);
        assert.deepEqual((await res.json()).data.records, [
          { id: 1, summary: 'Printer offline' },
          { id: 2, summary: 'VPN down' },
        ]);
      } finally {
        const stopped = new Promise((r) => server.on('exit', r));
        server.kill('SIGTERM');
        await stopped;
      }
      const [ds] = (await dg('dataset', 'list')).datasets;
      assert.equal(ds.version, 1);
      assert.equal(ds.rows, 2);
    },
  );

  it('a process starting while another loads leaves the live load alone, and the load completes', async () => {
    const { child, exited } = await startReload();
    const config = loadConfig({ DATAGATE_DATABASE: db.url, DATAGATE_LOG_LEVEL: 'silent' });
    const modules = await openModules(config);
    try {
      assert.deepEqual(modules.droppedTables, []);
      // Also the sweep a load runs first for its own dataset.
      assert.deepEqual(await modules.store.tables.dropOrphans(`ds_${datasetId}_`), []);
      // A second reload of the same dataset meanwhile is refused, not run over the first.
      const tenant = await modules.access.tenants.ensure(config.tenant);
      await assert.rejects(
        modules.catalog.datasets.importFile(tenant.id, { file: path.join(dir, 'tickets.csv'), replaceId: datasetId }),
        (e: Error & { code?: string }) => e.code === 'CONFLICT' && /being loaded by another process/.test(e.message),
      );
    } finally {
      await modules.close();
    }
    assert.equal(child.exitCode, null, 'the load was still running while the other process started');
    assert.ok(((await rowsIn(`ds_${datasetId}_v2`)) ?? 0) > 0, 'its table is still there');
    assert.equal(await exited, 0, 'the load finished');
    const [ds] = (await dg('dataset', 'list')).datasets;
    assert.equal(ds.version, 2);
    assert.equal(await rowsIn(`ds_${datasetId}_v2`), BIG_ROWS);
  });
});
