import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { boundKey, importDataset } from './support/fixtures.ts';
import { startTestServer, TEST_BACKEND, type TestServer } from './support/test-server.ts';

// PostgreSQL's text type can't hold U+0000 and SQLite's can: every backend refuses it
// at the edge, as a client's mistake naming where it is, never as a 500.
const NUL = 'contains a NUL character (U+0000), which text values cannot hold';
const CSV = ['id,summary,priority', '1,Printer offline,2', '2,VPN down,1', '3,Printer jam,3'].join('\n');

describe(`U+0000 in client input is a 400 naming where it is (${TEST_BACKEND})`, () => {
  let t: TestServer;
  let a: AdminClient;
  let tickets: string;
  let widget: string;
  let secret: string;

  const get = (url: string) => t.server.app.inject({ method: 'GET', url, headers: { apikey: secret } });
  const post = (url: string, payload: string, type: string) =>
    t.server.app.inject({ method: 'POST', url, payload, headers: { apikey: secret, 'content-type': type } });
  const upload = (filename: string, body: string) =>
    a.call('POST', `/admin/api/uploads?filename=${encodeURIComponent(filename)}`, Buffer.from(body), {
      'content-type': 'application/octet-stream',
    });

  function badParameter(
    res: { statusCode: number; body: string; headers: Record<string, unknown> },
    message: string,
  ): void {
    assert.equal(res.statusCode, 400, res.body);
    assert.deepEqual(JSON.parse(res.body), { code: 400, msg: message, data: [] });
    assert.ok(res.headers['x-request-id']);
  }

  function invalidInput(res: { statusCode: number; body: string }, code: string, message: string | RegExp): void {
    assert.equal(res.statusCode, 400, res.body);
    const error = JSON.parse(res.body).error;
    assert.equal(error.code, code);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    a = await signedInAdmin(t);
    tickets = (await importDataset(t, 't.csv', CSV, 'Tickets')).id;
    widget = (
      await a.ok('POST', '/admin/api/widgets', {
        name: 'By summary',
        dataset: tickets,
        chart: 'table',
        dimensions: [{ field: 'summary', label: 'Summary' }],
        measures: [{ agg: 'count', label: 'Tickets' }],
      })
    ).id;
    secret = (await boundKey(t, { name: 'reader', rateLimit: 100_000, datasets: [tickets], widgets: [widget] })).key;
    await t.server.refresh();
  });
  after(() => t.close());

  it('the dataset still answers filters without NUL (the setup works)', async () => {
    const res = await get('/api/dataset/' + tickets + '?summary=printer');
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().data.total, 2);
  });

  it('a TEXT filter in the query string', async () => {
    badParameter(await get(`/api/dataset/${tickets}?summary=a%00b`), `Parameter "summary" ${NUL}`);
    badParameter(await get(`/api/dataset/${tickets}?summary=%00`), `Parameter "summary" ${NUL}`);
  });

  it('other parameters and parameter names in the query string', async () => {
    badParameter(await get(`/api/dataset/${tickets}?priority=1%00`), `Parameter "priority" ${NUL}`);
    badParameter(await get(`/api/dataset/${tickets}?_sort=summary%00`), `Parameter "_sort" ${NUL}`);
    badParameter(await get(`/api/dataset/${tickets}?sum%00mary=x`), `A parameter name ${NUL}: "sum\\u0000mary"`);
  });

  it('a JSON body', async () => {
    badParameter(
      await post(`/api/dataset/${tickets}`, '{"summary":"\\u0000"}', 'application/json'),
      `Parameter "summary" ${NUL}`,
    );
    badParameter(
      await post(`/api/dataset/${tickets}`, '{"summary":["ok","a\\u0000"]}', 'application/json'),
      `Parameter "summary" ${NUL}`,
    );
  });

  it('a form body', async () => {
    badParameter(
      await post(`/api/dataset/${tickets}`, 'summary=a%00b', 'application/x-www-form-urlencoded'),
      `Parameter "summary" ${NUL}`,
    );
  });

  it('API filters on a widget', async () => {
    badParameter(await get(`/api/widget/${widget}?Summary=a%00b`), `Parameter "Summary" ${NUL}`);
    badParameter(
      await post(`/api/widget/${widget}`, '{"Summary":"\\u0000"}', 'application/json'),
      `Parameter "Summary" ${NUL}`,
    );
  });

  it("a widget's own filter through the admin API: create, update and preview", async () => {
    const spec = {
      name: 'Filtered',
      dataset: tickets,
      chart: 'table',
      dimensions: [{ field: 'summary', label: 'Summary' }],
      measures: [{ agg: 'count', label: 'Tickets' }],
      filter: 'summary=a%00b',
    };
    const message = `"filter" is invalid: Parameter "summary" ${NUL}`;
    invalidInput(await a.call('POST', '/admin/api/widgets', spec), 'INVALID_INPUT', message);
    invalidInput(await a.call('POST', '/admin/api/widgets/preview', spec), 'INVALID_INPUT', message);
    invalidInput(await a.call('PUT', `/admin/api/widgets/${widget}`, spec), 'INVALID_INPUT', message);
    // The same filter without the NUL is accepted, so the refusal above is about the NUL.
    const fine = await a.ok('POST', '/admin/api/widgets/preview', { ...spec, filter: 'summary=printer' }, 200);
    assert.ok(Array.isArray(fine.rows), JSON.stringify(fine));
  });

  it('a widget spec with NUL in a label, as a JSON escape in the admin body', async () => {
    const res = await a.call(
      'POST',
      '/admin/api/widgets',
      `{"name":"W","dataset":"${tickets}","chart":"table","dimensions":[{"field":"summary","label":"S\\u0000"}]}`,
      { 'content-type': 'application/json' },
    );
    invalidInput(res, 'INVALID_INPUT', `"body.dimensions[0].label" ${NUL}`);
  });

  it('admin bodies, query strings and paths: dataset name and description, user email', async () => {
    invalidInput(
      await a.call('PATCH', `/admin/api/datasets/${tickets}`, { name: 'Tick\0ets' }),
      'INVALID_INPUT',
      `"body.name" ${NUL}`,
    );
    invalidInput(
      await a.call('PATCH', `/admin/api/datasets/${tickets}`, { description: '\0' }),
      'INVALID_INPUT',
      `"body.description" ${NUL}`,
    );
    invalidInput(
      await a.call('POST', '/admin/api/users', { email: 'x\0@example.com', password: 'correct horse battery' }),
      'INVALID_INPUT',
      `"body.email" ${NUL}`,
    );
    invalidInput(await a.call('POST', '/admin/api/keys', { name: 'k\0' }), 'INVALID_INPUT', `"body.name" ${NUL}`);
    invalidInput(await a.call('GET', '/admin/api/datasets?search=a%00'), 'INVALID_INPUT', `"query.search" ${NUL}`);
    invalidInput(await a.call('GET', '/admin/api/datasets/a%00b'), 'INVALID_INPUT', `"path.id" ${NUL}`);
    // Sign-in takes no session, and is guarded too.
    const signIn = await t.server.app.inject({
      method: 'POST',
      url: '/admin/api/session',
      payload: { email: `${a.email}\0`, password: 'x' },
    });
    invalidInput(signIn, 'INVALID_INPUT', `"body.email" ${NUL}`);
    // Nothing changed.
    const ds = await a.ok('GET', `/admin/api/datasets/${tickets}`);
    assert.equal(ds.name, 'Tickets');
  });

  it(
    'an uploaded CSV with NUL in a cell is refused at upload (which checks every row), naming the ' +
      'file, line and field',
    async () => {
      const rows = Array.from({ length: 40 }, (_, i) => `${i + 1},row ${i + 1},1`);
      rows[29] = '30,bad\0cell,1';
      const res = await upload('nul.csv', ['id,summary,priority', ...rows].join('\n'));
      invalidInput(res, 'IMPORT_INVALID', `nul.csv line 31: field "summary" ${NUL}`);
      const clean = await upload(
        'clean.csv',
        ['id,summary,priority', ...rows.map((r) => r.replace('\0', ''))].join('\n'),
      );
      assert.equal(clean.statusCode, 201, clean.body);
    },
  );

  it('an uploaded NDJSON file with NUL in a value is refused at upload, naming the line and field', async () => {
    const res = await upload('nul.ndjson', '{"id":1,"summary":"ok"}\n{"id":2,"summary":"a\\u0000b"}\n');
    invalidInput(res, 'IMPORT_INVALID', `nul.ndjson line 2: field "summary" ${NUL}`);
  });

  it('an NDJSON file with NUL is refused by the importer itself (the command line path)', async () => {
    await assert.rejects(
      t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('nul2.ndjson', '{"id":1,"summary":"\\u0000"}\n'),
        name: 'N',
      }),
      (e: Error) => e.message === `nul2.ndjson line 1: field "summary" ${NUL}`,
    );
  });

  it('the store answers text PostgreSQL cannot hold as a client mistake (400), not an internal error', async () => {
    // Below every edge check: a service call straight to the store.
    const update = t.modules.catalog.datasets.update(t.tenant.id, tickets, { description: 'a\0b' });
    if (TEST_BACKEND === 'postgres') {
      await assert.rejects(update, (e: Error & { code?: string; statusCode?: number }) => {
        assert.equal(e.code, 'INVALID_INPUT');
        assert.equal(e.statusCode, 400);
        assert.equal(e.message, `A value ${NUL}`);
        return true;
      });
    } else {
      // SQLite stores U+0000; the edges keep it out so that both backends answer alike.
      assert.equal((await update).description, 'a\0b');
      await t.modules.catalog.datasets.update(t.tenant.id, tickets, { description: '' });
    }
  });

  it('the importer itself refuses a CSV with NUL, so a reload leaves the dataset as it was', async () => {
    await assert.rejects(
      t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('reload.csv', 'id,summary,priority\n1,a\0,1\n'),
        name: 'Tickets',
        replaceId: tickets,
      }),
      (e: Error) => e.message === `reload.csv line 2: field "summary" ${NUL}`,
    );
    const res = await get(`/api/dataset/${tickets}`);
    assert.equal(res.json().data.total, 3);
  });
});
