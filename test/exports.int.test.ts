import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { assertBadParameter, boundKey, createWidget, pollStatus } from './support/fixtures.ts';
import { startTestServer, TEST_BACKEND, type TestServer } from './support/test-server.ts';

// Exports (spec section 10): every matching row as CSV, NDJSON or XLSX, streamed.

const CSV_SOURCE =
  'id,name,company,amount,day,at,ok\n' +
  '1534956341424005122,"Printer, ""jammed""",Acme,12.5,2023-02-01,2023-02-10T08:50:28Z,true\n' +
  '2,"two\nlines",Birch,,2023-03-01,,false\n' +
  '3,Ünïcødé ✓ 日本,Acme,-3,,2023-02-10T08:50:28.123Z,\n' +
  '-9223372036854775808,,Acme,0.1,2024-12-31,1999-12-31T23:59:59Z,true\n';

const TYPES = {
  id: 'NUMBER',
  name: 'TEXT',
  company: 'TEXT',
  amount: 'NUMBER',
  day: 'DATE',
  at: 'DATETIME',
  ok: 'BOOLEAN',
} as const;

const EXPECTED_CSV =
  'id,name,company,amount,day,at,ok\r\n' +
  '1534956341424005122,"Printer, ""jammed""",Acme,12.5,2023-02-01,2023-02-10T08:50:28Z,true\r\n' +
  '2,"two\nlines",Birch,,2023-03-01,,false\r\n' +
  '3,Ünïcødé ✓ 日本,Acme,-3,,2023-02-10T08:50:28.123Z,\r\n' +
  '-9223372036854775808,,Acme,0.1,2024-12-31,1999-12-31T23:59:59Z,true\r\n';

const EXPECTED_NDJSON =
  '{"id":1534956341424005122,"name":"Printer, \\"jammed\\"","company":"Acme","amount":12.5,"day":"2023-02-01",' +
  '"at":"2023-02-10T08:50:28Z","ok":true}\n' +
  '{"id":2,"name":"two\\nlines","company":"Birch","amount":null,"day":"2023-03-01","at":null,"ok":false}\n' +
  '{"id":3,"name":"Ünïcødé ✓ 日本","company":"Acme","amount":-3,"day":null,"at":"2023-02-10T08:50:28.123Z",' +
  '"ok":null}\n' +
  '{"id":-9223372036854775808,"name":null,"company":"Acme","amount":0.1,"day":"2024-12-31",' +
  '"at":"1999-12-31T23:59:59Z","ok":true}\n';

// The large dataset (disconnect, concurrency): enough that an unread export, CSV or
// XLSX, fills the socket's buffers and waits (about 25 MB of CSV).
const BIG_ROWS = 60_000;
const BIG_COLUMNS = 24;

describe('exports', () => {
  let t: TestServer;
  let dsId: string;
  let bigId: string;
  let widgetId: string;
  let otherWidgetId: string;
  let all: { id: string; key: string };
  let acme: { id: string; key: string };
  let unbound: { id: string; key: string };
  let base: string;

  const get = (url: string, key?: string) =>
    t.server.app.inject({ method: 'GET', url, headers: key === undefined ? {} : { apikey: key } });

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '100000' });
    const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('tickets.csv', CSV_SOURCE),
      name: 'Tickets é',
      types: TYPES,
    });
    dsId = ds.id;
    // Numbers that do not compress away, so that an XLSX export is large too; NUMBER
    // columns, whose indexes build fast on every backend.
    const lines = [['n', ...Array.from({ length: BIG_COLUMNS }, (_, c) => `v${c}`)].join(',')];
    const digits = randomBytes(BIG_ROWS * BIG_COLUMNS * 8);
    for (let i = 0; i < BIG_ROWS; i++) {
      const row = [String(i + 1)];
      for (let c = 0; c < BIG_COLUMNS; c++) row.push(String(digits.readBigUInt64LE((i * BIG_COLUMNS + c) * 8) >> 12n));
      lines.push(row.join(','));
    }
    bigId = (
      await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('big.csv', lines.join('\n')),
        name: 'Big',
      })
    ).id;
    widgetId = (
      await createWidget(t, {
        name: 'By "company"/x',
        dataset: dsId,
        chart: 'table',
        dimensions: [{ field: 'company', label: 'Company' }],
        measures: [
          { agg: 'count', label: 'Count' },
          { agg: 'sum', field: 'amount', label: 'Amount' },
        ],
        sort: 'Company',
      })
    ).id;
    otherWidgetId = (
      await createWidget(t, {
        name: 'Other',
        dataset: dsId,
        chart: 'number',
        dimensions: [],
        measures: [{ agg: 'count', label: 'N' }],
      })
    ).id;
    all = await boundKey(t, { name: 'all', rateLimit: 1_000_000, datasets: [dsId, bigId], widgets: [widgetId] });
    acme = await t.modules.access.keys.create(t.tenant.id, { name: 'acme', rateLimit: 1_000_000 });
    await t.modules.access.keys.bind(t.tenant.id, acme.id, 'dataset', dsId, 'company[eq]=Acme');
    await t.modules.access.keys.bind(t.tenant.id, acme.id, 'widget', widgetId, 'company[eq]=Acme');
    unbound = await boundKey(t, { name: 'nothing', rateLimit: 1_000_000 });
    await t.server.refresh();
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.server.app.server.address() as AddressInfo).port}`;
  });
  after(async () => t?.close());

  it('writes the exact CSV: RFC 4180 quoting, CRLF, UTF-8, empty nulls, 64-bit integers', async () => {
    const res = await get(`/api/dataset/${dsId}/export?format=csv`, all.key);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(res.body, EXPECTED_CSV);
    assert.ok(res.headers['x-ratelimit-limit'], 'an export carries the rate-limit headers');
    assert.equal(res.headers['x-dataset-version'], '1');
  });

  it('writes NDJSON with values exactly as the JSON envelope renders them', async () => {
    const res = await get(`/api/dataset/${dsId}/export?format=ndjson`, all.key);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/x-ndjson; charset=utf-8');
    assert.equal(res.body, EXPECTED_NDJSON);
    const page = (await get(`/api/dataset/${dsId}?size=100`, all.key)).body;
    const records = page.slice(page.indexOf('"records":[') + 11, page.indexOf('],"total"'));
    assert.equal(res.body.trimEnd().split('\n').join(','), records);
  });

  it('honours _numbers=string in NDJSON as the JSON response does, and compresses when asked', async () => {
    const res = await get(`/api/dataset/${dsId}/export?format=ndjson&_numbers=string&_fields=id,amount`, all.key);
    assert.equal(
      res.body,
      '{"id":"1534956341424005122","amount":"12.5"}\n{"id":"2","amount":null}\n{"id":"3","amount":"-3"}\n' +
        '{"id":"-9223372036854775808","amount":"0.1"}\n',
    );
    const gz = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${dsId}/export?format=csv`,
      headers: { apikey: all.key, 'accept-encoding': 'gzip' },
    });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.rawPayload).toString('utf8'), EXPECTED_CSV);
  });

  it('writes XLSX with typed cells: numbers, dates, booleans, big integers as text', async () => {
    const res = await get(`/api/dataset/${dsId}/export?format=xlsx`, all.key);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as never);
    assert.equal(book.worksheets.length, 1);
    const sheet = book.worksheets[0];
    assert.deepEqual((sheet.getRow(1).values as unknown[]).slice(1), Object.keys(TYPES));
    const row = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    const [id, name, company, amount, day, at, ok] = row(2);
    assert.equal(id, '1534956341424005122');
    assert.equal(name, 'Printer, "jammed"');
    assert.equal(company, 'Acme');
    assert.equal(amount, 12.5);
    assert.ok(day instanceof Date);
    assert.equal((day as Date).toISOString(), '2023-02-01T00:00:00.000Z');
    assert.ok(at instanceof Date);
    assert.equal((at as Date).toISOString(), '2023-02-10T08:50:28.000Z');
    assert.equal(ok, true);
    assert.equal(sheet.getCell('A3').value, 2);
    assert.equal(sheet.getCell('B3').value, 'two\nlines');
    assert.equal(sheet.getCell('D3').value, null);
    assert.equal(sheet.getCell('G3').value, false);
    assert.equal(sheet.getCell('D4').value, -3);
    assert.equal(sheet.getCell('A5').value, '-9223372036854775808');
    assert.equal(sheet.getCell('E2').numFmt, 'yyyy-mm-dd');
    assert.equal(sheet.rowCount, 5);
  });

  it('applies the scope, filters, _sort and _fields, and ignores paging', async () => {
    const q = 'format=csv&amount=-10,20&_sort=-amount&_fields=id,amount&current=2&size=1';
    const scoped = await get(`/api/dataset/${dsId}/export?${q}`, acme.key);
    assert.equal(scoped.body, 'id,amount\r\n1534956341424005122,12.5\r\n-9223372036854775808,0.1\r\n3,-3\r\n');
    const unscoped = await get(`/api/dataset/${dsId}/export?${q}&company=`, all.key);
    assert.equal(unscoped.body, 'id,amount\r\n');
    const everyone = await get(`/api/dataset/${dsId}/export?format=csv&_fields=company`, all.key);
    assert.equal(everyone.body, 'company\r\nAcme\r\nBirch\r\nAcme\r\nAcme\r\n');
  });

  it('never exports a row outside the key’s scope, whatever the request asks', async () => {
    for (const q of ['company=Birch', 'company[eq]=Birch', 'company[ne]=Acme', 'company=', '_fields=company', '']) {
      for (const format of ['csv', 'ndjson']) {
        const res = await get(`/api/dataset/${dsId}/export?format=${format}&${q}`, acme.key);
        assert.equal(res.statusCode, 200, q);
        assert.doesNotMatch(res.body, /Birch|two/, `${format} ${q}`);
      }
      const w = await get(`/api/widget/${widgetId}/export?format=csv&${q.replace('company', 'Company')}`, acme.key);
      if (w.statusCode === 200) assert.doesNotMatch(w.body, /Birch/, q);
      else assert.equal(w.statusCode, 400, q);
    }
    const xlsx = await get(`/api/dataset/${dsId}/export?format=xlsx&company=Birch`, acme.key);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    assert.equal(book.worksheets[0].rowCount, 1, 'the header alone');
  });

  it('exports a widget’s whole result as its page renders it, scoped for a scoped key', async () => {
    const res = await get(`/api/widget/${widgetId}/export?format=ndjson`, all.key);
    assert.equal(res.statusCode, 200);
    const page = (await get(`/api/widget/${widgetId}?size=100`, all.key)).body;
    const data = page.slice(page.indexOf('"data":[') + 8, page.lastIndexOf(']}'));
    assert.equal(res.body.trimEnd().split('\n').join(','), data);
    assert.equal(
      res.body,
      '{"Company":"Acme","Count":"3","Amount":"9.6"}\n{"Company":"Birch","Count":"1","Amount":null}\n',
    );
    const csv = await get(`/api/widget/${widgetId}/export?format=csv&_sort=-Count`, acme.key);
    assert.equal(csv.body, 'Company,Count,Amount\r\nAcme,3,9.6\r\n');
    const xlsx = await get(`/api/widget/${widgetId}/export?format=xlsx`, all.key);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    assert.equal(book.worksheets[0].getCell('B2').value, 3);
    assert.equal(book.worksheets[0].getCell('C2').value, 9.6);
  });

  it('names the file after the resource, RFC 6266 filename* for non-ASCII', async () => {
    const ds = await get(`/api/dataset/${dsId}/export?format=ndjson`, all.key);
    assert.equal(
      ds.headers['content-disposition'],
      `attachment; filename="Tickets _.ndjson"; filename*=UTF-8''Tickets%20%C3%A9.ndjson`,
    );
    const w = await get(`/api/widget/${widgetId}/export?format=xlsx`, all.key);
    assert.equal(w.headers['content-disposition'], 'attachment; filename="By _company__x.xlsx"');
  });

  it('answers 400, 401, 403 and 404 in the contract’s bodies', async () => {
    assertBadParameter(await get(`/api/dataset/${dsId}/export`, all.key), /"format" is required/);
    assertBadParameter(await get(`/api/dataset/${dsId}/export?format=pdf`, all.key), /csv, ndjson, xlsx/);
    assertBadParameter(await get(`/api/widget/${widgetId}/export?format=`, all.key), /"format"/);
    assertBadParameter(await get(`/api/dataset/${dsId}/export?format=csv&amount=abc`, all.key), /amount/);
    assertBadParameter(await get(`/api/dataset/${dsId}/export?format=csv&nope=1`, all.key), /nope/);
    assertBadParameter(await get(`/api/widget/${widgetId}/export?format=csv&_sort=zzz`, all.key), /zzz/);
    const missing = await get(`/api/dataset/${dsId}/export?format=csv`);
    assert.equal(missing.statusCode, 401);
    assert.equal(missing.body, '{"message":"Missing API key in request"}');
    const invalid = await get(`/api/dataset/${dsId}/export?format=csv`, 'not-a-key');
    assert.equal(invalid.statusCode, 401);
    assert.equal(invalid.body, '{"message":"Invalid API key in request"}');
    for (const url of [`/api/dataset/${dsId}/export?format=csv`, `/api/widget/${otherWidgetId}/export?format=csv`]) {
      const res = await get(url, unbound.key);
      assert.equal(res.statusCode, 403, url);
      assert.equal(res.body, '{"code":500,"msg":"The resourceId is invalid.","data":[]}');
    }
    const noDs = await get('/api/dataset/1234567890123456789/export?format=csv', all.key);
    assert.equal(noDs.statusCode, 404);
    assert.equal(noDs.body, `{"code":-1,"msg":"Can't find dataset","data":[]}`);
    const noW = await get('/api/widget/1234567890123456789/export?format=csv', all.key);
    assert.equal(noW.statusCode, 404);
    assert.equal(noW.body, `{"code":-1,"msg":"Can't find widget","data":[]}`);
    const post = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}/export?format=csv`,
      headers: { apikey: all.key },
    });
    assert.equal(post.statusCode, 404);
    const head = await t.server.app.inject({
      method: 'HEAD',
      url: `/api/dataset/${dsId}/export?format=csv`,
      headers: { apikey: all.key },
    });
    assert.equal(head.statusCode, 404, 'no HEAD: it would read the whole export');
  });

  it('counts an export as one request against the key’s rate limit', async () => {
    const k = await boundKey(t, { name: 'one a minute', rateLimit: 1, datasets: [bigId] });
    await t.server.refresh();
    const first = await get(`/api/dataset/${bigId}/export?format=csv`, k.key);
    assert.equal(first.statusCode, 200);
    assert.equal(first.body.split('\r\n').length, BIG_ROWS + 2);
    assert.equal(first.headers['x-ratelimit-remaining'], '0');
    const second = await get(`/api/dataset/${bigId}/export?format=csv`, k.key);
    assert.equal(second.statusCode, 429);
    assert.equal(second.body, '{"code":429,"msg":"API rate limit exceeded: 1 requests per minute.","data":[]}');
    assert.ok(second.headers['retry-after']);
  });

  /** An export over a real socket that reads its first chunk and then stops reading. */
  function stalledExport(
    key: string,
    url: string,
    headers: Record<string, string> = {},
  ): Promise<{ res: http.IncomingMessage; destroy: () => void }> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${base}${url}`, { headers: { apikey: key, ...headers } }, (res) => {
        res.once('data', () => {
          res.pause();
          resolve({ res, destroy: () => req.destroy() });
        });
      });
      req.on('error', (e) =>
        e.message.includes('socket hang up') || /ECONNRESET/.test(e.message) ? undefined : reject(e),
      );
    });
  }

  /**
   * What export queries hold open on the server: PostgreSQL sessions of the export pool
   * that are not idle; on SQLite, 1 while a reader's snapshot keeps a checkpoint from
   * emptying the WAL after a write (an open statement holds one), else 0.
   */
  async function heldByExports(): Promise<number> {
    if (TEST_BACKEND === 'postgres') {
      const client = new pg.Client({ connectionString: t.config.database });
      await client.connect();
      try {
        const r = await client.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
             AND application_name = 'datagate-export' AND state <> 'idle'`,
        );
        return r.rows[0].n;
      } finally {
        await client.end();
      }
    }
    await t.modules.access.keys.create(t.tenant.id, { name: 'a write' });
    const db = new Database(t.config.database.slice('sqlite:'.length), { timeout: 0 });
    try {
      const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      return r.busy;
    } finally {
      db.close();
    }
  }

  it('runs at most two exports of a key at a time, and frees the query when the client goes (CSV, XLSX)', async () => {
    assert.equal(await heldByExports(), 0);
    const url = `/api/dataset/${bigId}/export?format=csv`;
    // A CSV compressed on the way (gzip), and an XLSX.
    const a = await stalledExport(all.key, url, { 'accept-encoding': 'gzip' });
    const b = await stalledExport(all.key, url.replace('csv', 'xlsx')).catch((e) => {
      a.destroy();
      throw e;
    });
    try {
      assert.equal(a.res.statusCode, 200);
      assert.equal(a.res.headers['content-encoding'], 'gzip');
      assert.equal(b.res.statusCode, 200);
      // Each export holds a connection of its own (SQLite tells only that one is held).
      assert.equal(await heldByExports(), TEST_BACKEND === 'postgres' ? 2 : 1);
      const third = await get(url, all.key);
      assert.equal(third.statusCode, 429);
      assert.equal(
        third.body,
        '{"code":429,"msg":"Too many exports at once: this API key runs at most 2 exports at a time.","data":[]}',
      );
      assert.ok(third.headers['retry-after']);
      // Another key is not held back by this one's exports.
      const other = await get(`/api/dataset/${dsId}/export?format=csv`, acme.key);
      assert.equal(other.statusCode, 200);
    } finally {
      a.destroy();
      b.destroy();
    }
    const freed = await pollStatus(heldByExports, (n) => n === 0, 10_000, 50);
    assert.equal(freed.status, 0, 'the cursors are closed and their connections freed');
    const again = await pollStatus(
      async () => (await get(url, all.key)).statusCode,
      (s) => s === 200,
      10_000,
      50,
    );
    assert.equal(again.status, 200, 'the key’s slots are free again');
  });
});
