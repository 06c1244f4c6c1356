import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { OData } from '@odata/client';
import { boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// The OData v4 feed of spec section 11 over HTTP: the exact service document, metadata
// and entity bodies, every query option and refusal, the three ways to present the key,
// row scopes, server-driven paging, and a walk with an OData client library. The
// `$filter` rules row by row are in test/support/odata-cases.ts.

const TICKETS = [
  'id,company,status,hours,billable,opened,created',
  '1534956341424005121,Acme,Open,1.5,true,2023-01-01,2023-01-01T10:00:00Z',
  '1534956341424005122,Acme Dental Group,Closed,2,false,2023-01-02,2023-01-01T23:59:59.999Z',
  '3,acme,New,,true,2023-01-02,2023-01-02T00:00:00Z',
  '4,Acme,Open,4,,2023-02-01,2023-02-01T12:00:00+02:00',
  '5,"Birch, Inc",,0.25,false,,',
].join('\n');

/** Rows of the big dataset: more than one page of 1,000. */
const BIG_ROWS = 2345;
const BIG = ['n,label,amount', ...Array.from({ length: BIG_ROWS }, (_, i) => `${i + 1},row ${i + 1},${i % 7}`)].join(
  '\n',
);

const ROOT = 'http://localhost:80/odata/';
const JSON_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const ENTITIES = [
  {
    RowNumber: 1,
    id: 1534956341424005121n,
    company: 'Acme',
    status: 'Open',
    hours: 1.5,
    billable: true,
    opened: '2023-01-01',
    created: '2023-01-01T10:00:00Z',
  },
  {
    RowNumber: 2,
    id: 1534956341424005122n,
    company: 'Acme Dental Group',
    status: 'Closed',
    hours: 2,
    billable: false,
    opened: '2023-01-02',
    created: '2023-01-01T23:59:59.999Z',
  },
  {
    RowNumber: 3,
    id: 3,
    company: 'acme',
    status: 'New',
    hours: null,
    billable: true,
    opened: '2023-01-02',
    created: '2023-01-02T00:00:00Z',
  },
  {
    RowNumber: 4,
    id: 4,
    company: 'Acme',
    status: 'Open',
    hours: 4,
    billable: null,
    opened: '2023-02-01',
    created: '2023-02-01T10:00:00Z',
  },
  {
    RowNumber: 5,
    id: 5,
    company: 'Birch, Inc',
    status: null,
    hours: 0.25,
    billable: false,
    opened: null,
    created: null,
  },
];

/** JSON text as the feed writes it: bigints as their digits, no spaces. */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `@@${x}@@` : x)).replace(/"@@(-?\d+)@@"/g, '$1');
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('the OData feed', () => {
  let t: TestServer;
  let key: string;
  let ticketsId: string;
  let bigId: string;
  let byCompanyId: string;

  async function get(url: string, headers: Record<string, string> = { apikey: key }) {
    const res = await t.server.app.inject({ method: 'GET', url, headers });
    return { status: res.statusCode, headers: res.headers, body: res.body, json: () => JSON.parse(res.body) };
  }

  /** An OData error: its status, OData-Version and body. */
  function assertODataError(
    res: Awaited<ReturnType<typeof get>>,
    status: number,
    code: string,
    message: RegExp | string,
  ): void {
    assert.equal(res.status, status, res.body);
    assert.equal(res.headers['odata-version'], '4.0');
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, code);
    if (typeof message === 'string') assert.equal(body.error.message, message);
    else assert.match(body.error.message, message);
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    ticketsId = (await importDataset(t, 'tickets.csv', TICKETS, 'Tickets')).id;
    bigId = (await importDataset(t, 'big.csv', BIG, 'Big Log')).id;
    const byCompany = await createWidget(t, {
      name: 'By company',
      dataset: ticketsId,
      chart: 'table',
      dimensions: [{ field: 'company', label: 'Company' }],
      measures: [
        { agg: 'count', label: 'Rows' },
        { agg: 'sum', field: 'hours', label: 'Hours' },
      ],
      sort: '-Rows',
    });
    byCompanyId = byCompany.id;
    // Named as the dataset: its entity set takes a suffix.
    const named = await createWidget(t, {
      name: 'Tickets',
      dataset: ticketsId,
      chart: 'number',
      dimensions: [],
      measures: [{ agg: 'count', label: 'N' }],
    });
    key = (
      await boundKey(t, {
        name: 'excel',
        rateLimit: 100_000,
        datasets: [ticketsId, bigId],
        widgets: [byCompany.id, named.id],
      })
    ).key;
    await t.server.refresh();
  });

  after(() => t.close());

  describe('documents', () => {
    it('the service document lists one entity set per bound dataset and widget, names made unique', async () => {
      const res = await get('/odata/');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], JSON_TYPE);
      assert.equal(res.headers['odata-version'], '4.0');
      assert.equal(
        res.body,
        json({
          '@odata.context': `${ROOT}$metadata`,
          value: [
            { name: 'Tickets', kind: 'EntitySet', url: 'Tickets' },
            { name: 'Big_Log', kind: 'EntitySet', url: 'Big_Log' },
            { name: 'By_company', kind: 'EntitySet', url: 'By_company' },
            { name: 'Tickets_2', kind: 'EntitySet', url: 'Tickets_2' },
          ],
        }),
      );
      // The root without its slash is the same document.
      assert.equal((await get('/odata')).body, res.body);
    });

    it('$metadata is CSDL XML: Int64 where every value is an integer, else Decimal; a key on every type', async () => {
      const res = await get('/odata/$metadata');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/xml; charset=utf-8');
      assert.equal(res.headers['odata-version'], '4.0');
      const key =
        '<Key><PropertyRef Name="RowNumber"/></Key><Property Name="RowNumber" Type="Edm.Int64" Nullable="false"/>';
      assert.equal(
        res.body,
        '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" ' +
          'Version="4.0"><edmx:DataServices>' +
          '<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="Datagate">' +
          `<EntityType Name="Tickets">${key}` +
          '<Property Name="id" Type="Edm.Int64"/><Property Name="company" Type="Edm.String"/>' +
          '<Property Name="status" Type="Edm.String"/><Property Name="hours" Type="Edm.Decimal" Scale="variable"/>' +
          '<Property Name="billable" Type="Edm.Boolean"/><Property Name="opened" Type="Edm.Date"/>' +
          '<Property Name="created" Type="Edm.DateTimeOffset" Precision="3"/></EntityType>' +
          `<EntityType Name="Big_Log">${key}` +
          '<Property Name="n" Type="Edm.Int64"/><Property Name="label" Type="Edm.String"/>' +
          '<Property Name="amount" Type="Edm.Int64"/></EntityType>' +
          `<EntityType Name="By_company">${key}` +
          '<Property Name="Company" Type="Edm.String"/><Property Name="Rows" Type="Edm.Int64"/>' +
          '<Property Name="Hours" Type="Edm.Decimal" Scale="variable"/></EntityType>' +
          `<EntityType Name="Tickets_2">${key}<Property Name="N" Type="Edm.Int64"/></EntityType>` +
          '<EntityContainer Name="Container"><EntitySet Name="Tickets" EntityType="Datagate.Tickets"/>' +
          '<EntitySet Name="Big_Log" EntityType="Datagate.Big_Log"/>' +
          '<EntitySet Name="By_company" EntityType="Datagate.By_company"/>' +
          '<EntitySet Name="Tickets_2" EntityType="Datagate.Tickets_2"/></EntityContainer>' +
          '</Schema></edmx:DataServices></edmx:Edmx>',
      );
    });
  });

  describe('entities', () => {
    it('a dataset: every row with its row number as key, values typed, 64-bit integers exact', async () => {
      const res = await get('/odata/Tickets');
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], JSON_TYPE);
      assert.equal(res.headers['odata-version'], '4.0');
      assert.equal(res.body, json({ '@odata.context': `${ROOT}$metadata#Tickets`, value: ENTITIES }));
    });

    it('IEEE754Compatible=true in Accept or $format writes Int64 and Decimal as strings', async () => {
      const expected = json({
        '@odata.context': `${ROOT}$metadata#Tickets(RowNumber,id,hours)`,
        value: [
          { RowNumber: '1', id: '1534956341424005121', hours: '1.5' },
          { RowNumber: '2', id: '1534956341424005122', hours: '2' },
        ],
      });
      const url = '/odata/Tickets?$select=id,RowNumber,hours&$top=2';
      const byAccept = await get(url, {
        apikey: key,
        accept: 'application/json;odata.metadata=minimal;IEEE754Compatible=true',
      });
      assert.equal(byAccept.body, expected);
      assert.equal(
        byAccept.headers['content-type'],
        JSON_TYPE.replace('IEEE754Compatible=false', 'IEEE754Compatible=true'),
      );
      const byFormat = await get(`${url}&$format=${encodeURIComponent('application/json;IEEE754Compatible=true')}`);
      assert.equal(byFormat.body, expected);
    });

    it('$select, $filter, $orderby, $top, $skip and $count together', async () => {
      const filter = encodeURIComponent("contains(tolower(company),'acme') and (hours gt 1 or hours eq null)");
      const res = await get(
        `/odata/Tickets?$select=company,hours&$filter=${filter}&$orderby=hours desc&$skip=1&$top=2&$count=true`,
      );
      assert.equal(res.status, 200, res.body);
      // Matching: rows 1 (1.5), 2 (2), 3 (null), 4 (4); by hours descending (nulls last): 4, 2, 1, 3; skip 1, top 2.
      assert.equal(
        res.body,
        json({
          '@odata.context': `${ROOT}$metadata#Tickets(company,hours)`,
          '@odata.count': 4,
          value: [
            { company: 'Acme Dental Group', hours: 2 },
            { company: 'Acme', hours: 1.5 },
          ],
        }),
      );
    });

    it('$filter with in, not, dates, date-times, startswith and endswith', async () => {
      const rows = async (filter: string) => {
        const res = await get(`/odata/Tickets?$select=RowNumber&$filter=${encodeURIComponent(filter)}`);
        assert.equal(res.status, 200, res.body);
        return res.json().value.map((e: { RowNumber: number }) => e.RowNumber);
      };
      assert.deepEqual(await rows("status in ('Open','New')"), [1, 3, 4]);
      assert.deepEqual(await rows('not billable'), [2, 4, 5]);
      assert.deepEqual(await rows('opened eq 2023-01-02'), [2, 3]);
      assert.deepEqual(await rows('created lt 2023-01-02T00:00:00Z'), [1, 2]);
      assert.deepEqual(await rows('created ge 2023-02-01T12:00:00+02:00'), [4]);
      assert.deepEqual(await rows("startswith(company,'Acme') and endswith(company,'Group')"), [2]);
      assert.deepEqual(await rows("toupper(company) eq 'ACME'"), [1, 3, 4]);
      assert.deepEqual(await rows('id eq 1534956341424005122'), [2]);
      assert.deepEqual(await rows('id gt 1534956341424005121'), [2]);
      assert.deepEqual(await rows('status eq null or hours lt 1'), [5]);
    });

    it('$top=0 gives no entities but the count', async () => {
      const res = await get('/odata/Tickets?$top=0&$count=true');
      assert.equal(res.body, json({ '@odata.context': `${ROOT}$metadata#Tickets`, '@odata.count': 5, value: [] }));
    });

    it('a widget: its result rows, numbered in the order asked for, filtered and sorted on its columns', async () => {
      const all = await get('/odata/By_company');
      assert.equal(
        all.body,
        json({
          '@odata.context': `${ROOT}$metadata#By_company`,
          value: [
            { RowNumber: 1, Company: 'Acme', Rows: 2, Hours: 5.5 },
            { RowNumber: 2, Company: 'Acme Dental Group', Rows: 1, Hours: 2 },
            { RowNumber: 3, Company: 'Birch, Inc', Rows: 1, Hours: 0.25 },
            { RowNumber: 4, Company: 'acme', Rows: 1, Hours: null },
          ],
        }),
      );
      const some = await get(
        `/odata/By_company?$filter=${encodeURIComponent("Rows eq 1 and (Hours gt 1 or startswith(Company,'a'))")}` +
          '&$orderby=Company desc&$count=true',
      );
      assert.equal(
        some.body,
        json({
          '@odata.context': `${ROOT}$metadata#By_company`,
          '@odata.count': 2,
          value: [
            { RowNumber: 1, Company: 'acme', Rows: 1, Hours: null },
            { RowNumber: 2, Company: 'Acme Dental Group', Rows: 1, Hours: 2 },
          ],
        }),
      );
    });
  });

  it('ETags: 304 for a current copy, before any query; a new ETag when the query or the data changes', async () => {
    const first = await get('/odata/Tickets?$select=id');
    const etag = first.headers.etag as string;
    assert.match(etag, /^W\/"[\w-]{27}"$/);
    assert.equal(first.headers['cache-control'], 'private, no-cache');
    assert.equal(first.headers['x-dataset-version'], '1');
    const again = await get('/odata/Tickets?$select=id', { apikey: key, 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);
    const other = await get('/odata/Tickets?$select=company', { apikey: key, 'if-none-match': etag });
    assert.equal(other.status, 200);
    assert.notEqual(other.headers.etag, etag);
    const ieee = await get('/odata/Tickets?$select=id', {
      apikey: key,
      accept: 'application/json;IEEE754Compatible=true',
      'if-none-match': etag,
    });
    assert.equal(ieee.status, 200, 'another number format is another body');
    const meta = await get('/odata/$metadata');
    assert.equal(
      (await get('/odata/$metadata', { apikey: key, 'if-none-match': meta.headers.etag as string })).status,
      304,
    );
    const doc = await get('/odata/');
    assert.equal((await get('/odata/', { apikey: key, 'if-none-match': doc.headers.etag as string })).status, 304);
  });

  it('compresses a body over 1 KB when the client accepts it', async () => {
    const res = await t.server.app.inject({
      url: '/odata/Big_Log?$top=100',
      headers: { apikey: key, 'accept-encoding': 'gzip' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    const body = JSON.parse(gunzipSync(res.rawPayload).toString('utf8'));
    assert.equal(body.value.length, 100);
  });

  describe('refusals', () => {
    it('an unsupported option, function or operator is 501 with the OData error body', async () => {
      assertODataError(
        await get('/odata/Tickets?$expand=x'),
        501,
        'NOT_IMPLEMENTED',
        'The query option $expand is not supported',
      );
      assertODataError(await get('/odata/Tickets?$search=acme'), 501, 'NOT_IMPLEMENTED', /\$search is not supported/);
      assertODataError(
        await get(`/odata/Tickets?$filter=${encodeURIComponent('length(company) eq 4')}`),
        501,
        'NOT_IMPLEMENTED',
        '$filter: the function length() is not supported',
      );
      assertODataError(
        await get('/odata/Tickets?$format=xml'),
        501,
        'NOT_IMPLEMENTED',
        /format "xml" is not supported/,
      );
      assertODataError(await get('/odata/By_company?$orderby=RowNumber'), 501, 'NOT_IMPLEMENTED', /can't be sorted/);
      for (const path of ['Tickets(1)', "Tickets('x')", 'Tickets/$count'])
        assertODataError(
          await get(`/odata/${path}`),
          501,
          'NOT_IMPLEMENTED',
          /is valid OData that this service does not/,
        );
    });

    it('a malformed option is 400 naming what is wrong', async () => {
      const cases: [string, RegExp | string][] = [
        [`$filter=${encodeURIComponent('company eq')}`, '$filter: the filter ends where an operand was expected'],
        [`$filter=${encodeURIComponent("nope eq 'x'")}`, /unknown property "nope"; properties are: id, company/],
        [`$filter=${encodeURIComponent('hours eq true')}`, /"hours" is a number; "true" is not a value of that type/],
        ['$top=-1', 'The query option $top must be a non-negative integer, got "-1"'],
        ['$skip=x', 'The query option $skip must be a non-negative integer, got "x"'],
        ['$count=1', 'The query option $count must be true or false, got "1"'],
        ['$select=nope', /Unknown property "nope" in \$select/],
        ['$orderby=company%20up', /Cannot read "company up" in \$orderby/],
        ['$bogus=1', /Unknown query option "\$bogus"/],
        ['$top=1&$top=2', 'The query option $top is given more than once'],
        ['$skiptoken=abc', 'The $skiptoken is not one this service made; follow @odata.nextLink as given'],
        [
          `$filter=${encodeURIComponent("company eq 'a\u0000'")}`,
          'The query option "$filter" contains a NUL character (U+0000), which text values cannot hold',
        ],
      ];
      for (const [qs, message] of cases)
        assertODataError(await get(`/odata/Tickets?${qs}`), 400, 'BAD_PARAMETER', message);
    });

    it('an unknown entity set or path is 404 in the OData body; writes are refused', async () => {
      assertODataError(
        await get('/odata/Nope'),
        404,
        'ENTITY_SET_NOT_FOUND',
        'No entity set "Nope" for this key; its entity sets are: Tickets, Big_Log, By_company, Tickets_2',
      );
      assertODataError(await get('/odata/tickets'), 404, 'ENTITY_SET_NOT_FOUND', /No entity set "tickets"/);
      assertODataError(await get('/odata/Tickets/1/x'), 404, 'ENTITY_SET_NOT_FOUND', /Only the service document/);
      const post = await t.server.app.inject({
        method: 'POST',
        url: '/odata/Tickets',
        headers: { apikey: key },
        payload: {},
      });
      assert.equal(post.statusCode, 404);
      assert.equal(JSON.parse(post.body).error.code, 'ROUTE_NOT_FOUND');
    });
  });

  describe('authentication', () => {
    it('takes the key from apikey, Authorization: Bearer, or Basic with any user name', async () => {
      const expected = (await get('/odata/')).body;
      const variants: Record<string, string>[] = [
        { apikey: key },
        { authorization: `Bearer ${key}` },
        { authorization: basic('anyone', key) },
        { authorization: basic('', key) },
        { authorization: `basic ${Buffer.from(`me:${key}`).toString('base64')}` },
      ];
      for (const headers of variants) {
        const res = await get('/odata/', headers);
        assert.equal(res.status, 200, JSON.stringify(headers));
        assert.equal(res.body, expected);
      }
    });

    it('a 401 carries WWW-Authenticate: Basic realm="datagate"', async () => {
      for (const [headers, code, message] of [
        [{}, 'KEY_MISSING', 'Missing API key in request'],
        [{ authorization: basic('user', '') }, 'KEY_MISSING', 'Missing API key in request'],
        [{ authorization: basic('user', 'wrong') }, 'KEY_INVALID', 'Invalid API key in request'],
        [
          { authorization: `Basic ${Buffer.from(key).toString('base64')}` },
          'KEY_MISSING',
          'Missing API key in request',
        ],
        [{ apikey: 'nope' }, 'KEY_INVALID', 'Invalid API key in request'],
      ] as const) {
        for (const url of ['/odata/', '/odata/$metadata', '/odata/Tickets']) {
          const res = await get(url, headers);
          assertODataError(res, 401, code, message);
          assert.equal(res.headers['www-authenticate'], 'Basic realm="datagate"');
        }
      }
    });

    it('Basic is for the OData feed only: /api/ keeps its contract', async () => {
      const res = await t.server.app.inject({
        url: `/api/dataset/${ticketsId}`,
        headers: { authorization: basic('u', key) },
      });
      assert.equal(res.statusCode, 401);
      assert.equal(res.body, '{"message":"Missing API key in request"}');
      assert.equal(res.headers['www-authenticate'], undefined);
    });

    it('a disabled key, the switch off and the rate limit answer as on /api/, in OData bodies', async () => {
      const k = await boundKey(t, { name: 'limited', rateLimit: 2, datasets: [bigId] });
      await t.server.refresh();
      const headers = { authorization: basic('excel', k.key) };
      const first = await get('/odata/Big_Log?$select=n', headers);
      assert.equal(first.status, 200);
      assert.equal(first.headers['x-ratelimit-remaining'], '1');
      const next = new URL(first.json()['@odata.nextLink']);
      assert.equal((await get(next.pathname + next.search, headers)).status, 200);
      const third = await get(next.pathname + next.search, headers);
      assertODataError(third, 429, 'RATE_LIMITED', 'API rate limit exceeded: 2 requests per minute.');
      assert.ok(Number(third.headers['retry-after']) > 0);

      const other = await boundKey(t, { name: 'to disable', rateLimit: 100, datasets: [ticketsId] });
      await t.modules.access.keys.setDisabled(t.tenant.id, other.id, true);
      await t.server.refresh();
      assertODataError(await get('/odata/', { apikey: other.key }), 403, 'KEY_DISABLED', 'This API key is disabled.');

      await t.modules.access.tenants.setPublicApi(t.tenant.id, false);
      await t.server.refresh();
      try {
        assertODataError(
          await get('/odata/Tickets'),
          403,
          'API_DISABLED',
          'The Public API is disabled for this account.',
        );
      } finally {
        await t.modules.access.tenants.setPublicApi(t.tenant.id, true);
        await t.server.refresh();
      }
      assert.equal((await get('/odata/Tickets')).status, 200);
    });
  });

  describe('scope and isolation', () => {
    it('a scoped key sees only its rows, whatever its $filter; another key sees only what is bound to it', async () => {
      const scoped = await boundKey(t, { name: 'acme only', rateLimit: 100 });
      await t.modules.access.keys.bind(t.tenant.id, scoped.id, 'dataset', ticketsId, 'company[eq]=Acme');
      await t.modules.access.keys.bind(t.tenant.id, scoped.id, 'widget', byCompanyId, 'company[eq]=Acme');
      const unrelated = await boundKey(t, { name: 'big only', rateLimit: 100, datasets: [bigId] });
      const otherTenant = await t.modules.access.tenants.ensure('other');
      const foreign = await importDataset(t, 'f.csv', 'a\n1\n', 'Tickets', otherTenant.id);
      const foreignKey = await boundKey(t, {
        name: 'foreign',
        rateLimit: 100,
        datasets: [foreign.id],
        tenantId: otherTenant.id,
      });
      await t.server.refresh();

      const headers = { authorization: basic('acme', scoped.key) };
      const res = await get('/odata/Tickets?$count=true&$select=RowNumber,company', headers);
      assert.equal(
        res.body,
        json({
          '@odata.context': `${ROOT}$metadata#Tickets(RowNumber,company)`,
          '@odata.count': 2,
          value: [
            { RowNumber: 1, company: 'Acme' },
            { RowNumber: 4, company: 'Acme' },
          ],
        }),
      );
      const widen = await get(
        `/odata/Tickets?$count=true&$filter=${encodeURIComponent("company ne 'Acme' or true")}`,
        headers,
      );
      assert.equal(widen.json()['@odata.count'], 2);
      assert.deepEqual(
        widen.json().value.map((e: { company: string }) => e.company),
        ['Acme', 'Acme'],
      );
      const not = await get(
        `/odata/Tickets?$count=true&$filter=${encodeURIComponent("not (company eq 'Acme')")}`,
        headers,
      );
      assert.equal(not.json()['@odata.count'], 0);
      // On a widget the scope applies to the rows before aggregation.
      const widget = await get('/odata/By_company?$count=true', headers);
      assert.equal(
        widget.body,
        json({
          '@odata.context': `${ROOT}$metadata#By_company`,
          '@odata.count': 1,
          value: [{ RowNumber: 1, Company: 'Acme', Rows: 2, Hours: 5.5 }],
        }),
      );

      const doc = await get('/odata/', { apikey: unrelated.key });
      assert.deepEqual(
        doc.json().value.map((s: { name: string }) => s.name),
        ['Big_Log'],
      );
      assertODataError(await get('/odata/Tickets', { apikey: unrelated.key }), 404, 'ENTITY_SET_NOT_FOUND', /Big_Log$/);
      const mine = await get('/odata/Tickets', { apikey: foreignKey.key });
      assert.equal(mine.body, json({ '@odata.context': `${ROOT}$metadata#Tickets`, value: [{ RowNumber: 1, a: 1 }] }));
    });
  });

  it('a scope that no longer compiles refuses the read with 409, never an unscoped one', async () => {
    const ds = await importDataset(t, 'scoped.csv', 'a,b\n1,x\n2,y\n', 'Scoped');
    const k = await boundKey(t, { name: 'scoped b', rateLimit: 100 });
    await t.modules.access.keys.bind(t.tenant.id, k.id, 'dataset', ds.id, 'b[eq]=x');
    await t.server.refresh();
    assert.equal((await get('/odata/Scoped?$count=true', { apikey: k.key })).json()['@odata.count'], 1);
    await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('scoped2.csv', 'a\n1\n2\n'),
      replaceId: ds.id,
    });
    await t.server.refresh();
    assertODataError(
      await get('/odata/Scoped', { apikey: k.key }),
      409,
      'SCOPE_BROKEN',
      `The row scope of this key's binding to dataset "${ds.id}" no longer fits the dataset: its field "b" is ` +
        'gone or of another type; an admin must fix or remove the scope',
    );
  });

  describe('server-driven paging', () => {
    /** Follows @odata.nextLink from `url` to the end: the pages' row numbers and the responses. */
    async function walk(url: string, headers: Record<string, string> = { apikey: key }) {
      const pages: number[][] = [];
      const responses = [];
      let next: string | undefined = url;
      while (next !== undefined) {
        const res = await get(next, headers);
        assert.equal(res.status, 200, res.body);
        const body = res.json();
        responses.push({ res, body });
        pages.push(body.value.map((e: { RowNumber: number }) => e.RowNumber));
        const link: string | undefined = body['@odata.nextLink'];
        if (link !== undefined) {
          assert.ok(link.startsWith(`${ROOT}Big_Log?`), link);
          next = link.slice('http://localhost:80'.length);
        } else next = undefined;
      }
      return { pages, responses };
    }

    it('at most 1000 entities a response, then a next link, until every row has come once', async () => {
      const { pages, responses } = await walk('/odata/Big_Log?$select=RowNumber&$count=true');
      assert.deepEqual(
        pages.map((p) => p.length),
        [1000, 1000, 345],
      );
      assert.deepEqual(
        pages.flat(),
        Array.from({ length: BIG_ROWS }, (_, i) => i + 1),
      );
      for (const { body } of responses) {
        assert.equal(body['@odata.count'], BIG_ROWS);
        assert.equal(body['@odata.context'], `${ROOT}$metadata#Big_Log(RowNumber)`);
      }
      assert.equal(
        responses[0].body['@odata.nextLink'],
        `${ROOT}Big_Log?$select=RowNumber&$count=true&$skiptoken=d1.1000`,
      );
    });

    it('Prefer: odata.maxpagesize lowers the page size and is answered with Preference-Applied', async () => {
      const headers = { apikey: key, prefer: 'odata.maxpagesize=400' };
      const filter = encodeURIComponent('amount eq 3 or amount eq 5');
      const { pages, responses } = await walk(
        `/odata/Big_Log?$select=RowNumber,amount&$filter=${filter}&$orderby=n desc`,
        headers,
      );
      assert.equal(responses[0].res.headers['preference-applied'], 'odata.maxpagesize=400');
      const expected = Array.from({ length: BIG_ROWS }, (_, i) => BIG_ROWS - i).filter((n) =>
        [3, 5].includes((n - 1) % 7),
      );
      assert.deepEqual(pages.flat(), expected);
      assert.ok(pages.slice(0, -1).every((p) => p.length === 400));
      // Above the server's maximum, the maximum applies and says so.
      const big = await get('/odata/Big_Log?$select=RowNumber', { apikey: key, prefer: 'odata.maxpagesize=5000' });
      assert.equal(big.headers['preference-applied'], 'odata.maxpagesize=1000');
      assert.equal(big.json().value.length, 1000);
    });

    it('$top and $skip bound the walk; the last page has no next link', async () => {
      const { pages } = await walk('/odata/Big_Log?$select=RowNumber&$skip=100&$top=1500', {
        apikey: key,
        prefer: 'odata.maxpagesize=700',
      });
      assert.deepEqual(
        pages.map((p) => p.length),
        [700, 700, 100],
      );
      assert.deepEqual(
        pages.flat(),
        Array.from({ length: 1500 }, (_, i) => i + 101),
      );
    });

    it('a reload between two pages fails the next link with 410, naming the versions', async () => {
      const first = await get('/odata/Tickets?$select=RowNumber', { apikey: key, prefer: 'odata.maxpagesize=2' });
      const before = first.headers.etag;
      const link = new URL(first.json()['@odata.nextLink']);
      assert.equal(link.searchParams.get('$skiptoken'), 'd1.2');
      await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('again.csv', TICKETS),
        replaceId: ticketsId,
      });
      await t.server.refresh();
      assertODataError(
        await get(link.pathname + link.search, { apikey: key, prefer: 'odata.maxpagesize=2' }),
        410,
        'SKIPTOKEN_STALE',
        'The dataset "Tickets" changed since this next link was made (it was read at dataset version 1, now ' +
          'dataset version 2); read it again from the first page',
      );
      // A fresh walk reads the new version.
      const again = await get('/odata/Tickets?$select=RowNumber', { apikey: key, prefer: 'odata.maxpagesize=2' });
      assert.match(again.json()['@odata.nextLink'], /\$skiptoken=d2\.2$/);
      assert.notEqual(again.headers.etag, before, 'the same request over new data has a new ETag');
      assert.equal(again.headers['x-dataset-version'], '2');
    });
  });

  describe('an OData client library (@odata/client) over a real port', () => {
    let endpoint: string;

    before(async () => {
      await t.server.app.listen({ host: '127.0.0.1', port: 0 });
      endpoint = `http://127.0.0.1:${(t.server.app.server.address() as AddressInfo).port}/odata/`;
    });

    it('walks a dataset of more than 1,000 rows page by page with Basic credentials: every row once', async () => {
      const client = OData.New4({
        serviceEndpoint: endpoint,
        credential: { username: 'powerbi', password: key },
        commonHeaders: { prefer: 'odata.maxpagesize=600' },
      });
      const seen = new Map<number, number>();
      let token: string | undefined;
      let pages = 0;
      let count: number | undefined;
      do {
        const options = client.newOptions().select(['n', 'label']).orderby('n').count(true);
        if (token !== undefined) options.custom('$skiptoken', token);
        const page = (await client.newRequest({ collection: 'Big_Log', params: options })) as {
          value?: { n: number; label: string }[];
          '@odata.count'?: number;
          '@odata.nextLink'?: string;
          error?: unknown;
        };
        assert.equal(page.error, undefined, JSON.stringify(page.error));
        pages++;
        count = page['@odata.count'];
        for (const e of page.value ?? []) {
          assert.equal(e.label, `row ${e.n}`);
          seen.set(e.n, (seen.get(e.n) ?? 0) + 1);
        }
        const next = page['@odata.nextLink'];
        token = next === undefined ? undefined : (new URL(next).searchParams.get('$skiptoken') ?? undefined);
      } while (token !== undefined);
      assert.equal(pages, 4);
      assert.equal(count, BIG_ROWS);
      assert.equal(seen.size, BIG_ROWS);
      for (let n = 1; n <= BIG_ROWS; n++) assert.equal(seen.get(n), 1, `row ${n}`);
    });
  });
});
