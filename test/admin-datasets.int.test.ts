import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { boundKey, createWidget, fields } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// 25 tickets: more than the 20-row sample. Ids are 64-bit integers beyond 2^53; zip codes
// look like numbers; `due` holds dates.
const TICKETS = [
  'id,summary,status,priority,zip,due,billable,hours',
  ...Array.from({ length: 25 }, (_, k) => {
    const i = k + 1;
    return [
      1534956341424005120n + BigInt(i),
      i === 2 ? '"Printer, offline"' : `Ticket ${i}`,
      i % 3 === 0 ? 'Closed' : 'Open',
      (i % 5) + 1,
      10000 + i,
      `2024-03-${String(i).padStart(2, '0')}`,
      i % 2 === 0,
      i / 2,
    ].join(',');
  }),
].join('\n');

const COMPANIES_JSON = JSON.stringify([
  { name: 'Acme', employees: 12, founded: '1999-04-01', active: true, tags: ['a', 'b'] },
  { name: 'Birch', employees: 3.5, founded: null, active: false },
]);
const EVENTS_NDJSON = [
  '{"at":"2024-01-01T10:00:00Z","level":"info","ms":12}',
  '{"at":"2024-01-01T10:00:01.5Z","level":"warn","ms":null}',
  '',
].join('\n');

describe('datasets through the admin API', () => {
  let t: TestServer;
  let a: AdminClient;
  let other: AdminClient;
  let uploadDir: string;
  let tickets: string;
  let secret: string;
  let keyId: string;

  const upload = (client: AdminClient, filename: string, body: string | Buffer | Readable) =>
    client.call(
      'POST',
      `/admin/api/uploads?filename=${encodeURIComponent(filename)}`,
      body instanceof Readable ? (body as never) : Buffer.from(body),
      {
        'content-type': 'application/octet-stream',
      },
    );
  async function staged(filename: string, body: string): Promise<string> {
    const res = await upload(a, filename, body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json().uploadId;
  }
  async function create(name: string, csv: string, extra: Record<string, unknown> = {}) {
    return a.ok('POST', '/admin/api/datasets', { uploadId: await staged(`${name}.csv`, csv), name, ...extra });
  }
  const stagedFiles = () => fs.readdirSync(uploadDir).sort();
  const pub = (url: string) => t.server.app.inject({ method: 'GET', url, headers: { apikey: secret } });
  const auditOf = async (action: string) =>
    (await t.modules.access.audit.list(t.tenant.id, { page: 1, size: 50, action })).items;

  before(async () => {
    uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-uploads-'));
    t = await startTestServer({
      DATAGATE_UPLOAD_DIR: uploadDir,
      DATAGATE_UPLOAD_LIMIT_MB: '1',
      DATAGATE_KEY_FAILURE_LIMIT: '1000',
    });
    a = await signedInAdmin(t);
    other = await signedInAdmin(t, { tenantSlug: 'other' });
    const k = await boundKey(t, { name: 'reader', rateLimit: 100_000 });
    secret = k.key;
    keyId = k.id;
  });
  after(async () => {
    await t.close();
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  it(
    'an uploaded CSV answers its inferred fields and the ' + 'first 20 rows, values as the public API gives them',
    async () => {
      const res = await upload(a, 'tickets.csv', TICKETS);
      assert.equal(res.statusCode, 201, res.body);
      const b = res.json();
      assert.match(b.uploadId, /^[0-9a-f]{32}$/);
      assert.equal(b.filename, 'tickets.csv');
      assert.equal(b.format, 'csv');
      assert.equal(b.bytes, Buffer.byteLength(TICKETS));
      assert.deepEqual(
        b.fields,
        fields({
          id: 'NUMBER',
          summary: 'TEXT',
          status: 'TEXT',
          priority: 'NUMBER',
          zip: 'NUMBER',
          due: 'DATE',
          billable: 'BOOLEAN',
          hours: 'NUMBER',
        }),
      );
      assert.equal(b.sample.length, 20);
      assert.deepEqual(
        { ...b.sample[1], id: undefined },
        {
          id: undefined,
          summary: 'Printer, offline',
          status: 'Open',
          priority: 3,
          zip: 10002,
          due: '2024-03-02',
          billable: true,
          hours: 1,
        },
      );
      assert.equal(b.sample[19].summary, 'Ticket 20');
      // 64-bit ids are written exactly, not rounded to a double.
      assert.ok(res.body.includes('"id":1534956341424005121,'), res.body.slice(0, 300));
      // Staged: the file and its sidecar.
      assert.deepEqual(stagedFiles(), [`${b.uploadId}.csv`, `${b.uploadId}.meta.json`]);
    },
  );

  it('uploads JSON and NDJSON files, with types inferred from every record', async () => {
    const json = await upload(a, 'Companies.JSON', COMPANIES_JSON);
    assert.equal(json.statusCode, 201, json.body);
    assert.equal(json.json().format, 'json');
    assert.deepEqual(
      json.json().fields,
      fields({ name: 'TEXT', employees: 'NUMBER', founded: 'DATE', active: 'BOOLEAN', tags: 'TEXT' }),
    );
    assert.deepEqual(json.json().sample, [
      { name: 'Acme', employees: 12, founded: '1999-04-01', active: true, tags: '["a","b"]' },
      { name: 'Birch', employees: 3.5, founded: null, active: false, tags: null },
    ]);
    const nd = await upload(a, 'events.ndjson', EVENTS_NDJSON);
    assert.equal(nd.statusCode, 201, nd.body);
    assert.equal(nd.json().format, 'ndjson');
    assert.deepEqual(nd.json().fields, fields({ at: 'DATETIME', level: 'TEXT', ms: 'NUMBER' }));
    assert.deepEqual(nd.json().sample, [
      { at: '2024-01-01T10:00:00Z', level: 'info', ms: 12 },
      { at: '2024-01-01T10:00:01.500Z', level: 'warn', ms: null },
    ]);
  });

  it('refuses a file type it cannot read, naming the ones it can, and keeps nothing', async () => {
    const before = stagedFiles();
    const res = await upload(a, 'tickets.xlsx', 'PK...');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'INVALID_INPUT');
    assert.match(res.json().error.message, /"tickets\.xlsx".*\.csv, \.json, \.ndjson or \.jsonl/);
    assert.deepEqual(stagedFiles(), before);
    const none = await upload(a, '', 'a\n1\n');
    assert.equal(none.statusCode, 400);
  });

  it('refuses a file that cannot be parsed with the line at fault, under its own name, and deletes it', async () => {
    const before = stagedFiles();
    const res = await upload(a, 'broken.csv', 'a,b\n1,2\n3\n');
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'IMPORT_INVALID');
    assert.match(res.json().error.message, /^broken\.csv line 3: /);
    const nd = await upload(a, 'broken.ndjson', '{"a":1}\n{"a":\n');
    assert.equal(nd.json().error.code, 'IMPORT_INVALID');
    assert.match(nd.json().error.message, /^broken\.ndjson line 2: /);
    assert.deepEqual(stagedFiles(), before);
  });

  it(
    'refuses an upload above the limit with 413 and ' + 'keeps no part of it, with or without a Content-Length',
    async () => {
      const before = stagedFiles();
      // 1.5 MB of valid CSV against DATAGATE_UPLOAD_LIMIT_MB=1.
      const big = Buffer.from('n\n' + '12345678\n'.repeat(Math.ceil((1.5 * 1024 * 1024) / 9)));
      const res = await upload(a, 'big.csv', big);
      assert.equal(res.statusCode, 413);
      assert.equal(res.json().error.code, 'PAYLOAD_TOO_LARGE');
      assert.match(res.json().error.message, /1 MB/);
      assert.deepEqual(stagedFiles(), before);
      // Streamed (chunked): counted while it arrives, the partial file deleted.
      const chunks = Array.from({ length: 24 }, (_, i) => big.subarray(i * 65536, (i + 1) * 65536));
      const streamed = await upload(a, 'big.csv', Readable.from(chunks));
      assert.equal(streamed.statusCode, 413, streamed.body);
      assert.deepEqual(stagedFiles(), before);
      // Just under the limit is fine.
      const fits = await upload(a, 'fits.csv', big.subarray(0, 1024 * 1024 - 100));
      assert.equal(fits.statusCode, 201, fits.body);
    },
  );

  it('an upload needs a session, and its own content type', async () => {
    const anon = await t.server.app.inject({
      method: 'POST',
      url: '/admin/api/uploads?filename=a.csv',
      payload: 'a\n1\n',
      headers: { 'content-type': 'application/octet-stream' },
    });
    assert.equal(anon.statusCode, 401);
    const json = await a.call('POST', '/admin/api/uploads?filename=a.csv', { a: 1 });
    assert.equal(json.statusCode, 415);
    const noName = await a.call('POST', '/admin/api/uploads', Buffer.from('a\n1\n'), {
      'content-type': 'application/octet-stream',
    });
    assert.equal(noName.statusCode, 400);
    assert.match(noName.json().error.message, /filename/);
  });

  it(
    'a value that does not fit a chosen type is refused with its line; the upload stays for a ' +
      'retry with other types',
    async () => {
      const uploadId = await staged('tickets.csv', TICKETS);
      const wrong = await a.call('POST', '/admin/api/datasets', {
        uploadId,
        name: 'Tickets',
        types: { status: 'NUMBER' },
      });
      assert.equal(wrong.statusCode, 400, wrong.body);
      assert.equal(wrong.json().error.code, 'IMPORT_INVALID');
      assert.match(wrong.json().error.message, /^tickets\.csv line 2: .*status/);
      const unknownField = await a.call('POST', '/admin/api/datasets', {
        uploadId,
        name: 'Tickets',
        types: { nope: 'TEXT' },
      });
      assert.equal(unknownField.json().error.code, 'IMPORT_INVALID');
      assert.match(unknownField.json().error.message, /unknown field "nope"/);
      const badType = await a.call('POST', '/admin/api/datasets', {
        uploadId,
        name: 'Tickets',
        types: { zip: 'STRING' },
      });
      assert.equal(badType.statusCode, 400);
      assert.equal(badType.json().error.code, 'INVALID_INPUT');
      assert.ok(stagedFiles().includes(`${uploadId}.csv`));

      const ds = await a.ok('POST', '/admin/api/datasets', {
        uploadId,
        name: 'Tickets',
        description: 'Service tickets',
        integrationGroup: 'ConnectWise',
        types: { zip: 'TEXT', due: 'DATETIME' },
      });
      tickets = ds.id;
      assert.equal(ds.name, 'Tickets');
      assert.equal(ds.owner, a.email);
      assert.equal(ds.rowCount, 25);
      assert.equal(ds.version, 1);
      assert.equal(ds.linkedWidgets, 0);
      assert.equal(ds.linkedKeys, 0);
      assert.deepEqual(
        ds.fields.map((f: { type: string }) => f.type),
        ['NUMBER', 'TEXT', 'TEXT', 'NUMBER', 'TEXT', 'DATETIME', 'BOOLEAN', 'NUMBER'],
      );
      // Used up: the file is gone, and the id with it.
      assert.ok(!stagedFiles().some((f) => f.startsWith(uploadId)));
      const again = await a.call('POST', '/admin/api/datasets', { uploadId, name: 'Twice' });
      assert.equal(again.statusCode, 404);

      await t.modules.access.keys.bind(t.tenant.id, keyId, 'dataset', tickets);
      await t.server.refresh();
      const res = await pub(`/api/dataset/${tickets}?size=2&_sort=id`);
      assert.equal(res.statusCode, 200, res.body);
      const data = res.json().data;
      assert.equal(data.total, 25);
      assert.deepEqual(
        { ...data.records[0], id: undefined },
        {
          id: undefined,
          summary: 'Ticket 1',
          status: 'Open',
          priority: 2,
          zip: '10001',
          due: '2024-03-01T00:00:00Z',
          billable: false,
          hours: 0.5,
        },
      );

      const [entry] = await auditOf('dataset.create');
      assert.equal(entry.target, 'Tickets');
      assert.equal(entry.actor, a.email);
      assert.match(entry.detail, /25 rows, 8 fields from tickets\.csv; types set: zip=TEXT, due=DATETIME/);
    },
  );

  it(
    "another tenant's upload is not found, and neither " + 'is an expired one (which the next upload sweeps away)',
    async () => {
      const mine = await staged('mine.csv', 'a\n1\n');
      const res = await other.call('POST', '/admin/api/datasets', { uploadId: mine, name: 'Stolen' });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'NOT_FOUND');
      const forged = await a.call('POST', '/admin/api/datasets', { uploadId: '../../etc/passwd', name: 'x' });
      assert.equal(forged.statusCode, 404);

      const hourAgo = (Date.now() - 61 * 60 * 1000) / 1000;
      for (const f of stagedFiles().filter((n) => n.startsWith(mine)))
        fs.utimesSync(path.join(uploadDir, f), hourAgo, hourAgo);
      const expired = await a.call('POST', '/admin/api/datasets', { uploadId: mine, name: 'Late' });
      assert.equal(expired.statusCode, 404);
      assert.match(expired.json().error.message, /an hour/);

      const stale = await staged('stale.csv', 'a\n1\n');
      for (const f of stagedFiles().filter((n) => n.startsWith(stale)))
        fs.utimesSync(path.join(uploadDir, f), hourAgo, hourAgo);
      await staged('fresh.csv', 'a\n1\n');
      assert.ok(!stagedFiles().some((f) => f.startsWith(stale)), 'the sweep deleted the expired upload');
    },
  );

  it('browses rows with the public API’s filters, sort, fields and paging', async () => {
    const b = await a.ok(
      'GET',
      `/admin/api/datasets/${tickets}/rows?status=Closed&priority=1,3&_sort=-id&_fields=id,summary,priority&size=2`,
    );
    // Closed tickets are every third; priority is (i % 5) + 1: tickets 21, 15, 12 and 6, by id descending.
    const expected = Array.from({ length: 25 }, (_, k) => k + 1)
      .filter((i) => i % 3 === 0 && [1, 2, 3].includes((i % 5) + 1))
      .sort((x, y) => y - x);
    assert.deepEqual(expected, [21, 15, 12, 6]);
    assert.equal(b.total, expected.length);
    assert.equal(b.size, 2);
    assert.equal(b.current, 1);
    assert.equal(b.pages, Math.ceil(expected.length / 2));
    assert.deepEqual(b.orders, [{ column: 'id', asc: false }]);
    assert.deepEqual(
      b.records.map((r: { summary: string; priority: number }) => [r.summary, r.priority]),
      expected.slice(0, 2).map((i) => [`Ticket ${i}`, (i % 5) + 1]),
    );
    assert.deepEqual(Object.keys(b.records[0]), ['id', 'summary', 'priority']);
  });

  it('a bad filter is 400 INVALID_INPUT naming the field; another tenant’s dataset is 404', async () => {
    const res = await a.call('GET', `/admin/api/datasets/${tickets}/rows?priority=high`);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'INVALID_INPUT');
    assert.match(res.json().error.message, /priority/);
    const unknown = await a.call('GET', `/admin/api/datasets/${tickets}/rows?nope=1`);
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error.message, /nope/);
    for (const url of [
      `/admin/api/datasets/${tickets}`,
      `/admin/api/datasets/${tickets}/rows`,
      `/admin/api/datasets/${tickets}/impact`,
    ]) {
      const r = await other.call('GET', url);
      assert.equal(r.statusCode, 404, url);
    }
    assert.equal((await other.call('DELETE', `/admin/api/datasets/${tickets}`)).statusCode, 404);
    assert.equal((await other.call('PATCH', `/admin/api/datasets/${tickets}`, { name: 'Mine' })).statusCode, 404);
  });

  it(
    'lists with search (name or description, any case), group, sort, order and paging; groups ' +
      'are every group in use',
    async () => {
      await create('Companies', 'name\nAcme\n', { description: 'Customer accounts', integrationGroup: 'ConnectWise' });
      await create('alerts', 'id\n1\n', { integrationGroup: 'Datto' });
      await create('Invoices', 'n\n1\n2\n');
      const all = await a.ok('GET', '/admin/api/datasets');
      assert.equal(all.total, 4);
      // Newest change first by default.
      assert.deepEqual(
        all.items.map((d: { name: string }) => d.name),
        ['Invoices', 'alerts', 'Companies', 'Tickets'],
      );
      assert.deepEqual(all.groups, ['ConnectWise', 'Datto']);
      const names = async (qs: string) =>
        (await a.ok('GET', `/admin/api/datasets?${qs}`)).items.map((d: { name: string }) => d.name);
      assert.deepEqual(await names('search=TICK'), ['Tickets']);
      assert.deepEqual(await names('search=customer'), ['Companies']);
      assert.deepEqual(await names('search=%25'), []);
      assert.deepEqual(await names('group=ConnectWise&sort=name'), ['Companies', 'Tickets']);
      assert.deepEqual(await names('sort=name'), ['alerts', 'Companies', 'Invoices', 'Tickets']);
      assert.deepEqual(await names('sort=name&order=desc'), ['Tickets', 'Invoices', 'Companies', 'alerts']);
      assert.deepEqual(await names('sort=modified&order=asc'), ['Tickets', 'Companies', 'alerts', 'Invoices']);
      const page2 = await a.ok('GET', '/admin/api/datasets?sort=name&size=3&page=2');
      assert.equal(page2.total, 4);
      assert.deepEqual(
        page2.items.map((d: { name: string }) => d.name),
        ['Tickets'],
      );
      assert.equal(page2.items[0].linkedKeys, 1);
      const tooBig = await a.call('GET', '/admin/api/datasets?size=501');
      assert.equal(tooBig.statusCode, 400);
      assert.match(tooBig.json().error.message, /size/);
      assert.equal((await a.call('GET', '/admin/api/datasets?sort=rows')).statusCode, 400);
      const theirs = await other.ok('GET', '/admin/api/datasets');
      assert.deepEqual(theirs, { items: [], total: 0, groups: [] });
    },
  );

  it('PATCH changes name, description and group, and says what changed in the audit log', async () => {
    const ds = await a.ok('PATCH', `/admin/api/datasets/${tickets}`, {
      name: ' Service tickets ',
      integrationGroup: 'Autotask',
    });
    assert.equal(ds.name, 'Service tickets');
    assert.equal(ds.integrationGroup, 'Autotask');
    assert.equal(ds.description, 'Service tickets');
    assert.equal(ds.version, 1);
    assert.equal(ds.rowCount, 25);
    assert.equal((await a.ok('GET', `/admin/api/datasets/${tickets}`)).name, 'Service tickets');
    const [entry] = await auditOf('dataset.update');
    assert.equal(entry.target, 'Service tickets');
    assert.equal(entry.detail, 'name "Tickets" → "Service tickets"; integrationGroup "ConnectWise" → "Autotask"');
    const empty = await a.call('PATCH', `/admin/api/datasets/${tickets}`, { name: '  ' });
    assert.equal(empty.statusCode, 400);
    // The public API sees the new name at once.
    const listed = (await pub('/api/datasets')).json().data;
    assert.equal(listed[0].name, 'Service tickets');
  });

  it('reload replaces rows and fields from a new upload and moves the version on', async () => {
    const uploadId = await staged('tickets-v2.csv', 'id,summary,zip\n1,New,01234\n2,Newer,\n3,Newest,99999\n');
    const wrongOwner = await other.call('POST', `/admin/api/datasets/${tickets}/reload`, { uploadId });
    assert.equal(wrongOwner.statusCode, 404);
    const ds = await a.ok('POST', `/admin/api/datasets/${tickets}/reload`, { uploadId, types: { zip: 'TEXT' } }, 200);
    assert.equal(ds.version, 2);
    assert.equal(ds.rowCount, 3);
    assert.equal(ds.name, 'Service tickets');
    assert.equal(ds.linkedKeys, 1);
    assert.deepEqual(ds.fields, fields({ id: 'NUMBER', summary: 'TEXT', zip: 'TEXT' }));
    const data = (await pub(`/api/dataset/${tickets}`)).json().data;
    assert.equal(data.total, 3);
    assert.deepEqual(data.records[0], { id: 1, summary: 'New', zip: '01234' });
    const [entry] = await auditOf('dataset.reload');
    assert.match(entry.detail, /^version 2: 3 rows, 3 fields from tickets-v2\.csv/);
  });

  it('impact lists the widgets and every key bound to the dataset or one of them; delete takes them all', async () => {
    const { catalog, access } = t.modules;
    const w1 = await createWidget(t, {
      name: 'Count',
      dataset: tickets,
      chart: 'number',
      measures: [{ agg: 'count', label: 'N' }],
    });
    const w2 = await createWidget(t, {
      name: 'By zip',
      dataset: tickets,
      chart: 'bar',
      dimensions: [{ field: 'zip', label: 'Zip' }],
    });
    // A widget of another dataset (w3), bound to the same key, is not touched.
    const invoices = (await a.ok('GET', '/admin/api/datasets?search=invoices')).items[0].id;
    const w3 = await createWidget(t, {
      name: 'Invoices',
      dataset: invoices,
      chart: 'number',
      measures: [{ agg: 'count', label: 'N' }],
    });
    const widgetKey = await boundKey(t, { name: 'board', widgets: [w2.id, w3.id] });
    await t.server.refresh();

    assert.equal((await a.ok('GET', `/admin/api/datasets/${tickets}`)).linkedWidgets, 2);
    const impact = await a.ok('GET', `/admin/api/datasets/${tickets}/impact`);
    assert.deepEqual(impact, {
      widgets: [
        { id: w2.id, name: 'By zip' },
        { id: w1.id, name: 'Count' },
      ],
      keys: [
        { id: widgetKey.id, name: 'board' },
        { id: keyId, name: 'reader' },
      ],
    });

    await a.ok('DELETE', `/admin/api/datasets/${tickets}`);
    assert.equal((await a.call('GET', `/admin/api/datasets/${tickets}`)).statusCode, 404);
    assert.equal(await catalog.widgets.exists(t.tenant.id, w1.id), false);
    assert.equal(await catalog.widgets.exists(t.tenant.id, w2.id), false);
    assert.equal(await catalog.widgets.exists(t.tenant.id, w3.id), true);
    const keys = await access.keys.list(t.tenant.id);
    assert.deepEqual(keys.find((k) => k.id === keyId)!.bindings, { datasets: [], widgets: [] });
    assert.deepEqual(keys.find((k) => k.id === widgetKey.id)!.bindings, { datasets: [], widgets: [w3.id] });
    // The public API answers 404 at once (the delete poked this node's registries).
    const res = await pub(`/api/dataset/${tickets}`);
    assert.equal(res.statusCode, 404);
    const [entry] = await auditOf('dataset.delete');
    assert.equal(entry.target, 'Service tickets');
    assert.equal(entry.detail, '3 rows; widgets deleted: By zip, Count');
    assert.equal((await a.call('DELETE', `/admin/api/datasets/${tickets}`)).statusCode, 404);
    // Its table is retired: dropped by the sweep once readers are done.
    const retired = await t.modules.store.db.selectFrom('retiredTables').select('tableName').execute();
    assert.ok(retired.some((r) => r.tableName.startsWith(`ds_${tickets}_`)));
  });

  it('confirming one upload twice at once makes one dataset', async () => {
    const uploadId = await staged('twice.csv', 'a\n1\n');
    const results = await Promise.all(
      [1, 2].map(() => a.call('POST', '/admin/api/datasets', { uploadId, name: 'Twice' })),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    assert.equal(statuses[0], 201, results.map((r) => r.body).join(' '));
    assert.ok([404, 409].includes(statuses[1]), String(statuses[1]));
    assert.equal((await a.ok('GET', '/admin/api/datasets?search=twice')).total, 1);
  });
});
