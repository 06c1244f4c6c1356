import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/test-server.ts';

const BIN = path.resolve('bin/datagate');

function csv(rows: number, version: number): string {
  let s = 'n,version,label\n';
  for (let i = 1; i <= rows; i++) s += `${i},${version},row ${i} of version ${version}\n`;
  return s;
}

describe('dataset --replace is atomic', () => {
  let t: TestServer;
  let dsId: string;
  let key: string;
  const OLD_ROWS = 20_000;
  const NEW_ROWS = 300_000;

  before(async () => {
    t = await startTestServer();
    const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('v1.csv', csv(OLD_ROWS, 1)),
      name: 'Versions',
    });
    dsId = ds.id;
    const k = await t.modules.access.keys.create(t.tenant.id, { name: 'reader', rateLimit: 1_000_000 });
    key = k.key;
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', dsId);
    await t.server.refresh();
    t.file('v2.csv', csv(NEW_ROWS, 2));
  });
  after(() => t.close());

  const importer = (file: string) =>
    spawn(BIN, ['dataset', 'import', file, '--replace', dsId, '--json'], {
      cwd: t.dir,
      env: { ...process.env, DATAGATE_DATABASE: t.config.database },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  async function readPage(current: number, size = 500) {
    const res = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${dsId}?current=${current}&size=${size}&_fields=version`,
      headers: { apikey: key },
    });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body).data as { total: number; records: { version: number }[] };
  }

  it('a reader polling during a crash and a replace sees only a complete old or a complete new version', async () => {
    // A reload killed half-way leaves the old rows intact.
    const crashed = importer('v2.csv');
    for (let i = 0; i < 400; i++) {
      if ((await t.modules.store.tables.list(`ds_${dsId}_v2`)).length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.on('exit', r));
    const afterCrash = await readPage(1);
    assert.equal(afterCrash.total, OLD_ROWS);
    assert.ok(afterCrash.records.every((r) => r.version === 1));

    // Now a reload that completes, with a reader polling the whole time.
    const child = importer('v2.csv');
    let done = false;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) =>
      child.on('exit', (code) => {
        done = true;
        r(code);
      }),
    );
    const seen = new Set<number>();
    const check = async (current: number) => {
      const page = await readPage(current);
      assert.ok(page.total === OLD_ROWS || page.total === NEW_ROWS, `total ${page.total}`);
      const expected = page.total === OLD_ROWS ? 1 : 2;
      assert.ok(
        page.records.length > 0 && page.records.every((r) => r.version === expected),
        `mixed rows at total ${page.total}`,
      );
      seen.add(expected);
    };
    for (let reads = 0; !done; reads++) {
      await check(1 + (reads % 40));
      await new Promise((r) => setTimeout(r, 2));
    }
    // The server learns of the swap within a second of the importer's exit.
    for (const started = Date.now(); !seen.has(2) && Date.now() - started < 1000;) {
      await check(1);
      // Let timers run: injected requests alone never yield to the change watcher's poll.
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(await exited, 0, stderr);
    assert.equal(JSON.parse(stdout).rows, NEW_ROWS);
    assert.ok(seen.has(1), 'the reader saw the old version while loading');
    assert.ok(seen.has(2), 'the reader saw the new version after the swap');
    const final = await readPage(600);
    assert.equal(final.total, NEW_ROWS);
    assert.ok(final.records.every((r) => r.version === 2));
    // The replaced table stays for a grace period for readers still on it; the crashed attempt's is gone.
    assert.deepEqual((await t.modules.store.tables.list(`ds_${dsId}_`)).sort(), [`ds_${dsId}_v1`, `ds_${dsId}_v2`]);
  });

  it('a malformed replacement is refused with its line, and the old rows stay', async () => {
    const before = (await readPage(1)).total;
    fs.writeFileSync(path.join(t.dir, 'bad.csv'), 'n,version,label\n1,3,a\n2,3,b,extra\n');
    const child = importer('bad.csv');
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 1);
    assert.match(stderr, /line 3/);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await readPage(1)).total, before);
  });
});
