import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { freshDatabase, TEST_BACKEND, type FreshDatabase } from './support/test-server.ts';

const csv = (n: number, tag: string) =>
  'id,board,hours\n' + Array.from({ length: n }, (_, i) => `${i + 1},${tag}${i % 5},${i % 7}`).join('\n') + '\n';

describe('datagate backup while serving, and restore into an empty database', () => {
  let ws: CliWorkspace;
  let fresh: FreshDatabase;
  let dsId: string;
  let widgetId: string;
  const keys: { id: string; key: string; name: string }[] = [];

  before(async () => {
    ws = await cliWorkspace('backup');
    fresh = await freshDatabase();
    ws.write('v1.csv', csv(300, 'one'));
    ws.write('v2.csv', csv(400, 'two'));
    dsId = (await ws.dg('dataset', 'import', 'v1.csv', '--name', 'Tickets')).id;
    ws.write(
      'w.json',
      JSON.stringify({
        name: 'Hours by board',
        dataset: dsId,
        chart: 'bar',
        dimensions: [{ field: 'board', label: 'Board' }],
        measures: [{ agg: 'sum', field: 'hours', label: 'Hours' }],
      }),
    );
    widgetId = (await ws.dg('widget', 'create', 'w.json')).id;
    for (const name of ['reads the dataset', 'reads the widget'])
      keys.push(await ws.dg('key', 'create', '--name', name, '--rate-limit', '100000'));
    await ws.dg('key', 'bind', keys[0].id, '--dataset', dsId);
    await ws.dg('key', 'bind', keys[1].id, '--widget', widgetId);
  });
  after(async () => {
    await ws?.close();
    await fresh?.drop();
  });

  const rowsOf = async (url: string, key: string) => {
    const res = await fetch(`${url}/api/dataset/${dsId}?current=1&size=1000`, { headers: { apikey: key } });
    assert.equal(res.status, 200);
    return (await res.json()).data as { total: number; records: { id: number; board: string }[] };
  };

  it('backs up while a server answers reads and a reload runs, then restores every key, binding and row', async () => {
    const server = await ws.serve();
    const backupFile = path.join(ws.dir, 'backups', 'datagate.backup');
    // Reads and a reload run during the backup; every read answers in full, before and after.
    let reading = true;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const page = await rowsOf(server.url, keys[0].key);
        assert.ok(page.total === 300 || page.total === 400, `total ${page.total}`);
        reads++;
      }
    })();
    const reload = ws.run(['--json', 'dataset', 'import', 'v2.csv', '--replace', dsId]);
    const backup = await ws.run(['backup', backupFile]);
    const reloaded = await reload;
    reading = false;
    await reader;
    assert.equal(reloaded.code, 0, reloaded.stderr);
    assert.equal(backup.code, 0, backup.stderr);
    assert.ok(reads > 0);
    assert.ok(fs.statSync(backupFile).size > 0);

    // Where the secret is, and never the secret.
    const secretFile = path.join(ws.dir, 'data', 'secret.key');
    const secret = fs.readFileSync(secretFile, 'utf8').trim();
    assert.match(backup.stdout, /encrypted with the server secret, which is not in the backup/);
    assert.ok(backup.stdout.includes(secretFile), backup.stdout);
    assert.ok(!backup.stdout.includes(secret) && !backup.stderr.includes(secret));
    // Never over an existing file.
    const again = await ws.run(['backup', backupFile]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists: a backup never overwrites a file/);

    // The original is not empty: refused, and left as it was.
    const refused = await ws.run(['restore', backupFile]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /is not empty \(\d+ tables.*restore only into an empty database/);

    const restored = await ws.run(['--json', '--database', fresh.url, 'restore', backupFile]);
    assert.equal(restored.code, 0, restored.stderr);
    const answer = JSON.parse(restored.stdout);
    assert.deepEqual(answer.migrated, []);
    // As the restore says: the copy needs the same secret, where this configuration looks for it
    // (SQLite: beside the copy's file; PostgreSQL: the same ./data).
    if (answer.secret !== secretFile) {
      assert.equal(TEST_BACKEND, 'sqlite');
      assert.ok(!fs.existsSync(answer.secret));
      fs.copyFileSync(secretFile, answer.secret);
    }

    // Keys, bindings and datasets as they were (the reload is in the copy whole, or not at all).
    const original = await ws.dg('key', 'list');
    const copy = await ws.dg('--database', fresh.url, 'key', 'list');
    const strip = (ks: { lastUsedAt: unknown }[]) => ks.map((k) => ({ ...k, lastUsedAt: undefined }));
    assert.deepEqual(strip(copy.keys), strip(original.keys));
    for (const k of keys) assert.equal((await ws.dg('--database', fresh.url, 'key', 'show', k.id)).key, k.key);
    const [ds] = (await ws.dg('--database', fresh.url, 'dataset', 'list')).datasets;
    assert.equal(ds.id, dsId);
    assert.ok(ds.rows === 300 || ds.rows === 400, `rows ${ds.rows}`);
    assert.deepEqual(
      (await ws.dg('--database', fresh.url, 'widget', 'list')).widgets.map((w: { id: string }) => w.id),
      [widgetId],
    );

    // Served from the copy with the same secret: every key authenticates and reads its rows.
    await server.stop();
    const copyServer = await ws.serve(['serve', '--database', fresh.url, '--port', '0', '--json']);
    const page = await rowsOf(copyServer.url, keys[0].key);
    assert.equal(page.total, ds.rows);
    const tag = ds.rows === 300 ? 'one' : 'two';
    assert.deepEqual(
      page.records.map((r) => [Number(r.id), r.board]),
      Array.from({ length: ds.rows }, (_, i) => [i + 1, `${tag}${i % 5}`]),
    );
    const widget = await fetch(`${copyServer.url}/api/widget/${widgetId}`, { headers: { apikey: keys[1].key } });
    assert.equal(widget.status, 200);
    assert.equal((await widget.json()).data.length, 5);
    // Bindings hold: the widget's key does not read the dataset.
    const denied = await fetch(`${copyServer.url}/api/dataset/${dsId}`, { headers: { apikey: keys[1].key } });
    assert.equal(denied.status, 403);
  });

  it(`refuses a backup of the other backend (${TEST_BACKEND === 'sqlite' ? 'PostgreSQL' : 'SQLite'})`, async () => {
    ws.write('other.backup', TEST_BACKEND === 'sqlite' ? 'PGDMP\u0001\u000e' : 'SQLite format 3\u0000');
    const other = await freshDatabase();
    try {
      const r = await ws.run(['--database', other.url, 'restore', 'other.backup']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /is not a backup of a (SQLite|PostgreSQL) database \(it is one of a/);
    } finally {
      await other.drop();
    }
  });
});
