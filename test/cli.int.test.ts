import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { databaseText } from './support/postgres.ts';
import { TEST_BACKEND } from './support/test-server.ts';

describe('the command line, end to end in a temporary directory', () => {
  // SQLite: no database is given, so that the default (./data/datagate.db) is what is tested.
  let ws: CliWorkspace;
  let dir: string;
  const dg = (...args: string[]) => ws.dg(...args);
  const dgFail = (...args: string[]) => ws.dgFail(...args);

  before(async () => {
    ws = await cliWorkspace('cli');
    dir = ws.dir;
    ws.write(
      'tickets.csv',
      'id,summary,priority,opened\n1,Printer offline,2,2024-01-02\n2,"VPN, again",4,2024-02-03\n3,Email,1,2024-03-04\n',
    );
    ws.write('v2.ndjson', '{"id":10,"summary":"New world","priority":3,"opened":"2024-05-06"}\n');
  });
  after(() => ws?.close());

  it('imports, creates and binds a key, serves, and answers with the expected rows', async () => {
    const ds = await dg(
      'dataset',
      'import',
      'tickets.csv',
      '--name',
      'Tickets',
      '--integration',
      'ConnectWise',
      '--type',
      'priority=TEXT',
    );
    assert.match(ds.id, /^\d{19}$/);
    assert.equal(ds.rows, 3);
    assert.deepEqual(ds.fields, [
      { name: 'id', type: 'NUMBER' },
      { name: 'summary', type: 'TEXT' },
      { name: 'priority', type: 'TEXT' },
      { name: 'opened', type: 'DATE' },
    ]);
    if (TEST_BACKEND === 'sqlite')
      assert.ok(fs.existsSync(path.join(dir, 'data', 'datagate.db')), 'default database under ./data');
    // On PostgreSQL too the generated secret goes to ./data (DATAGATE_DATA_DIR unset).
    const secretStat = fs.statSync(path.join(dir, 'data', 'secret.key'));
    assert.equal(secretStat.mode & 0o777, 0o600);

    const key = await dg('key', 'create', '--name', 'client', '--rate-limit', '100');
    assert.match(key.key, /^dgk_[0-9a-f]{40}$/);
    assert.equal(key.rateLimit, 100);
    assert.deepEqual(await dg('key', 'show', key.id), { id: key.id, key: key.key });
    assert.deepEqual((await dg('key', 'bind', key.id, '--dataset', ds.id)).bound, { key: key.id, dataset: ds.id });
    const list = await dg('key', 'list');
    assert.equal(list.keys.length, 1);
    assert.equal(JSON.stringify(list).includes(key.key), false, 'key list shows no secret');
    assert.deepEqual(list.keys[0].bindings.datasets, [ds.id]);
    assert.equal((await dg('dataset', 'list')).datasets[0].integrationGroup, 'ConnectWise');

    if (TEST_BACKEND === 'sqlite') {
      const file = fs.readFileSync(path.join(dir, 'data', 'datagate.db'));
      assert.equal(file.includes(Buffer.from(key.key.slice(4))), false, 'the database holds no plain key');
    } else {
      const dump = await databaseText(ws.url);
      assert.match(dump, new RegExp(`api_keys: \\(${key.id},`), 'the dump has the key row');
      assert.equal(dump.includes(key.key.slice(4)), false, 'the database holds no plain key');
    }

    const server = await ws.serve();
    const url = server.url;
    const res = await fetch(`${url}/api/dataset/${ds.id}?summary=a&_sort=-id`, { headers: { apikey: key.key } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.data.records, [
      { id: 3, summary: 'Email', priority: '1', opened: '2024-03-04' },
      { id: 2, summary: 'VPN, again', priority: '4', opened: '2024-02-03' },
    ]);

    const reloaded = await dg('dataset', 'import', 'v2.ndjson', '--replace', ds.id);
    assert.equal(reloaded.rows, 1);
    let records: unknown[] = [];
    for (const started = Date.now(); Date.now() - started < 1000;) {
      records = (await (await fetch(`${url}/api/dataset/${ds.id}`, { headers: { apikey: key.key } })).json()).data
        .records;
      if (records.length === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(records, [{ id: 10, summary: 'New world', priority: 3, opened: '2024-05-06' }]);

    assert.deepEqual(await dg('public-api', 'disable'), { enabled: false });
    let status = 200;
    for (const started = Date.now(); status === 200 && Date.now() - started < 1000;) {
      status = (await fetch(`${url}/api/dataset/${ds.id}`, { headers: { apikey: key.key } })).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status, 403);
    assert.deepEqual(await dg('public-api', 'enable'), { enabled: true });

    assert.deepEqual(await dg('key', 'unbind', key.id, '--dataset', ds.id), {
      unbound: { key: key.id, dataset: ds.id },
    });
    assert.deepEqual(await dg('key', 'remove', key.id), { removed: key.id });
    assert.deepEqual((await dg('key', 'list')).keys, []);

    assert.equal(await server.stop(), 0);
  });

  it('exits 2 on usage errors and 1 on failures, with the reason on stderr', async () => {
    const usage = await dgFail('key', 'create');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--name/);
    const badType = await dgFail('dataset', 'import', 'tickets.csv', '--name', 'x', '--type', 'priority=FLOAT');
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /FIELD=TYPE/);
    const unknownCommand = await dgFail('nope');
    assert.equal(unknownCommand.code, 2);
    const missingKey = await dgFail('key', 'show', '42');
    assert.equal(missingKey.code, 1);
    assert.match(missingKey.stderr, /no key "42"/);
    ws.write('bad.csv', 'a,b\n1,2\n3,4,5\n');
    const bad = await dgFail('dataset', 'import', 'bad.csv', '--name', 'Bad');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /line 3/);
    assert.equal(bad.stdout, '');
  });

  it('has --help on every command', async () => {
    for (const args of [
      [],
      ['serve'],
      ['demo'],
      ['dataset', 'import'],
      ['dataset', 'list'],
      ['key', 'create'],
      ['key', 'list'],
      ['key', 'show'],
      ['key', 'remove'],
      ['key', 'bind'],
      ['key', 'unbind'],
      ['public-api', 'enable'],
      ['public-api', 'disable'],
    ]) {
      const r = await ws.run([...args, '--help']);
      assert.match(r.stdout, /Usage: datagate/, args.join(' '));
    }
  });
});
