import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FILTER_DOCS, operatorDoc } from '../src/api/public/key-openapi.ts';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { DATASET_PAGE_KEYS } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const CSV = [
  'id,summary,Real Name,price,is_default,day,created,_hidden',
  '1,Printer,Nina,12.6,true,2023-02-01,2023-02-01T10:00:00Z,x',
].join('\n');
const TYPES = {
  id: 'NUMBER',
  summary: 'TEXT',
  'Real Name': 'TEXT',
  price: 'NUMBER',
  is_default: 'BOOLEAN',
  day: 'DATE',
  created: 'DATETIME',
  _hidden: 'TEXT',
} as const;

type Doc = any;

/**
 * Checks what a client generator relies on: versions, unique operation ids, parameters per operation, resolvable refs.
 */
function assertWellFormed(doc: Doc): void {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  assert.ok(Array.isArray(doc.servers) && doc.servers.length === 1);
  const opIds = new Set<string>();
  for (const [p, item] of Object.entries<Doc>(doc.paths)) {
    if (p.startsWith('/odata/')) {
      // The OData feed's three paths: GET only, documented as such.
      assert.ok(['/odata/', '/odata/$metadata', '/odata/{entitySet}'].includes(p), p);
      assert.deepEqual(Object.keys(item), ['get']);
      assert.ok(!opIds.has(item.get.operationId));
      opIds.add(item.get.operationId);
      continue;
    }
    assert.match(p, /^\/api\/(dataset|widget)\/[A-Za-z0-9_-]+(\/export)?$/);
    for (const [method, op] of Object.entries<Doc>(item)) {
      assert.ok(['get', 'post'].includes(method), `${p} has ${method}`);
      assert.ok(!opIds.has(op.operationId), `duplicate operationId ${op.operationId}`);
      opIds.add(op.operationId);
      const seen = new Set<string>();
      for (const prm of op.parameters) {
        assert.equal(prm.in, 'query');
        assert.ok(!seen.has(prm.name), `${p} ${method}: parameter ${prm.name} twice`);
        seen.add(prm.name);
        assert.equal(typeof prm.schema.type, 'string');
        assert.ok(prm.description.length > 10);
      }
      for (const code of ['200', '400', '401', '403', '404', '429'])
        assert.ok(op.responses[code], `${p} ${method} lacks ${code}`);
    }
  }
  // Every $ref points at something in the document.
  const text = JSON.stringify(doc);
  for (const m of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
    let node: Doc = doc;
    for (const part of m[1].split('/')) node = node?.[part];
    assert.ok(node, `dangling $ref #/${m[1]}`);
  }
}

describe('GET /api/openapi.json: the document of the calling key', () => {
  let t: TestServer;
  let a: AdminClient;
  let ds: string;
  let unboundDs: string;
  let widget: string;
  let key: string;
  let keyId: string;

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey: key, ...headers } });

  before(async () => {
    t = await startTestServer({ DATAGATE_PUBLIC_URL: 'https://data.example.com/', DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    a = await signedInAdmin(t);
    const { catalog, access } = t.modules;
    ds = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('t.csv', CSV),
        name: 'Tickets',
        description: 'All tickets',
        types: { id: 'NUMBER' },
      })
    ).id;
    unboundDs = (await catalog.datasets.importFile(t.tenant.id, { file: t.file('u.csv', 'a\n1\n'), name: 'Unbound' }))
      .id;
    widget = (
      await catalog.widgets.create(t.tenant.id, {
        name: 'By day',
        dataset: ds,
        chart: 'bar',
        dimensions: [
          { field: 'day', label: 'Month', bucket: 'month' },
          { field: 'summary', label: 'Summary' },
        ],
        measures: [{ agg: 'sum', field: 'price', label: 'Total' }],
      })
    ).id;
    const k = await access.keys.create(t.tenant.id, { name: 'BI tool' });
    key = k.key;
    keyId = k.id;
    await access.keys.bind(t.tenant.id, keyId, 'dataset', ds);
    await access.keys.bind(t.tenant.id, keyId, 'widget', widget);
    await t.server.refresh();
  });
  after(() => t.close());

  it('describes exactly the bound resources, GET and POST each, under the configured base URL', async () => {
    const res = await get('/api/openapi.json');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const doc = res.json();
    assertWellFormed(doc);
    assert.equal(doc.info.title, 'datagate public API — BI tool');
    assert.deepEqual(doc.servers, [{ url: 'https://data.example.com' }]);
    assert.deepEqual(
      Object.keys(doc.paths).sort(),
      [
        `/api/dataset/${ds}`,
        `/api/dataset/${ds}/export`,
        `/api/widget/${widget}`,
        `/api/widget/${widget}/export`,
        '/odata/',
        '/odata/$metadata',
        '/odata/{entitySet}',
      ].sort(),
    );
    const exp = doc.paths[`/api/dataset/${ds}/export`].get;
    assert.deepEqual(Object.keys(doc.paths[`/api/dataset/${ds}/export`]), ['get']);
    assert.deepEqual(exp.parameters[0], {
      ...exp.parameters[0],
      name: 'format',
      required: true,
      schema: { type: 'string', enum: ['csv', 'ndjson', 'xlsx'] },
    });
    assert.ok(!exp.parameters.some((prm: Doc) => prm.name === 'current' || prm.name === 'size'));
    assert.ok(!JSON.stringify(doc).includes(unboundDs));
    assert.deepEqual(Object.keys(doc.paths[`/api/dataset/${ds}`]), ['get', 'post']);
    assert.deepEqual(doc.components.securitySchemes.apikey, { type: 'apiKey', in: 'header', name: 'apikey' });
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
  });

  it('documents paging, options and one parameter per filterable field with its type', async () => {
    const op = (await get('/api/openapi.json')).json().paths[`/api/dataset/${ds}`].get;
    assert.equal(op.summary, 'Tickets');
    assert.equal(op.description, 'All tickets');
    const byName = new Map<string, Doc>(op.parameters.map((p: Doc) => [p.name, p]));
    assert.equal(byName.get('current').schema.type, 'integer');
    assert.match(
      byName.get('current').description,
      /the current page data is returned according to the page response you specify/,
    );
    assert.equal(byName.get('size').schema.type, 'integer');
    assert.match(byName.get('size').description, /how many data entries will be displayed on each page/);
    assert.ok(byName.has('_sort') && byName.has('_fields'));
    // `_hidden` starts with an underscore, so it names an option, never a field (spec section 5).
    const filters = op.parameters.filter((p: Doc) => p['x-field-type']);
    assert.deepEqual(
      filters.map((p: Doc) => [p.name, p['x-field-type']]),
      Object.entries(TYPES).filter(([n]) => n !== '_hidden'),
    );
    for (const f of filters) {
      assert.equal(f.schema.type, 'string');
      assert.ok(f.description.includes(FILTER_DOCS[f['x-field-type'] as keyof typeof FILTER_DOCS]));
    }
    assert.match(byName.get('summary').description, /case-insensitive/);
    assert.match(byName.get('price').description, /64-bit/);
  });

  it('documents the operators in brackets: one parameter per field and operator that applies to its type', async () => {
    const op = (await get('/api/openapi.json')).json().paths[`/api/dataset/${ds}`].get;
    const withOps = op.parameters.filter((p: Doc) => p['x-filter-operator']);
    const expected = Object.entries(TYPES)
      .filter(([n]) => n !== '_hidden')
      .flatMap(([n, type]) =>
        (type === 'TEXT' ? ['eq', 'ne', 'in', 'contains'] : ['eq', 'ne', 'in']).map((o) => [`${n}[${o}]`, n, o]),
      );
    assert.deepEqual(
      withOps.map((p: Doc) => [p.name, p['x-filter-field'], p['x-filter-operator']]),
      expected,
    );
    for (const p of withOps) {
      const type = TYPES[p['x-filter-field'] as keyof typeof TYPES];
      assert.equal(p.schema.type, 'string');
      assert.ok(p.description.endsWith(operatorDoc(p['x-filter-operator'], type)), p.description);
    }
    const byName = new Map<string, Doc>(op.parameters.map((p: Doc) => [p.name, p]));
    assert.match(byName.get('summary[eq]').description, /case-sensitive/);
    assert.match(byName.get('summary[in]').description, /\\, for a comma within a value/);
    assert.match(byName.get('created[eq]').description, /a date `YYYY-MM-DD` means any time in that UTC day/);
    assert.match(byName.get('price[ne]').description, /null never match/);
    // Documented as it works.
    const res = await get(
      `/api/dataset/${ds}?summary[eq]=Printer&price[in]=1,12.6&created[eq]=2023-02-01&is_default[ne]=false`,
    );
    assert.equal(res.json().data.total, 1);
    assert.equal((await get(`/api/dataset/${ds}?summary[eq]=printer`)).json().data.total, 0);
  });

  it('leaves out an operator parameter that is itself a field name', async () => {
    const { catalog, access } = t.modules;
    const odd = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('odd.csv', 'tag,TAG[EQ],current\nx,y,1\n'),
        name: 'Odd',
      })
    ).id;
    const k = await access.keys.create(t.tenant.id, { name: 'odd' });
    await access.keys.bind(t.tenant.id, k.id, 'dataset', odd);
    await t.server.refresh();
    const op = (await get('/api/openapi.json', { apikey: k.key })).json().paths[`/api/dataset/${odd}`].get;
    const names = op.parameters.map((p: Doc) => p.name);
    assert.deepEqual(
      names.filter((n: string) => n.includes('[')),
      [
        'TAG[EQ]',
        'tag[ne]',
        'tag[in]',
        'tag[contains]',
        'TAG[EQ][eq]',
        'TAG[EQ][ne]',
        'TAG[EQ][in]',
        'TAG[EQ][contains]',
        'current[eq]',
        'current[ne]',
        'current[in]',
      ],
      '"tag[eq]" names the field "TAG[EQ]"',
    );
    const answer = await get(`/api/dataset/${odd}?current[eq]=1&TAG[EQ][eq]=y&tag[eq]=Y`, { apikey: k.key });
    assert.equal(answer.json().data.total, 1, answer.body);
  });

  it('gives the envelope of a page of rows with each field’s JSON type, and the error bodies', async () => {
    const op = (await get('/api/openapi.json')).json().paths[`/api/dataset/${ds}`].post;
    const schema = op.responses['200'].content['application/json'].schema;
    const data = schema.properties.data;
    assert.deepEqual(data.required, [...DATASET_PAGE_KEYS]);
    const rec = data.properties.records.items.properties;
    assert.deepEqual(Object.keys(rec), Object.keys(TYPES));
    assert.deepEqual(
      [rec.id.type, rec.summary.type, rec.is_default.type, rec.day.format, rec.created.format],
      [['number', 'null'], ['string', 'null'], ['boolean', 'null'], 'date', 'date-time'],
    );
    assert.deepEqual(op.responses['403'].content['application/json'].examples.unbound.value, {
      code: 500,
      msg: 'The resourceId is invalid.',
      data: [],
    });
    assert.deepEqual(op.responses['403'].content['application/json'].examples.addressRefused.value, {
      code: 403,
      msg: 'This address is not allowed for this API key.',
      data: [],
    });
    assert.deepEqual(op.responses['401'].content['application/json'].examples.missing.value, {
      message: 'Missing API key in request',
    });
    assert.deepEqual(op.responses['404'].content['application/json'].examples.notFound.value, {
      code: -1,
      msg: "Can't find dataset",
      data: [],
    });
    assert.ok(op.requestBody.content['application/x-www-form-urlencoded']);
  });

  it('describes a widget by its result columns, and the X-Total-Count header', async () => {
    const op = (await get('/api/openapi.json')).json().paths[`/api/widget/${widget}`].get;
    assert.equal(op.summary, 'By day');
    const filters = op.parameters.filter((p: Doc) => p['x-field-type']);
    assert.deepEqual(
      filters.map((p: Doc) => [p.name, p['x-field-type']]),
      [
        ['Month', 'DATE'],
        ['Summary', 'TEXT'],
        ['Total', 'NUMBER'],
      ],
    );
    const ok = op.responses['200'];
    assert.ok(ok.headers['X-Total-Count']);
    assert.deepEqual(Object.keys(ok.content['application/json'].schema.properties.data.items.properties), [
      'Month',
      'Summary',
      'Total',
    ]);
    assert.deepEqual(op.responses['404'].content['application/json'].examples.notFound.value, {
      code: -1,
      msg: "Can't find widget",
      data: [],
    });
  });

  it(
    'documents what the API answers: the values have the ' + 'documented JSON types, a filter as documented works',
    async () => {
      const doc = (await get('/api/openapi.json')).json();
      const rec =
        doc.paths[`/api/dataset/${ds}`].get.responses['200'].content['application/json'].schema.properties.data
          .properties.records.items.properties;
      const res = await get(`/api/dataset/${ds}?price=12,13&Real%20Name=nin`);
      assert.equal(res.json().data.total, 1);
      const row = res.json().data.records[0];
      assert.deepEqual(Object.keys(row), Object.keys(rec));
      for (const [name, v] of Object.entries(row)) {
        const jsonType = v === null ? 'null' : typeof v;
        assert.ok(rec[name].type.includes(jsonType), `${name}: ${jsonType} is not one of ${rec[name].type}`);
      }
      const w = await get(`/api/widget/${widget}`);
      const cols = Object.keys(
        doc.paths[`/api/widget/${widget}`].get.responses['200'].content['application/json'].schema.properties.data.items
          .properties,
      );
      assert.deepEqual(Object.keys(w.json().data[0]), cols);
    },
  );

  it('the admin API serves the same document for the key', async () => {
    const fromAdmin = await a.ok('GET', `/admin/api/keys/${keyId}/openapi.json`);
    assert.deepEqual(fromAdmin, (await get('/api/openapi.json')).json());
    assert.equal((await a.call('GET', '/admin/api/keys/123/openapi.json')).statusCode, 404);
  });

  it('follows binding changes', async () => {
    await a.ok('DELETE', `/admin/api/keys/${keyId}/bindings/widget/${widget}`);
    assert.deepEqual(Object.keys((await get('/api/openapi.json')).json().paths), [
      `/api/dataset/${ds}`,
      `/api/dataset/${ds}/export`,
      '/odata/',
      '/odata/$metadata',
      '/odata/{entitySet}',
    ]);
    await a.ok('POST', `/admin/api/keys/${keyId}/bindings`, { widgets: [widget] }, 200);
    assert.equal(Object.keys((await get('/api/openapi.json')).json().paths).length, 7);
  });

  it('answers the public security errors: no key 401, unknown key 401, switch off 403', async () => {
    const none = await t.server.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.body, '{"message":"Missing API key in request"}');
    const unknown = await get('/api/openapi.json', { apikey: `dgk_${'0'.repeat(40)}` });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.body, '{"message":"Invalid API key in request"}');
    const bearer = await t.server.app.inject({
      method: 'GET',
      url: '/api/openapi.json',
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(bearer.statusCode, 200);
    await a.ok('PUT', '/admin/api/settings/public-api', { enabled: false });
    const off = await get('/api/openapi.json');
    assert.equal(off.statusCode, 403);
    assert.equal(off.body, '{"code":403,"msg":"The Public API is disabled for this account.","data":[]}');
    await a.ok('PUT', '/admin/api/settings/public-api', { enabled: true });
    assert.equal((await get('/api/openapi.json')).statusCode, 200);
  });

  it('a key of another tenant sees only its own resources', async () => {
    const other = await t.modules.access.tenants.ensure('other');
    const k = await t.modules.access.keys.create(other.id, { name: 'Other' });
    await t.server.refresh();
    const doc = (await get('/api/openapi.json', { apikey: k.key })).json();
    assert.deepEqual(doc.paths, {});
    assert.equal(doc.info.title, 'datagate public API — Other');
  });
});

describe('GET /api/openapi.json without a configured public URL', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('names the origin the request came to', async () => {
    const k = await t.modules.access.keys.create(t.tenant.id, { name: 'k' });
    await t.server.refresh();
    const res = await t.server.app.inject({
      method: 'GET',
      url: '/api/openapi.json',
      headers: { apikey: k.key, host: 'api.example.org:8443' },
    });
    assert.deepEqual(res.json().servers, [{ url: 'http://api.example.org:8443' }]);
  });
});
