// Live datasets (spec section 13): sources, syncs, schedules, history and credentials,
// against a local HTTP fixture server, a PostgreSQL database and a MariaDB database of
// this file's own, on the datagate store of this run's backend.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { openModules, type Modules } from '../src/modules.ts';
import { DomainError } from '../src/shared/errors.ts';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { boundKey } from './support/fixtures.ts';
import { createTestDatabase, databaseText, type TestDatabase } from './support/postgres.ts';
import { BIN } from './support/processes.ts';
import { startTestServer, TEST_BACKEND, type TestServer } from './support/test-server.ts';

const PG_PASSWORD = 'pg-Pa55word-7781';
const MY_PASSWORD = 'my-Pa55word-4412';
const TOKEN = 'tok-Secret-99310';
const QUERY_TOKEN = 'qs-Secret-55120';
const SECRETS = [PG_PASSWORD, MY_PASSWORD, TOKEN, QUERY_TOKEN];
// The MySQL/MariaDB server the source tests create their database and user on: this
// machine's (and CI's, see .ci/run), root without a password, unless DATAGATE_TEST_MYSQL says.
const MYSQL_ADMIN_URL = new URL(process.env.DATAGATE_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test');
const MYSQL_ADMIN = {
  host: MYSQL_ADMIN_URL.hostname,
  port: Number(MYSQL_ADMIN_URL.port || 3306),
  user: decodeURIComponent(MYSQL_ADMIN_URL.username),
  password: decodeURIComponent(MYSQL_ADMIN_URL.password),
};

/** What the fixture's /mutable serves; tests change it between syncs. */
const mutable = { status: 200, body: 'id,name\n1,a\n2,b\n', stallHits: 0 };

function fixtureServer() {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const send = (type: string, body: string | Buffer) => {
      res.setHeader('content-type', type);
      res.end(body);
    };
    switch (url.pathname) {
      case '/tickets.csv':
        return send(
          'text/csv',
          'id,summary,opened,urgent\n1,Printer offline,2023-02-01,true\n2,VPN down,2023-02-02,false\n',
        );
      case '/doc.json':
        return send(
          'application/json',
          '{"meta":{"n":2},"data":{"items":[{"id":1534956341424005122,"name":"a"},{"id":2,"name":"b"}]}}',
        );
      case '/rows.ndjson':
        return send('application/x-ndjson', '{"id":1,"v":"x"}\n{"id":2,"v":"y"}\n{"id":3,"v":"z"}\n');
      case '/noext':
        return send('text/plain', '{"id":1}\n{"id":2}\n');
      case '/auth.ndjson':
        if (req.headers.authorization !== `Bearer ${TOKEN}` || url.searchParams.get('token') !== QUERY_TOKEN) {
          res.statusCode = 401;
          return res.end();
        }
        return send('application/x-ndjson', '{"id":1,"who":"authorised"}\n');
      case '/basic.csv':
        if (req.headers.authorization !== `Basic ${Buffer.from(`reader:${TOKEN}`).toString('base64')}`) {
          res.statusCode = 401;
          return res.end();
        }
        return send('text/csv', 'id\n1\n');
      case '/mutable':
        res.statusCode = mutable.status;
        return send('text/csv', mutable.body);
      case '/slow':
        return; // never answers: the source's timeout ends it
      case '/fail':
        res.statusCode = 500;
        return res.end('boom');
      case '/malformed.json':
        return send('application/json', '[{"id":1},{"id":');
      case '/badcsv.csv':
        return send('text/csv', 'id,name\n1,"unclosed\n');
      case '/big-declared':
        res.setHeader('content-length', String(2 * 1024 * 1024));
        return send('text/csv', Buffer.alloc(2 * 1024 * 1024, 'a'));
      case '/big-chunked': {
        res.setHeader('content-type', 'text/csv');
        res.write('id\n');
        for (let i = 0; i < 40; i++) res.write(`${'1'.repeat(64 * 1024 - 1)}\n`);
        return res.end();
      }
      case '/abort':
        res.setHeader('content-type', 'text/csv');
        res.write('id,name\n1,a\n2,b\n3,');
        setTimeout(() => req.socket.destroy(), 50);
        return;
      case '/stall':
        // Rows trickle forever: the sync is under way until its process is killed.
        mutable.stallHits++;
        res.setHeader('content-type', 'text/csv');
        res.write('id,name\n1,a\n');
        {
          const t = setInterval(() => res.write('2,b\n'), 50);
          res.on('close', () => clearInterval(t));
        }
        return;
      default:
        res.statusCode = 404;
        return res.end();
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    async start(): Promise<string> {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

let t: TestServer;
let base: string;
let fixture: ReturnType<typeof fixtureServer>;
let pgSource: TestDatabase;
let pgUrl: string;
let myDb: string;
let myUrl: string;
let admin: AdminClient;

function sourceFailed(msg: RegExp) {
  return (e: unknown) => e instanceof DomainError && e.code === 'SOURCE_FAILED' && msg.test(e.message);
}
function invalid(msg: RegExp) {
  return (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && msg.test(e.message);
}

/** Every record of a dataset through the public API with a key bound to it. */
async function records(id: string): Promise<Record<string, unknown>[]> {
  const k = await boundKey(t, { name: `reader ${randomBytes(3).toString('hex')}`, datasets: [id] });
  await t.server.refresh();
  const res = await t.server.app.inject({
    method: 'GET',
    url: `/api/dataset/${id}?size=1000`,
    headers: { apikey: k.key },
  });
  assert.equal(res.statusCode, 200, res.body);
  return JSON.parse(res.body).data.records;
}

async function datasetCount(): Promise<number> {
  return (await t.modules.catalog.datasets.list(t.tenant.id)).length;
}

const sync = () => t.modules.sources.sync;

/** Everything the store holds, as text: the control rows (both backends) and, on SQLite, the file's bytes. */
async function storedText(): Promise<string> {
  if (TEST_BACKEND === 'postgres') return databaseText(t.config.database);
  const file = t.config.database.slice('sqlite:'.length);
  return ['', '-wal']
    .filter((s) => fs.existsSync(file + s))
    .map((s) => fs.readFileSync(file + s).toString('latin1'))
    .join('\n');
}

function assertNoSecret(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} shows a secret: ${text.slice(0, 500)}`);
}

before(async () => {
  fixture = fixtureServer();
  base = await fixture.start();
  t = await startTestServer({ DATAGATE_SOURCE_MAX_MB: '1', DATAGATE_SOURCE_TIMEOUT_S: '2' });
  admin = await signedInAdmin(t);

  pgSource = await createTestDatabase();
  const u = new URL(pgSource.url);
  // The test server trusts local connections: the password is carried, never checked.
  u.password = PG_PASSWORD;
  pgUrl = u.toString();
  const c = new pg.Client({ connectionString: pgSource.url });
  await c.connect();
  await c.query(`
    CREATE TABLE tickets (id bigint, cost numeric(12,2), open boolean, opened date, at timestamptz, note text);
    INSERT INTO tickets VALUES
      (1534956341424005122, 12.50, true, '2023-02-01', '2023-02-10 10:50:28.123+02', 'first'),
      (2, NULL, false, NULL, NULL, NULL);
    CREATE SEQUENCE seq;`);
  await c.end();

  myDb = `dgsrc_${randomBytes(5).toString('hex')}`;
  const m = await mysql.createConnection(MYSQL_ADMIN);
  await m.query(`CREATE DATABASE ${myDb}`);
  for (const host of ['%', 'localhost', '127.0.0.1']) {
    await m.query(`CREATE USER '${myDb}'@'${host}' IDENTIFIED BY '${MY_PASSWORD}'`);
    await m.query(`GRANT SELECT ON ${myDb}.* TO '${myDb}'@'${host}'`);
  }
  await m.query(
    `CREATE TABLE ${myDb}.orders (id BIGINT, total DECIMAL(12,2), day DATE, at DATETIME(3), who VARCHAR(40))`,
  );
  await m.query(
    `INSERT INTO ${myDb}.orders VALUES (1534956341424005122, 99.95, '2023-03-01', '2023-03-01 12:00:00.250', 'Acme'),` +
      ` (7, NULL, NULL, NULL, NULL)`,
  );
  await m.end();
  myUrl = `mysql://${myDb}:${MY_PASSWORD}@${MYSQL_ADMIN.host}:${MYSQL_ADMIN.port}/${myDb}`;
});

after(async () => {
  await t?.close();
  await fixture?.stop();
  await pgSource?.drop();
  if (myDb) {
    const m = await mysql.createConnection(MYSQL_ADMIN);
    await m.query(`DROP DATABASE IF EXISTS ${myDb}`);
    for (const host of ['%', 'localhost', '127.0.0.1']) await m.query(`DROP USER IF EXISTS '${myDb}'@'${host}'`);
    await m.end();
  }
});

describe('HTTP sources', () => {
  it('a CSV URL: connected, typed, read through the public API', async () => {
    const r = await sync().connect(t.tenant.id, {
      name: 'Tickets',
      url: `${base}/tickets.csv`,
      integrationGroup: 'PSA',
    });
    assert.equal(r.dataset.rowCount, 2);
    assert.deepEqual(
      r.dataset.fields.map((f) => `${f.name}:${f.type}`),
      ['id:NUMBER', 'summary:TEXT', 'opened:DATE', 'urgent:BOOLEAN'],
    );
    assert.equal(r.dataset.integrationGroup, 'PSA');
    const rows = await records(r.dataset.id);
    assert.deepEqual(rows[0], { id: 1, summary: 'Printer offline', opened: '2023-02-01', urgent: true });
  });

  it('a JSON document: --records-path picks the array, and 64-bit integers keep every digit', async () => {
    const r = await sync().connect(t.tenant.id, { name: 'Doc', url: `${base}/doc.json`, recordsPath: 'data.items' });
    assert.equal(r.dataset.rowCount, 2);
    const k = await boundKey(t, { name: 'doc reader', datasets: [r.dataset.id] });
    await t.server.refresh();
    const res = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${r.dataset.id}`,
      headers: { apikey: k.key },
    });
    assert.match(res.body, /"id":1534956341424005122,/);
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'Doc', url: `${base}/doc.json`, recordsPath: 'data.nothing' }),
      sourceFailed(/nothing at the records path "data.nothing"/),
    );
  });

  it('NDJSON by its Content-Type; a response of unknown type needs --format', async () => {
    const r = await sync().connect(t.tenant.id, { name: 'Rows', url: `${base}/rows.ndjson` });
    assert.equal(r.dataset.rowCount, 3);
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'Plain', url: `${base}/noext` }),
      sourceFailed(/can't tell the format.*--format/),
    );
    const p = await sync().connect(t.tenant.id, { name: 'Plain', url: `${base}/noext`, format: 'ndjson' });
    assert.equal(p.dataset.rowCount, 2);
  });

  it('a user and password in the URL are sent as HTTP Basic credentials, and masked', async () => {
    const url = `${base.replace('http://', `http://reader:${TOKEN}@`)}/basic.csv`;
    const r = await sync().connect(t.tenant.id, { name: 'Basic', url });
    assert.equal(r.dataset.rowCount, 1);
    assert.equal((await sync().source(t.tenant.id, r.dataset.id))!.url, url.replace(TOKEN, '****'));
  });

  it('a source that fails creates nothing: timeout, 500, malformed data, a body over the limit', async () => {
    const before = await datasetCount();
    const cases: [string, RegExp][] = [
      ['/slow', /did not answer in full within 2 s/],
      ['/fail', /answered HTTP 500/],
      ['/malformed.json', /malformed|JSON|expected|unexpected|end/i],
      ['/badcsv.csv', /quote|line/i],
      ['/big-declared', /2097152 bytes, more than the 1 MB allowed/],
      ['/big-chunked', /more than the 1 MB allowed/],
      ['/abort', /could not be read|terminated|socket|closed|aborted/i],
      ['/missing.csv', /answered HTTP 404/],
    ];
    for (const [p, msg] of cases)
      await assert.rejects(sync().connect(t.tenant.id, { name: `bad ${p}`, url: `${base}${p}` }), sourceFailed(msg), p);
    assert.equal(await datasetCount(), before);
    // Nothing of the failed fetches is left on disk.
    assert.deepEqual(fs.readdirSync(path.join(t.dir, 'sync')), []);
  });
});

describe('database sources', () => {
  it('a PostgreSQL query: columns typed by their database type, values exact', async () => {
    const r = await sync().connect(t.tenant.id, {
      name: 'PG tickets',
      url: pgUrl,
      query: 'SELECT * FROM tickets ORDER BY id DESC;',
    });
    assert.deepEqual(
      r.dataset.fields.map((f) => `${f.name}:${f.type}`),
      ['id:NUMBER', 'cost:NUMBER', 'open:BOOLEAN', 'opened:DATE', 'at:DATETIME', 'note:TEXT'],
    );
    const k = await boundKey(t, { name: 'pg reader', datasets: [r.dataset.id] });
    await t.server.refresh();
    const res = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${r.dataset.id}`,
      headers: { apikey: k.key },
    });
    assert.match(
      res.body,
      /"id":1534956341424005122,"cost":12.5,"open":true,"opened":"2023-02-01","at":"2023-02-10T08:50:28.123Z"/,
    );
    assert.match(res.body, /"id":2,"cost":null,"open":false,"opened":null,"at":null,"note":null/);
  });

  it('a PostgreSQL query runs read only: writes, several statements and non-reads are refused', async () => {
    const before = await datasetCount();
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: pgUrl, query: 'SELECT 1; DROP TABLE tickets' }),
      invalid(/several statements/),
    );
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: pgUrl, query: 'DELETE FROM tickets' }),
      invalid(/one read statement/),
    );
    await assert.rejects(
      sync().connect(t.tenant.id, {
        name: 'x',
        url: pgUrl,
        query: 'WITH d AS (DELETE FROM tickets RETURNING *) SELECT * FROM d',
      }),
      sourceFailed(/data-modifying/),
    );
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: pgUrl, query: 'SELECT * FROM tickets WHERE false' }),
      sourceFailed(/returned no rows: a sync never empties a dataset/),
    );
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: pgUrl, query: "SELECT nextval('seq')" }),
      sourceFailed(/read-only transaction/),
    );
    const c = new pg.Client({ connectionString: pgSource.url });
    await c.connect();
    const left = await c.query("SELECT count(*)::int AS n, nextval('seq')::int AS s FROM tickets");
    await c.end();
    assert.deepEqual(left.rows[0], { n: 2, s: 1 });
    assert.equal(await datasetCount(), before);
  });

  it('a MySQL query: typed, exact, read only', async () => {
    const r = await sync().connect(t.tenant.id, {
      name: 'Orders',
      url: myUrl,
      query: 'SELECT * FROM orders ORDER BY id DESC',
    });
    assert.deepEqual(
      r.dataset.fields.map((f) => `${f.name}:${f.type}`),
      ['id:NUMBER', 'total:NUMBER', 'day:DATE', 'at:DATETIME', 'who:TEXT'],
    );
    const k = await boundKey(t, { name: 'my reader', datasets: [r.dataset.id] });
    await t.server.refresh();
    const res = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${r.dataset.id}`,
      headers: { apikey: k.key },
    });
    assert.match(res.body, /"id":1534956341424005122,"total":99.95,"day":"2023-03-01","at":"2023-03-01T12:00:00.250Z"/);
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: myUrl, query: "SELECT * FROM orders INTO OUTFILE '/tmp/o'" }),
      invalid(/OUTFILE/),
    );
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: myUrl, query: 'SELECT 1; DROP TABLE orders' }),
      invalid(/several statements/),
    );
    await assert.rejects(
      sync().connect(t.tenant.id, { name: 'x', url: myUrl.replace(MY_PASSWORD, 'wrong-password'), query: 'SELECT 1' }),
      sourceFailed(/Access denied/),
    );
  });
});

describe('what is refused before anything is fetched', () => {
  it('schemes, bad and too frequent schedules, misplaced options', async () => {
    const before = await datasetCount();
    const refusals: [Parameters<ReturnType<typeof sync>['connect']>[1], RegExp][] = [
      [{ name: 'x', url: 'file:///etc/passwd' }, /unsupported source scheme "file:"/],
      [{ name: 'x', url: 'ftp://127.0.0.1/x.csv' }, /unsupported source scheme/],
      [{ name: 'x', url: `${base}/tickets.csv`, schedule: 'every minute' }, /fields/],
      [{ name: 'x', url: `${base}/tickets.csv`, schedule: '61 * * * *' }, /not valid cron/],
      [{ name: 'x', url: `${base}/tickets.csv`, schedule: '* * * * * *' }, /at most once a minute/],
      [{ name: 'x', url: `${base}/tickets.csv`, query: 'SELECT 1' }, /--query is for/],
      [{ name: 'x', url: pgUrl }, /needs --query/],
      [{ name: 'x', url: pgUrl, query: 'SELECT 1', headers: { A: 'b' } }, /--header is for http/],
    ];
    for (const [input, msg] of refusals) await assert.rejects(sync().connect(t.tenant.id, input), invalid(msg));
    const res = await admin.call('POST', '/admin/api/datasets/connect', { name: 'x', url: 'file:///etc/passwd' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'INVALID_INPUT');
    assert.equal(await datasetCount(), before);
  });
});

describe('syncs and history', () => {
  it('a failed sync keeps the previous rows and records the error; the next sync recovers', async () => {
    mutable.status = 200;
    mutable.body = 'id,name\n1,a\n2,b\n';
    const r = await sync().connect(t.tenant.id, { name: 'Mutable', url: `${base}/mutable` });
    const id = r.dataset.id;
    mutable.body = 'id,name\n1,a\n2,b\n3,c\n';
    assert.equal((await sync().sync(t.tenant.id, id)).dataset.rowCount, 3);

    mutable.status = 500;
    await assert.rejects(sync().sync(t.tenant.id, id), sourceFailed(/previous rows are kept: .*HTTP 500/));
    mutable.status = 200;
    mutable.body = 'id,name\n1,"unclosed\n';
    await assert.rejects(sync().sync(t.tenant.id, id), sourceFailed(/quote|line/i));
    assert.equal((await t.modules.catalog.datasets.get(t.tenant.id, id)).rowCount, 3);
    assert.equal((await records(id)).length, 3);
    const failing = await sync().source(t.tenant.id, id);
    assert.match(failing!.lastError!, /quote|line/i);
    const listed = await admin.ok('GET', '/admin/api/datasets?size=100');
    const item = listed.items.find((d: { id: string }) => d.id === id);
    assert.match(item.live.lastError, /quote|line/i);
    assert.equal(item.lastSyncedAt, (await t.modules.catalog.datasets.get(t.tenant.id, id)).syncedAt);

    mutable.body = 'id,name\n9,z\n';
    const ok = await sync().sync(t.tenant.id, id);
    assert.equal(ok.dataset.rowCount, 1);
    assert.deepEqual(await records(id), [{ id: 9, name: 'z' }]);
    assert.equal((await sync().source(t.tenant.id, id))!.lastError, null);

    const runs = await sync().history(t.tenant.id, id);
    assert.deepEqual(
      runs.map((x) => `${x.trigger}:${x.result}:${x.rows}`),
      ['manual:ok:1', 'manual:failed:null', 'manual:failed:null', 'manual:ok:3', 'connect:ok:2'],
    );
    for (const x of runs) assert.ok(x.endedAt && x.endedAt >= x.startedAt);
    assert.match(runs[2].error!, /HTTP 500/);
  });

  it('a sync whose new fields break a widget, a scope or a field clients use records it in its history', async () => {
    mutable.status = 200;
    mutable.body = 'id,status\n1,open\n2,closed\n';
    const id = (await sync().connect(t.tenant.id, { name: 'Drifting', url: `${base}/mutable` })).dataset.id;
    const w = await t.modules.catalog.widgets.create(t.tenant.id, {
      name: 'Drift by status',
      dataset: id,
      chart: 'table',
      dimensions: [{ field: 'status', label: 'S' }],
    });
    const reader = await boundKey(t, { name: 'drift reader', datasets: [id] });
    await t.server.refresh();
    const read = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${id}?status=open`,
      headers: { apikey: reader.key },
    });
    assert.equal(read.statusCode, 200, read.body);
    mutable.body = 'id,status\n1,open\n';
    await sync().sync(t.tenant.id, id);
    mutable.body = 'id,state\n1,open\n';
    await sync().sync(t.tenant.id, id);
    const runs = await sync().history(t.tenant.id, id);
    assert.deepEqual(
      runs.map((x) => x.result),
      ['ok', 'ok', 'ok'],
    );
    assert.equal(runs[1].error, null, 'a sync that keeps the fields notes nothing');
    assert.match(
      runs[0].error!,
      new RegExp(`these will answer 409[\\s\\S]*widget ${w.id} "Drift by status".*"status"`),
    );
    assert.match(
      runs[0].error!,
      new RegExp(
        `used in the last day[\\s\\S]*key ${reader.id} "drift reader" on ${id} "Drifting": ` +
          '.*filtered on field "status"',
      ),
    );
  });

  it('a source that drops the connection mid-body keeps the previous rows', async () => {
    mutable.status = 200;
    mutable.body = 'id,name\n1,a\n';
    const r = await sync().connect(t.tenant.id, { name: 'Dropped', url: `${base}/mutable` });
    // Point the source at the aborting path by changing what /mutable serves is not enough:
    // the connection itself must break, so sync a dataset whose source is /abort.
    await t.modules.store.db
      .updateTable('datasetSources')
      .set({ urlCipher: await cipherOf(`${base}/abort`) })
      .where('datasetId', '=', r.dataset.id)
      .execute();
    await assert.rejects(sync().sync(t.tenant.id, r.dataset.id), sourceFailed(/./));
    assert.deepEqual(await records(r.dataset.id), [{ id: 1, name: 'a' }]);
  });

  it('a dataset loaded from a file has no source to sync', async () => {
    const file = t.file('plain.csv', 'a\n1\n');
    const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, { file, name: 'Plain file' });
    await assert.rejects(sync().sync(t.tenant.id, ds.id), (e) => e instanceof DomainError && e.code === 'NOT_FOUND');
    assert.equal(await sync().source(t.tenant.id, ds.id), null);
  });

  it('deleting a live dataset removes its source and its history', async () => {
    const r = await sync().connect(t.tenant.id, { name: 'Doomed', url: `${base}/rows.ndjson`, schedule: '0 * * * *' });
    await t.modules.usecases.deleteDataset(t.tenant.id, r.dataset.id);
    const left = await t.modules.store.db
      .selectFrom('datasetSources')
      .select('datasetId')
      .where('datasetId', '=', r.dataset.id)
      .execute();
    assert.deepEqual(left, []);
    const runs = await t.modules.store.db
      .selectFrom('syncRuns')
      .select('id')
      .where('datasetId', '=', r.dataset.id)
      .execute();
    assert.deepEqual(runs, []);
  });
});

/** The ciphertext the server would store for `url` (to repoint a source in a test). */
async function cipherOf(url: string): Promise<string> {
  const { createSecretBox } = await import('../src/shared/secret-box.ts');
  const secret =
    t.config.secret ??
    fs.readFileSync(path.join(path.dirname(t.config.database.slice(7)), 'secret.key'), 'utf8').trim();
  return createSecretBox(secret, 'source-credentials').encrypt(url);
}

describe('credentials', () => {
  it('are stored encrypted, and masked in the admin API, history, errors and logs', async () => {
    const before = await storedText();
    const viaAdmin = await admin.ok('POST', '/admin/api/datasets/connect', {
      name: 'Authorised',
      url: `${base}/auth.ndjson?token=${QUERY_TOKEN}`,
      headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/x-ndjson' },
      schedule: '*/5 * * * *',
    });
    assert.equal(viaAdmin.rows, 1);
    assert.deepEqual(viaAdmin.source.headers, { Authorization: 'Bearer ****', Accept: 'application/x-ndjson' });
    assert.equal(viaAdmin.source.url, `${base}/auth.ndjson?token=****`);
    const pgDs = await sync().connect(t.tenant.id, { name: 'PG secret', url: pgUrl, query: 'SELECT id FROM tickets' });
    assert.equal((await sync().source(t.tenant.id, pgDs.dataset.id))!.url, pgUrl.replace(PG_PASSWORD, '****'));

    // At rest: no secret in any stored row (nor, on SQLite, anywhere in the file).
    assert.ok(!SECRETS.some((s) => before.includes(s)));
    assertNoSecret(await storedText(), 'the database');
    const row = await t.modules.store.db
      .selectFrom('datasetSources')
      .selectAll()
      .where('datasetId', '=', viaAdmin.id)
      .executeTakeFirstOrThrow();
    assert.match(row.urlCipher, /^v1\./);
    assert.match(row.headersCipher, /^v1\./);

    // Errors, history, listings and the scheduler's log lines.
    const lines: string[] = [];
    const log = {
      info: (o: object, m: string) => lines.push(JSON.stringify(o) + m),
      warn: (o: object, m: string) => lines.push(JSON.stringify(o) + m),
    };
    await t.modules.store.db
      .updateTable('datasetSources')
      .set({
        urlCipher: await cipherOf(`${base}/badcsv.csv?token=${QUERY_TOKEN}`),
        nextRunAt: '2000-01-01T00:00:00.000Z',
      })
      .where('datasetId', '=', viaAdmin.id)
      .execute();
    const runs = await t.modules.sources.scheduler(log).runDue();
    assert.deepEqual(
      runs.map((x) => [x.datasetId, x.ok]),
      [[viaAdmin.id, false]],
    );
    assert.match(runs[0].error!, /token=\*\*\*\*/);
    assert.ok(lines.some((l) => l.includes('scheduled sync failed')));
    const sync500 = await admin.call('POST', `/admin/api/datasets/${viaAdmin.id}/sync`);
    assert.equal(sync500.statusCode, 502);
    assert.equal(sync500.json().error.code, 'SOURCE_FAILED');
    const outputs = [
      lines.join('\n'),
      sync500.body,
      JSON.stringify(runs),
      (await admin.call('GET', `/admin/api/datasets/${viaAdmin.id}/history`)).body,
      (await admin.call('GET', `/admin/api/datasets/${viaAdmin.id}/source`)).body,
      (await admin.call('GET', `/admin/api/datasets/${pgDs.dataset.id}/source`)).body,
      (await admin.call('GET', '/admin/api/datasets?size=100')).body,
      (await admin.call('GET', `/admin/api/datasets/${pgDs.dataset.id}`)).body,
      (await admin.call('GET', '/admin/api/audit?size=100')).body,
    ];
    for (const o of outputs) assertNoSecret(o, 'an output');
    assertNoSecret(await storedText(), 'the database after failures');
  });
});

describe('schedules', () => {
  it('a due sync runs once at its time and not again until the next due time', async () => {
    mutable.status = 200;
    mutable.body = 'id\n1\n';
    const r = await sync().connect(t.tenant.id, { name: 'Hourly', url: `${base}/mutable`, schedule: '0 * * * *' });
    const src = (await sync().source(t.tenant.id, r.dataset.id))!;
    const due = Date.parse(src.nextRunAt!);
    assert.equal(new Date(due).getUTCMinutes(), 0);
    assert.ok(due > Date.now());
    // Before its time: nothing.
    assert.ok(!(await sync().tick(due - 1)).some((x) => x.datasetId === r.dataset.id));
    mutable.body = 'id\n1\n2\n';
    const ran = await sync().tick(due + 1000);
    assert.deepEqual(
      ran.filter((x) => x.datasetId === r.dataset.id),
      [{ datasetId: r.dataset.id, ok: true, rows: 2, error: null }],
    );
    assert.ok(!(await sync().tick(due + 2000)).some((x) => x.datasetId === r.dataset.id));
    assert.equal((await sync().source(t.tenant.id, r.dataset.id))!.nextRunAt, new Date(due + 3_600_000).toISOString());
    // A failing source is retried at the next due time, not before.
    mutable.status = 500;
    const failed = (await sync().tick(due + 3_600_000)).filter((x) => x.datasetId === r.dataset.id);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].ok, false);
    assert.ok(!(await sync().tick(due + 3_600_000 + 30_000)).some((x) => x.datasetId === r.dataset.id));
    mutable.status = 200;
    assert.equal((await sync().tick(due + 7_200_000)).find((x) => x.datasetId === r.dataset.id)?.ok, true);
    const runs = await sync().history(t.tenant.id, r.dataset.id);
    assert.deepEqual(
      runs.map((x) => `${x.trigger}:${x.result}`),
      ['schedule:ok', 'schedule:failed', 'schedule:ok', 'connect:ok'],
    );
  });

  it('two nodes ticking at once run a due sync exactly once', async () => {
    mutable.status = 200;
    mutable.body = 'id\n1\n';
    const r = await sync().connect(t.tenant.id, { name: 'Shared', url: `${base}/mutable`, schedule: '30 2 * * *' });
    const due = Date.parse((await sync().source(t.tenant.id, r.dataset.id))!.nextRunAt!);
    const nodes: Modules[] = [];
    try {
      for (let i = 0; i < 2; i++) nodes.push(await openModules(t.config));
      const results = await Promise.all([...nodes, t.modules].map((m) => m.sources.sync.tick(due + 500)));
      const mine = results.flat().filter((x) => x.datasetId === r.dataset.id);
      assert.equal(mine.length, 1, JSON.stringify(results));
      assert.equal(mine[0].ok, true);
      const runs = await sync().history(t.tenant.id, r.dataset.id);
      assert.deepEqual(
        runs.map((x) => x.trigger),
        ['schedule', 'connect'],
      );
    } finally {
      for (const n of nodes) await n.close();
    }
  });

  it('one sync of a dataset at a time: a second is refused while the first runs', async () => {
    mutable.stallHits = 0;
    const r = await sync().connect(t.tenant.id, { name: 'Busy', url: `${base}/tickets.csv` });
    await t.modules.store.db
      .updateTable('datasetSources')
      .set({ urlCipher: await cipherOf(`${base}/stall`) })
      .where('datasetId', '=', r.dataset.id)
      .execute();
    const first = sync()
      .sync(t.tenant.id, r.dataset.id)
      .catch((e: unknown) => e);
    while (mutable.stallHits === 0) await new Promise((res) => setTimeout(res, 20));
    await assert.rejects(
      sync().sync(t.tenant.id, r.dataset.id),
      (e) => e instanceof DomainError && e.code === 'CONFLICT' && /already running/.test(e.message),
    );
    // The stalled source ends with the source timeout (2 s): the previous rows stay.
    assert.ok(sourceFailed(/within 2 s/)(await first));
    assert.equal((await records(r.dataset.id)).length, 2);
  });
});

describe('a process killed mid-sync', () => {
  it('leaves the previous rows served, and the next due time runs normally', async () => {
    mutable.status = 200;
    mutable.body = 'id,name\n1,a\n';
    const r = await sync().connect(t.tenant.id, { name: 'Killed', url: `${base}/mutable`, schedule: '15 4 * * *' });
    const id = r.dataset.id;
    const due = Date.parse((await sync().source(t.tenant.id, id))!.nextRunAt!);
    await t.modules.store.db
      .updateTable('datasetSources')
      .set({ urlCipher: await cipherOf(`${base}/stall`) })
      .where('datasetId', '=', id)
      .execute();
    const env = {
      ...process.env,
      DATAGATE_DATABASE: t.config.database,
      DATAGATE_DATA_DIR: t.dir,
      DATAGATE_SOURCE_TIMEOUT_S: '600',
      ...(t.config.secret ? { DATAGATE_SECRET: t.config.secret } : {}),
    };
    mutable.stallHits = 0;
    const child = spawn(BIN, ['dataset', 'sync', id], { env, cwd: t.dir, stdio: 'ignore' });
    const exited = new Promise((res) => child.on('exit', res));
    const started = Date.now();
    while (mutable.stallHits === 0 && Date.now() - started < 60_000) await new Promise((res) => setTimeout(res, 50));
    assert.equal(mutable.stallHits, 1, 'the sync process never reached the source');
    // Rows are arriving: the load is under way. Kill it without a chance to clean up.
    await new Promise((res) => setTimeout(res, 300));
    child.kill('SIGKILL');
    await exited;

    assert.deepEqual(await records(id), [{ id: 1, name: 'a' }]);
    const [stuck] = await sync().history(t.tenant.id, id);
    assert.equal(stuck.result, 'running');

    // The next due time: the source works again, the sync runs and succeeds.
    await t.modules.store.db
      .updateTable('datasetSources')
      .set({ urlCipher: await cipherOf(`${base}/mutable`) })
      .where('datasetId', '=', id)
      .execute();
    mutable.body = 'id,name\n1,a\n2,b\n';
    const ran = (await sync().tick(due + 1000)).filter((x) => x.datasetId === id);
    assert.deepEqual(
      ran.map((x) => x.ok),
      [true],
    );
    assert.equal((await records(id)).length, 2);
    const runs = await sync().history(t.tenant.id, id);
    assert.deepEqual(
      runs.map((x) => `${x.trigger}:${x.result}`),
      ['schedule:ok', 'manual:failed', 'connect:ok'],
    );
    assert.match(runs[1].error!, /interrupted/);
  });
});

describe('the command line', () => {
  it('connect, sync, history and list, with --json as the spec says and no secret shown', async () => {
    const env = {
      ...process.env,
      DATAGATE_DATABASE: t.config.database,
      DATAGATE_DATA_DIR: t.dir,
      DATAGATE_LOG_LEVEL: 'info',
      ...(t.config.secret ? { DATAGATE_SECRET: t.config.secret } : {}),
    };
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const c = spawn(BIN, args, { env, cwd: t.dir });
        let out = '';
        let err = '';
        c.stdout.on('data', (d) => (out += d));
        c.stderr.on('data', (d) => (err += d));
        c.on('exit', (code) => resolve({ code, out, err }));
      });
    const connected = await run([
      '--json',
      'dataset',
      'connect',
      '--name',
      'CLI PG',
      '--from',
      pgUrl,
      '--query',
      'SELECT id, note FROM tickets ORDER BY id',
      '--schedule',
      '0 6 * * 1',
      '--type',
      'id=TEXT',
    ]);
    assert.equal(connected.code, 0, connected.err);
    const j = JSON.parse(connected.out);
    assert.deepEqual(Object.keys(j), ['id', 'name', 'rows', 'fields', 'schedule', 'lastSyncedAt']);
    assert.deepEqual(j.fields, [
      { name: 'id', type: 'TEXT' },
      { name: 'note', type: 'TEXT' },
    ]);
    assert.equal(j.rows, 2);
    assert.equal(j.schedule, '0 6 * * 1');

    const synced = await run(['--json', 'dataset', 'sync', j.id]);
    assert.equal(synced.code, 0, synced.err);
    assert.equal(JSON.parse(synced.out).rows, 2);
    assert.ok(JSON.parse(synced.out).lastSyncedAt >= j.lastSyncedAt);

    const history = await run(['--json', 'dataset', 'history', j.id]);
    const h = JSON.parse(history.out);
    assert.deepEqual(
      h.runs.map((x: { trigger: string }) => x.trigger),
      ['manual', 'connect'],
    );
    assert.equal(h.source.url, pgUrl.replace(PG_PASSWORD, '****'));
    const human = await run(['dataset', 'history', j.id]);
    assert.match(human.out, /manual\s+ok\s+2 rows/);
    const list = await run(['--json', 'dataset', 'list']);
    const listed = JSON.parse(list.out).datasets.find((d: { id: string }) => d.id === j.id);
    assert.equal(listed.source.schedule, '0 6 * * 1');
    assert.equal(listed.lastSyncedAt, JSON.parse(synced.out).lastSyncedAt);

    const bad = await run([
      'dataset',
      'connect',
      '--name',
      'x',
      '--from',
      pgUrl,
      '--query',
      'SELECT 1',
      '--schedule',
      '* * * * * *',
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /at most once a minute/);
    const failing = await run(['dataset', 'connect', '--name', 'x', '--from', `${base}/fail?token=${QUERY_TOKEN}`]);
    assert.equal(failing.code, 1);
    assert.match(failing.err, /HTTP 500/);
    for (const r of [connected, synced, history, human, list, bad, failing]) {
      assertNoSecret(r.out, 'stdout');
      assertNoSecret(r.err, 'stderr');
    }
  });
});

describe('admin API', () => {
  it('connect, sync, source and history; another tenant sees none of it', async () => {
    const c = await admin.ok('POST', '/admin/api/datasets/connect', {
      name: 'Admin rows',
      url: `${base}/rows.ndjson`,
      schedule: '0 0 1 * *',
      integrationGroup: 'Ops',
    });
    assert.equal(c.rows, 3);
    assert.equal(c.schedule, '0 0 1 * *');
    const s = await admin.ok('POST', `/admin/api/datasets/${c.id}/sync`, undefined, 200);
    assert.equal(s.rows, 3);
    const h = await admin.ok('GET', `/admin/api/datasets/${c.id}/history`);
    assert.deepEqual(
      h.runs.map((x: { trigger: string }) => x.trigger),
      ['manual', 'connect'],
    );
    const src = await admin.ok('GET', `/admin/api/datasets/${c.id}/source`);
    assert.equal(src.schedule, '0 0 1 * *');
    assert.equal(src.nextRunAt.slice(8, 19), '01T00:00:00');
    const one = await admin.ok('GET', `/admin/api/datasets/${c.id}`);
    assert.equal(one.live.url, `${base}/rows.ndjson`);

    const other = await signedInAdmin(t, { tenantSlug: `other-${randomBytes(3).toString('hex')}` });
    for (const [method, url] of [
      ['POST', `/admin/api/datasets/${c.id}/sync`],
      ['GET', `/admin/api/datasets/${c.id}/history`],
      ['GET', `/admin/api/datasets/${c.id}/source`],
    ]) {
      const res = await other.call(method, url);
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
    }
    const theirs = await other.ok('GET', '/admin/api/datasets?size=100');
    assert.equal(theirs.total, 0);
  });
});

describe('admin API: testing a source before connecting it', () => {
  // A process killed mid-sync (above) leaves its file for the sweep: compare with before.
  const syncFiles = () => fs.readdirSync(path.join(t.dir, 'sync')).sort();

  it('answers the inferred fields and first rows of an HTTP source, storing nothing', async () => {
    const before = { count: await datasetCount(), files: syncFiles() };
    const r = await admin.ok('POST', '/admin/api/datasets/connect/test', { url: `${base}/tickets.csv` }, 200);
    assert.deepEqual(r.fields, [
      { name: 'id', type: 'NUMBER' },
      { name: 'summary', type: 'TEXT' },
      { name: 'opened', type: 'DATE' },
      { name: 'urgent', type: 'BOOLEAN' },
    ]);
    assert.deepEqual(r.sample[0], { id: 1, summary: 'Printer offline', opened: '2023-02-01', urgent: true });
    assert.equal(r.sample.length, 2);
    // Types given override the inferred ones, as connect's do.
    const typed = await admin.ok(
      'POST',
      '/admin/api/datasets/connect/test',
      {
        url: `${base}/tickets.csv`,
        types: { id: 'TEXT' },
      },
      200,
    );
    assert.equal(typed.fields[0].type, 'TEXT');
    assert.equal(typed.sample[0].id, '1');
    assert.equal(await datasetCount(), before.count);
    assert.deepEqual(syncFiles(), before.files);
  });

  it('a source that fails answers its message; a refused one is 400; nothing is stored', async () => {
    const before = { count: await datasetCount(), files: syncFiles() };
    const failed = await admin.call('POST', '/admin/api/datasets/connect/test', { url: `${base}/fail` });
    assert.equal(failed.statusCode, 502, failed.body);
    assert.match(failed.json().error.message, /HTTP 500/);
    const bad = await admin.call('POST', '/admin/api/datasets/connect/test', { url: `${base}/badcsv.csv` });
    assert.equal(bad.statusCode, 502, bad.body);
    const big = await admin.call('POST', '/admin/api/datasets/connect/test', { url: `${base}/big-chunked` });
    assert.equal(big.statusCode, 502, big.body);
    assert.match(big.body, /more than the 1 MB allowed/);
    const refused = await admin.call('POST', '/admin/api/datasets/connect/test', { url: 'file:///etc/passwd' });
    assert.equal(refused.statusCode, 400, refused.body);
    const withSecret = await admin.call('POST', '/admin/api/datasets/connect/test', {
      url: `${base}/auth.ndjson?token=wrong-${QUERY_TOKEN}`,
      headers: { Authorization: `Bearer x${TOKEN}` },
    });
    assert.equal(withSecret.statusCode, 502, withSecret.body);
    assertNoSecret(withSecret.body, 'a failed test');
    assert.equal(await datasetCount(), before.count);
    assert.deepEqual(syncFiles(), before.files);
  });

  it('a PostgreSQL query: the columns’ types, the first rows', async () => {
    const r = await admin.ok(
      'POST',
      '/admin/api/datasets/connect/test',
      {
        url: pgUrl,
        query: 'SELECT id, cost, open FROM tickets ORDER BY cost NULLS LAST',
      },
      200,
    );
    assert.deepEqual(
      r.fields.map((f: { type: string }) => f.type),
      ['NUMBER', 'NUMBER', 'BOOLEAN'],
    );
    assert.equal(r.sample.length, 2);
    // Only the first 1,000 rows are read: the 1,001st would fail (its value divides by zero).
    const first = await admin.ok(
      'POST',
      '/admin/api/datasets/connect/test',
      {
        url: pgUrl,
        query: 'SELECT CASE WHEN n > 1000 THEN 1 / (n - n) ELSE n END AS n FROM generate_series(1, 5000) AS n',
      },
      200,
    );
    assert.deepEqual(first.fields, [{ name: 'n', type: 'NUMBER' }]);
    assert.equal(first.sample.length, 20);
    const whole = await admin.call('POST', '/admin/api/datasets/connect', {
      name: 'Whole',
      url: pgUrl,
      query: 'SELECT CASE WHEN n > 1000 THEN 1 / (n - n) ELSE n END AS n FROM generate_series(1, 5000) AS n',
    });
    assert.equal(whole.statusCode, 502, whole.body);
    assert.match(whole.body, /division by zero/);
    const refused = await admin.call('POST', '/admin/api/datasets/connect/test', {
      url: pgUrl,
      query: 'DELETE FROM tickets',
    });
    assert.equal(refused.statusCode, 400, refused.body);
  });
});
