import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/test-server.ts';

// The exact operators of spec section 8 through the public API: dataset and widget
// endpoints, query string and POST bodies, widget filters. The rules per type are
// tested row by row in test/support/filter-cases.ts; this file tests the wiring.
// Empty CSV cells are null.
const CSV = [
  'id,company,status,hours,billable,opened,created,tag[eq]',
  '1534956341424005121,Acme,Open,1.5,true,2023-01-01,2023-01-01T10:00:00Z,x',
  '1534956341424005122,Acme Dental Group,Closed,2,false,2023-01-02,2023-01-01T23:59:59.999Z,y',
  '1534956341424005123,acme,New,,true,2023-01-02,2023-01-02T00:00:00Z,x',
  '1534956341424005124,Acme Corp,Open,4,,2023-02-01,2023-02-01T12:00:00+02:00,',
  '1534956341424005125,"Birch, Inc",,0.25,false,,,z',
].join('\n');

const ID = (n: number) => `15349563414240051${20 + n}`;

describe('exact operators over HTTP', () => {
  let t: TestServer;
  let key: string;
  let dsId: string;
  const widgets: Record<string, string> = {};

  const inject = (opts: {
    method?: 'GET' | 'POST';
    url: string;
    payload?: string | object;
    headers?: Record<string, string>;
  }) =>
    t.server.app.inject({
      method: opts.method ?? 'GET',
      url: opts.url,
      payload: opts.payload,
      headers: { apikey: key, ...opts.headers },
    });

  /** The ids (as their exact digits) of the dataset rows a query string selects, and the total. */
  async function ids(qs: string): Promise<{ total: number; ids: string[] }> {
    const res = await inject({ url: `/api/dataset/${dsId}?size=50&${qs}` });
    assert.equal(res.statusCode, 200, res.body);
    const b = JSON.parse(res.body);
    return { total: b.data.total, ids: [...res.body.matchAll(/"id":(\d+)/g)].map((m) => m[1]) };
  }
  const rows = (...n: number[]) => ({ total: n.length, ids: n.map(ID) });

  async function widgetRows(name: string, qs = ''): Promise<unknown> {
    const res = await inject({ url: `/api/widget/${widgets[name]}?${qs}` });
    assert.equal(res.statusCode, 200, res.body);
    return JSON.parse(res.body).data;
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    const { catalog, access } = t.modules;
    dsId = (await catalog.datasets.importFile(t.tenant.id, { file: t.file('t.csv', CSV), name: 'Tickets' })).id;
    const k = await access.keys.create(t.tenant.id, { name: 'test', rateLimit: 100_000 });
    key = k.key;
    await access.keys.bind(t.tenant.id, k.id, 'dataset', dsId);
    const byCompany = {
      dimensions: [{ field: 'company', label: 'Company' }],
      measures: [
        { agg: 'count', label: 'Rows' },
        { agg: 'sum', field: 'hours', label: 'Hours' },
      ],
    };
    const specs: Record<string, Record<string, unknown>> = {
      'acme exactly': { ...byCompany, filter: 'company[eq]=Acme' },
      'acme contains': { ...byCompany, filter: 'company=Acme' },
      'in and ne': { ...byCompany, filter: 'company[in]=Acme,acme,Birch\\, Inc&status[ne]=Closed' },
      'by company': byCompany,
      'by day': {
        dimensions: [{ field: 'created', label: 'Day', bucket: 'day' }],
        measures: [{ agg: 'count', label: 'Rows' }],
        filter: 'created[ne]=2023-02-01',
      },
    };
    for (const [name, spec] of Object.entries(specs)) {
      const w = await catalog.widgets.create(t.tenant.id, { name, dataset: dsId, chart: 'table', ...spec });
      widgets[name] = w.id;
      await access.keys.bind(t.tenant.id, k.id, 'widget', w.id);
    }
    await t.server.refresh();
  });
  after(() => t.close());

  describe('dataset filters', () => {
    it('company[eq]=Acme matches "Acme" only, not "Acme Dental Group", "Acme Corp" or "acme"', async () => {
      assert.deepEqual(await ids('company[eq]=Acme'), rows(1));
      assert.deepEqual(await ids('company=Acme'), rows(1, 2, 3, 4), 'without brackets: contains, as before');
      assert.deepEqual(await ids('company[contains]=Acme'), rows(1, 2, 3, 4));
    });

    it('brackets may be percent-encoded, the value too', async () => {
      assert.deepEqual(await ids('company%5Beq%5D=Acme%20Corp'), rows(4));
      assert.deepEqual(await ids('company%5beq%5d=Acme+Corp'), rows(4));
    });

    it('[ne] excludes nulls', async () => {
      assert.deepEqual(await ids('status[ne]=Closed'), rows(1, 3, 4));
      assert.deepEqual(await ids('billable[ne]=true'), rows(2, 5));
      assert.deepEqual(await ids('hours[ne]=2'), rows(1, 4, 5));
    });

    it('[in]: a comma list, \\, for a comma within a value', async () => {
      assert.deepEqual(await ids(`company[in]=${encodeURIComponent('Birch\\, Inc,Acme')}`), rows(1, 5));
      assert.deepEqual(
        await ids(`company[in]=${encodeURIComponent('Birch, Inc')}`),
        rows(),
        '"Birch" and "Inc" are two values',
      );
      assert.deepEqual(await ids(`id[in]=${ID(1)},${ID(3)}`), rows(1, 3));
    });

    it('NUMBER [eq] is exact to 64 bits', async () => {
      assert.deepEqual(await ids(`id[eq]=${ID(2)}`), rows(2));
      assert.deepEqual(await ids(`id[ne]=${ID(2)}`), rows(1, 3, 4, 5));
    });

    it('DATE and DATETIME: a date is one day, a date-time one instant', async () => {
      assert.deepEqual(await ids('opened[eq]=2023-01-02'), rows(2, 3));
      assert.deepEqual(await ids('created[eq]=2023-01-01'), rows(1, 2), 'the whole UTC day');
      assert.deepEqual(await ids('created[eq]=2023-02-01T10:00:00Z'), rows(4));
      assert.deepEqual(
        await ids(`created[in]=${encodeURIComponent('2023-01-02,2023-02-01T12:00:00+02:00')}`),
        rows(3, 4),
      );
    });

    it('a field whose real name ends in brackets matches by that name first', async () => {
      assert.deepEqual(await ids('tag[eq]=x'), rows(1, 3), 'the field "tag[eq]", contains');
      assert.deepEqual(await ids('tag[eq][eq]=x'), rows(1, 3));
      assert.deepEqual(await ids('tag[eq][ne]=x'), rows(2, 5));
      assert.deepEqual(await ids('tag[eq][in]=y,z'), rows(2, 5));
    });

    it('operators, plain filters and options together; the same page twice is the same answer', async () => {
      const first = await inject({
        url: `/api/dataset/${dsId}?company=acme&status[ne]=New&_sort=-hours&_fields=id,hours`,
      });
      assert.equal(first.statusCode, 200);
      assert.equal(
        first.body,
        '{"code":0,"msg":"success","data":{"records":' +
          `[{"id":${ID(4)},"hours":4},{"id":${ID(2)},"hours":2},{"id":${ID(1)},"hours":1.5}],` +
          '"total":3,"size":10,"current":1,"orders":[{"column":"hours","asc":false}],' +
          '"optimizeCountSql":true,"hitCount":false,"searchCount":true,"pages":1}}',
      );
      assert.equal(
        (await inject({ url: `/api/dataset/${dsId}?company=acme&status[ne]=New&_sort=-hours&_fields=id,hours` })).body,
        first.body,
      );
    });

    it('POST: operators in a JSON body and in a form body, the body winning over the query', async () => {
      const json = await inject({
        method: 'POST',
        url: `/api/dataset/${dsId}?company[eq]=nothing`,
        payload: { 'company[eq]': 'Acme Corp' },
      });
      assert.equal(json.statusCode, 200, json.body);
      assert.equal(JSON.parse(json.body).data.total, 1);
      assert.match(json.body, new RegExp(`"id":${ID(4)}`));
      const form = await inject({
        method: 'POST',
        url: `/api/dataset/${dsId}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `company%5Bin%5D=${encodeURIComponent('Acme,acme')}&status[ne]=New`,
      });
      assert.equal(form.statusCode, 200, form.body);
      assert.equal(JSON.parse(form.body).data.total, 1);
      assert.match(form.body, new RegExp(`"id":${ID(1)}`));
    });
  });

  describe('long lists and many repeats are answered, never a 500', () => {
    const post = (payload: object) => inject({ method: 'POST', url: `/api/dataset/${dsId}`, payload });
    it('thousands of intervals without operator', async () => {
      const res = await post({ hours: Array.from({ length: 2500 }, (_, i) => `${i / 4},${i / 4}`).join(',') });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(JSON.parse(res.body).data.total, 4);
    });
    it('a filter with an operator repeated 1,200 times', async () => {
      const res = await post({ 'hours[ne]': Array.from({ length: 1200 }, (_, i) => String(i + 1)) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(JSON.parse(res.body).data.total, 2, 'hours 1.5 and 0.25');
    });
    it('an [in] list of 500 days, and one of 501 values refused', async () => {
      const days = Array.from({ length: 500 }, (_, i) =>
        new Date(Date.UTC(2022, 11, 1 + i)).toISOString().slice(0, 10),
      );
      const ok = await post({ 'created[in]': days.join(',') });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(JSON.parse(ok.body).data.total, 4);
      const tooMany = await post({ 'company[in]': [...days, 'x'].join(',') });
      assert.equal(tooMany.statusCode, 400);
      assert.equal(
        tooMany.body,
        JSON.stringify({
          code: 400,
          msg: 'Filter "company" lists more than 500 values; an [in] list holds at most 500',
          data: [],
        }),
      );
    });
  });

  describe('400 in the public error body, naming what is wrong', () => {
    const cases: { qs: string; msg: string }[] = [
      {
        qs: 'company[bogus]=x',
        msg: 'Unknown operator "bogus" in "company[bogus]"; operators are: eq, ne, in, contains',
      },
      { qs: 'company[]=x', msg: 'Unknown operator "" in "company[]"; operators are: eq, ne, in, contains' },
      {
        qs: 'nosuch[eq]=x',
        msg:
          'Unknown field "nosuch" in "nosuch[eq]"; fields are: id, company, status, hours, billable, opened, ' +
          'created, tag[eq]',
      },
      {
        qs: 'hours[contains]=1',
        msg:
          'Operator "contains" in "hours[contains]" does not apply to NUMBER field "hours"; NUMBER fields take: ' +
          'eq, ne, in',
      },
      {
        qs: 'hours[eq]=1,2',
        msg: 'Invalid value "1,2" for NUMBER field "hours": expected one value; [in] takes a list',
      },
      {
        qs: 'billable[in]=true,maybe',
        msg: 'Invalid value "maybe" for BOOLEAN field "billable": expected true, false, 1 or 0 (in "true,maybe")',
      },
      {
        qs: `company[in]=${encodeURIComponent('a\\b')}`,
        msg:
          'Invalid escape "\\\\b" in [in] list of field "company": write \\, for a comma and \\\\ for a backslash ' +
          '(in "a\\\\b")',
      },
      {
        qs: 'company[eq]=a%00',
        msg: 'Parameter "company[eq]" contains a NUL character (U+0000), which text values cannot hold',
      },
    ];
    for (const c of cases) {
      it(c.qs, async () => {
        const res = await inject({ url: `/api/dataset/${dsId}?${c.qs}` });
        assert.equal(res.statusCode, 400);
        assert.equal(res.body, JSON.stringify({ code: 400, msg: c.msg, data: [] }));
      });
    }

    it('on a widget too', async () => {
      const res = await inject({ url: `/api/widget/${widgets['by company']}?Rows[contains]=1` });
      assert.equal(res.statusCode, 400);
      assert.equal(
        res.body,
        JSON.stringify({
          code: 400,
          msg:
            'Operator "contains" in "Rows[contains]" does not apply to NUMBER field "Rows"; NUMBER fields take: ' +
            'eq, ne, in',
          data: [],
        }),
      );
    });
  });

  describe('widgets', () => {
    it('a widget filter with [eq] selects "Acme" only', async () => {
      assert.deepEqual(await widgetRows('acme exactly'), [{ Company: 'Acme', Rows: '1', Hours: '1.5' }]);
      assert.deepEqual(await widgetRows('acme contains'), [
        { Company: 'Acme', Rows: '1', Hours: '1.5' },
        { Company: 'Acme Corp', Rows: '1', Hours: '4' },
        { Company: 'Acme Dental Group', Rows: '1', Hours: '2' },
        { Company: 'acme', Rows: '1', Hours: null },
      ]);
    });

    it('widget filters with [in] (an escaped comma) and [ne]', async () => {
      assert.deepEqual(await widgetRows('in and ne'), [
        { Company: 'Acme', Rows: '1', Hours: '1.5' },
        { Company: 'acme', Rows: '1', Hours: null },
      ]);
      assert.deepEqual(
        await widgetRows('by day'),
        [
          { Day: '2023-01-01', Rows: '2' },
          { Day: '2023-01-02', Rows: '1' },
        ],
        'nulls and the day excluded',
      );
    });

    it('API operators on a dimension (before grouping) and on a measure (after)', async () => {
      assert.deepEqual(await widgetRows('by company', 'Company[eq]=Acme'), [
        { Company: 'Acme', Rows: '1', Hours: '1.5' },
      ]);
      assert.deepEqual(await widgetRows('by company', 'company[in]=acme,Acme%20Corp'), [
        { Company: 'Acme Corp', Rows: '1', Hours: '4' },
        { Company: 'acme', Rows: '1', Hours: null },
      ]);
      assert.deepEqual(await widgetRows('by company', 'Hours[in]=2,4'), [
        { Company: 'Acme Corp', Rows: '1', Hours: '4' },
        { Company: 'Acme Dental Group', Rows: '1', Hours: '2' },
      ]);
      assert.deepEqual(await widgetRows('by company', 'Hours[ne]=2&company=acme'), [
        { Company: 'Acme', Rows: '1', Hours: '1.5' },
        { Company: 'Acme Corp', Rows: '1', Hours: '4' },
      ]);
      assert.deepEqual(await widgetRows('by day', 'Day[eq]=2023-01-02'), [{ Day: '2023-01-02', Rows: '1' }]);
    });

    it('a widget spec with a bad operator is refused, saying what is wrong', async () => {
      const { catalog } = t.modules;
      const base = { name: 'x', dataset: dsId, chart: 'table', measures: [{ agg: 'count', label: 'N' }] };
      await assert.rejects(
        catalog.widgets.create(t.tenant.id, { ...base, filter: 'company[bogus]=x' }),
        /"filter" is invalid: Unknown operator "bogus" in "company\[bogus\]"/,
      );
      await assert.rejects(
        catalog.widgets.create(t.tenant.id, { ...base, filter: 'hours[contains]=1' }),
        /"filter" is invalid: Operator "contains" in "hours\[contains\]" does not apply to NUMBER field "hours"/,
      );
      await assert.rejects(
        catalog.widgets.create(t.tenant.id, { ...base, filter: 'company[in]=a\\x' }),
        /"filter" is invalid: Invalid escape "\\\\x"/,
      );
    });
  });
});
