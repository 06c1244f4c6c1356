// Dates in other formats (`--date-format`): a file or source that writes DD.MM.YYYY or
// MM/DD/YYYY is imported with DATE and DATETIME fields, through the command line, the
// admin API and a live source whose every sync keeps the format; the public API's
// filters still take ISO 8601 only (spec section 5).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { boundKey } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const EU_CSV =
  'id,opened,closed_at,note\n' +
  '1,10.02.2023,10.02.2023 08:50,a\n' +
  '2,29.02.2024,1.3.2024 17:05:09,b\n' +
  '3,31.12.2023,,c\n';
const EU_FIELDS = [
  { name: 'id', type: 'NUMBER' },
  { name: 'opened', type: 'DATE' },
  { name: 'closed_at', type: 'DATETIME' },
  { name: 'note', type: 'TEXT' },
];
const ALL_FORMATS = /YYYY-MM-DD, MM\/DD\/YYYY, DD\/MM\/YYYY, DD\.MM\.YYYY, DD-MM-YYYY, YYYY\/MM\/DD/;

describe('--date-format on the command line', () => {
  let ws: CliWorkspace;

  before(async () => {
    ws = await cliWorkspace('date-format');
    ws.write('eu.csv', EU_CSV);
    ws.write('us.csv', 'id,opened\n1,02/10/2023\n2,12/31/2023\n');
    ws.write('bad.csv', 'id,opened\n1,10.02.2023\n2,30.02.2023\n');
  });
  after(() => ws?.close());

  it('imports DD.MM.YYYY as DATE and DATETIME, queryable with the contract’s ISO date filters', async () => {
    const ds = await ws.dg('dataset', 'import', 'eu.csv', '--name', 'EU', '--date-format', 'DD.MM.YYYY');
    assert.deepEqual(ds.fields, EU_FIELDS);
    const plain = await ws.dg('dataset', 'import', 'eu.csv', '--name', 'Plain');
    assert.deepEqual(
      plain.fields.map((f: { type: string }) => f.type),
      ['NUMBER', 'TEXT', 'TEXT', 'TEXT'],
      'without the option nothing changes',
    );

    const key = await ws.dg('key', 'create', '--name', 'reader');
    await ws.dg('key', 'bind', key.id, '--dataset', ds.id);
    const server = await ws.serve();
    const get = async (query: string) => {
      const res = await fetch(`${server.url}/api/dataset/${ds.id}?${query}`, { headers: { apikey: key.key } });
      return { status: res.status, body: await res.json() };
    };
    const all = await get('_sort=id');
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.data.records.map((r: Record<string, unknown>) => [r.opened, r.closed_at]),
      [
        ['2023-02-10', '2023-02-10T08:50:00Z'],
        ['2024-02-29', '2024-03-01T17:05:09Z'],
        ['2023-12-31', null],
      ],
    );
    const between = await get('opened=2023-02-01,2023-12-31&_sort=id');
    assert.deepEqual(
      between.body.data.records.map((r: { id: number }) => r.id),
      [1, 3],
    );
    const later = await get('closed_at=2024-03-01');
    assert.deepEqual(
      later.body.data.records.map((r: { id: number }) => r.id),
      [2],
    );
    // A filter reads the contract's ISO dates, whatever format the file was imported with.
    const european = await get('opened=10.02.2023');
    assert.equal(european.status, 400);
    assert.match(european.body.msg, /opened/);
  });

  it('reloads with --replace in another format, and refuses an impossible date with its line', async () => {
    const ds = await ws.dg('dataset', 'import', 'eu.csv', '--name', 'Reloaded', '--date-format', 'DD.MM.YYYY');
    const us = await ws.dg('dataset', 'import', 'us.csv', '--replace', ds.id, '--date-format', 'MM/DD/YYYY');
    assert.deepEqual(us.fields, [
      { name: 'id', type: 'NUMBER' },
      { name: 'opened', type: 'DATE' },
    ]);
    const bad = await ws.dgFail(
      'dataset',
      'import',
      'bad.csv',
      '--name',
      'Bad',
      '--date-format',
      'DD.MM.YYYY',
      '--type',
      'opened=DATE',
    );
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /bad\.csv line 3: field "opened": "30\.02\.2023" is not a DATE \(DD\.MM\.YYYY or YYYY-MM-DD\)/,
    );
  });

  it('refuses an unknown format with exit 2, naming the ones it knows', async () => {
    for (const f of ['DD/MM/YY', 'dd.mm.yyyy', '']) {
      const r = await ws.dgFail('dataset', 'import', 'eu.csv', '--name', 'X', '--date-format', f);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, ALL_FORMATS);
    }
    const c = await ws.dgFail(
      'dataset',
      'connect',
      '--name',
      'X',
      '--from',
      'https://example.com/a.csv',
      '--date-format',
      'MM-DD',
    );
    assert.equal(c.code, 2, c.stderr);
    assert.match(c.stderr, ALL_FORMATS);
    const help = await ws.run(['dataset', 'import', '--help']);
    assert.match(help.stdout, /--date-format <format>/);
  });
});

describe('dateFormat in the admin API and on a live source', () => {
  let t: TestServer;
  let admin: AdminClient;
  let base = '';
  let served = EU_CSV;
  const sockets = new Set<Socket>();
  const fixture = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/csv');
    res.end(served);
  });
  fixture.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  before(async () => {
    await new Promise<void>((r) => fixture.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(fixture.address() as { port: number }).port}`;
    t = await startTestServer();
    admin = await signedInAdmin(t);
  });
  after(async () => {
    await t?.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => fixture.close(r));
  });

  const upload = (name: string, body: string, query = '') =>
    admin.call('POST', `/admin/api/uploads?filename=${name}${query}`, Buffer.from(body), {
      'content-type': 'application/octet-stream',
    });

  async function records(id: string): Promise<Record<string, unknown>[]> {
    const k = await boundKey(t, { name: `reader-${id}-${Math.random()}`, datasets: [id] });
    await t.server.refresh();
    const res = await t.server.app.inject({ url: `/api/dataset/${id}?_sort=id`, headers: { apikey: k.key } });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body).data.records;
  }

  it('an upload inspected, created and reloaded with a date format', async () => {
    const staged = await upload('eu.csv', EU_CSV, '&dateFormat=DD.MM.YYYY');
    assert.equal(staged.statusCode, 201, staged.body);
    assert.deepEqual(staged.json().fields, EU_FIELDS);
    assert.equal(staged.json().sample[0].opened, '2023-02-10');
    const ds = await admin.ok('POST', '/admin/api/datasets', {
      uploadId: staged.json().uploadId,
      name: 'EU upload',
      dateFormat: 'DD.MM.YYYY',
    });
    assert.deepEqual(
      ds.fields.map((f: { type: string }) => f.type),
      ['NUMBER', 'DATE', 'DATETIME', 'TEXT'],
    );
    assert.equal((await records(ds.id))[1].opened, '2024-02-29');

    const us = 'id,opened\n1,02/10/2023\n';
    const again = await upload('us.csv', us, `&dateFormat=${encodeURIComponent('MM/DD/YYYY')}&reload=${ds.id}`);
    assert.equal(again.statusCode, 201, again.body);
    const reloaded = await admin.ok(
      'POST',
      `/admin/api/datasets/${ds.id}/reload`,
      { uploadId: again.json().uploadId, dateFormat: 'MM/DD/YYYY' },
      200,
    );
    assert.equal(reloaded.fields[1].type, 'DATE');
    assert.deepEqual(await records(ds.id), [{ id: 1, opened: '2023-02-10' }]);

    // The nightly job's form: the file as multipart, the format in the query string.
    const boundary = 'dgboundary42';
    const form =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="eu.csv"\r\n` +
      `Content-Type: text/csv\r\n\r\n${EU_CSV}\r\n--${boundary}--\r\n`;
    const multipart = await admin.call(
      'POST',
      `/admin/api/datasets/${ds.id}/reload?dateFormat=DD.MM.YYYY`,
      Buffer.from(form),
      { 'content-type': `multipart/form-data; boundary=${boundary}` },
    );
    assert.equal(multipart.statusCode, 200, multipart.body);
    assert.deepEqual(
      multipart.json().fields.map((f: { type: string }) => f.type),
      ['NUMBER', 'DATE', 'DATETIME', 'TEXT'],
    );
  });

  it('refuses an unknown or conflicting date format with a 400 naming the allowed ones', async () => {
    const bad = await upload('eu.csv', EU_CSV, '&dateFormat=DD.MM.YY');
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /DD\.MM\.YYYY/);
    const staged = await upload('eu.csv', EU_CSV);
    for (const dateFormat of ['%d.%m.%Y', 'x'.repeat(5000), 12, null, ['DD.MM.YYYY']]) {
      const r = await admin.call('POST', '/admin/api/datasets', {
        uploadId: staged.json().uploadId,
        name: 'X',
        dateFormat,
      });
      assert.equal(r.statusCode, 400, r.body);
      assert.ok(r.body.length < 2000, 'the refusal does not echo a long value');
    }
    const ds = await admin.ok('POST', '/admin/api/datasets', { uploadId: staged.json().uploadId, name: 'ISO only' });
    assert.equal(ds.fields[1].type, 'TEXT');
    const conflict = await admin.call('POST', `/admin/api/datasets/${ds.id}/reload?dateFormat=DD.MM.YYYY`, {
      uploadId: (await upload('eu.csv', EU_CSV)).json().uploadId,
      dateFormat: 'MM/DD/YYYY',
    });
    assert.equal(conflict.statusCode, 400, conflict.body);
    for (const route of ['/admin/api/datasets/connect/test', '/admin/api/datasets/connect']) {
      const r = await admin.call('POST', route, { name: 'X', url: `${base}/eu.csv`, dateFormat: 'YYYY.MM.DD' });
      assert.equal(r.statusCode, 400, r.body);
      assert.match(r.body, /DD\.MM\.YYYY/);
    }
  });

  it('a source keeps its date format across a manual and a scheduled sync', async () => {
    served = EU_CSV;
    const tested = await admin.ok(
      'POST',
      '/admin/api/datasets/connect/test',
      { url: `${base}/eu.csv`, dateFormat: 'DD.MM.YYYY' },
      200,
    );
    assert.deepEqual(tested.fields, EU_FIELDS);
    const r = await admin.ok('POST', '/admin/api/datasets/connect', {
      name: 'EU source',
      url: `${base}/eu.csv`,
      dateFormat: 'DD.MM.YYYY',
      schedule: '0 * * * *',
    });
    assert.deepEqual(r.fields, EU_FIELDS);
    assert.equal(r.source.dateFormat, 'DD.MM.YYYY');
    const id = r.id as string;

    served = 'id,opened,closed_at,note\n7,01.01.2025,02.01.2025 00:00,x\n';
    const manual = await admin.ok('POST', `/admin/api/datasets/${id}/sync`, undefined, 200);
    assert.deepEqual(manual.fields, EU_FIELDS);
    assert.deepEqual(await records(id), [
      { id: 7, opened: '2025-01-01', closed_at: '2025-01-02T00:00:00Z', note: 'x' },
    ]);

    served = 'id,opened,closed_at,note\n8,28.02.2025,28.02.2025 23:59:59,y\n';
    const due = Date.parse((await admin.ok('GET', `/admin/api/datasets/${id}/source`)).nextRunAt);
    const ran = (await t.modules.sources.sync.tick(due + 1000)).filter((x) => x.datasetId === id);
    assert.deepEqual(ran, [{ datasetId: id, ok: true, rows: 1, error: null }]);
    const ds = await admin.ok('GET', `/admin/api/datasets/${id}`);
    assert.deepEqual(
      ds.fields.map((f: { type: string }) => f.type),
      ['NUMBER', 'DATE', 'DATETIME', 'TEXT'],
    );
    assert.equal((await records(id))[0].opened, '2025-02-28');
    assert.equal((await admin.ok('GET', `/admin/api/datasets/${id}/source`)).dateFormat, 'DD.MM.YYYY');
  });

  it('an edit changes a source’s date format: tested, saved, audited, and read so by the next sync', async () => {
    served = EU_CSV;
    const r = await admin.ok('POST', '/admin/api/datasets/connect', { name: 'Edited dates', url: `${base}/eu.csv` });
    const id = r.id as string;
    assert.equal(r.source.dateFormat, '');
    assert.equal(r.fields[1].type, 'TEXT', 'without a format DD.MM.YYYY is text');
    const tested = await admin.ok(
      'POST',
      `/admin/api/datasets/${id}/source/test`,
      {
        url: `${base}/eu.csv`,
        dateFormat: 'DD.MM.YYYY',
      },
      200,
    );
    assert.deepEqual(tested.fields, EU_FIELDS);
    const bad = await admin.call('PATCH', `/admin/api/datasets/${id}/source`, { dateFormat: 'DD.MM.YY' });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.body, /dateFormat/);
    const edited = await admin.ok('PATCH', `/admin/api/datasets/${id}/source`, {
      dateFormat: 'DD.MM.YYYY',
      sync: true,
    });
    assert.deepEqual(edited.changed, ['date format DD.MM.YYYY']);
    assert.equal(edited.source.dateFormat, 'DD.MM.YYYY');
    assert.equal(edited.sync.result, 'ok');
    const ds = await admin.ok('GET', `/admin/api/datasets/${id}`);
    assert.deepEqual(
      ds.fields.map((f: { type: string }) => f.type),
      EU_FIELDS.map((f) => f.type),
    );
    const back = await admin.ok('PATCH', `/admin/api/datasets/${id}/source`, { dateFormat: 'YYYY-MM-DD' });
    assert.deepEqual(back.changed, ['date format YYYY-MM-DD']);
    const audit = await admin.ok('GET', '/admin/api/audit?size=10&action=dataset.source');
    assert.ok(
      audit.items.some((e: { detail: string }) => e.detail === `id ${id}: date format DD.MM.YYYY`),
      JSON.stringify(audit.items),
    );
  });
});
