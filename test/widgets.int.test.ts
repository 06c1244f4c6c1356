import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openModules } from '../src/server.ts';
import { assertBadParameter, boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Ten tickets. Hand-computed expectations below; ids are 64-bit integers.
const CSV = [
  'id,board,hours,priority,billable,opened,created,company',
  '1534956341424005121,Desk,1.5,1,true,2022-12-26,2022-12-26T00:00:00Z,Acme',
  '1534956341424005122,Desk,2,2,false,2023-01-01,2023-01-01T23:59:59.999Z,Acme',
  '1534956341424005123,Desk,,3,true,2023-01-02,2023-01-02T00:00:00Z,Birch',
  '1534956341424005124,Projects,4,1,true,2023-03-31,2023-03-31T23:59:59Z,Birch',
  '1534956341424005125,Projects,0.25,2,,2023-04-01,2023-04-01T00:00:00Z,Acme',
  '1534956341424005126,Projects,,1,false,2023-06-30,2023-06-30T12:00:00Z,',
  // 00:00 at +02:00 is 2023-06-30T22:00Z: a June day and Q2 by `created`, July and Q3 by `opened`.
  '1534956341424005127,Alerts,,2,true,2023-07-01,2023-07-01T00:00:00+02:00,Acme',
  '1534956341424005128,,10,5,true,2023-12-31,2023-12-31T23:00:00Z,Acme',
  '1534956341424005129,Alerts,,,false,,,Birch',
  '1534956341424005130,Desk,3,3,true,2024-01-01,2024-01-01T00:00:00Z,Acme',
].join('\n');

type Row = Record<string, string | null>;

describe('widgets over HTTP', () => {
  let t: TestServer;
  let key: string;
  let keyId: string;
  let dsId: string;
  const ids: Record<string, string> = {};

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey: key, ...headers } });
  const body = (res: { body: string }) => JSON.parse(res.body);
  async function rows(widget: string, qs = ''): Promise<Row[]> {
    const res = await get(`/api/widget/${ids[widget]}${qs ? `?${qs}` : ''}`);
    assert.equal(res.statusCode, 200, res.body);
    return body(res).data;
  }
  async function create(name: string, spec: Record<string, unknown>, bind = true) {
    const w = await createWidget(t, { name, dataset: dsId, chart: 'table', ...spec });
    ids[name] = w.id;
    if (bind) await t.modules.access.keys.bind(t.tenant.id, keyId, 'widget', w.id);
  }

  before(async () => {
    t = await startTestServer({ DATAGATE_MAX_PAGE_SIZE: '50', DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    dsId = (await importDataset(t, 't.csv', CSV, 'Tickets')).id;
    const k = await boundKey(t, { name: 'test', rateLimit: 100_000 });
    key = k.key;
    keyId = k.id;
    const byBoard = [{ field: 'board', label: 'Board' }];
    await create('aggs', {
      dimensions: byBoard,
      measures: [
        { agg: 'count', label: 'Rows' },
        { agg: 'count', field: 'hours', label: 'With hours' },
        { agg: 'count_distinct', field: 'company', label: 'Companies' },
        { agg: 'sum', field: 'hours', label: 'Hours' },
        { agg: 'avg', field: 'hours', label: 'Avg' },
        { agg: 'min', field: 'hours', label: 'Min' },
        { agg: 'max', field: 'hours', label: 'Max' },
        { agg: 'max', field: 'id', label: 'Last id' },
        { agg: 'min', field: 'priority', label: 'Top priority' },
      ],
    });
    for (const field of ['opened', 'created']) {
      for (const bucket of ['day', 'week', 'month', 'quarter', 'year']) {
        await create(`${field}-${bucket}`, {
          chart: 'line',
          dimensions: [{ field, label: 'At', bucket }],
          measures: [{ agg: 'count', label: 'N' }],
        });
      }
    }
    await create('billable', {
      dimensions: byBoard,
      measures: [
        { agg: 'count', label: 'Rows' },
        { agg: 'sum', field: 'hours', label: 'Hours' },
      ],
      filter: 'billable=true',
    });
    await create('desk only', {
      dimensions: byBoard,
      measures: [{ agg: 'count', label: 'Rows' }],
      filter: 'board=Desk',
    });
    await create('top', { dimensions: byBoard, measures: [{ agg: 'count', label: 'Rows' }], sort: '-Rows', limit: 2 });
    await create('days', {
      dimensions: [{ field: 'opened', label: 'Day', bucket: 'day' }],
      measures: [{ agg: 'count', label: 'Rows' }],
    });
    await create('days5', {
      dimensions: [{ field: 'opened', label: 'Day', bucket: 'day' }],
      measures: [{ agg: 'count', label: 'Rows' }],
      limit: 5,
    });
    await create('format', {
      dimensions: [
        { field: 'id', label: 'Id' },
        { field: 'billable', label: 'Billable' },
        { field: 'created', label: 'Created' },
        { field: 'priority', label: 'Priority' },
      ],
    });
    await create('number', {
      chart: 'number',
      measures: [
        { agg: 'count', label: 'Rows' },
        { agg: 'sum', field: 'hours', label: 'Hours' },
      ],
    });
    await create('none', {
      chart: 'number',
      measures: [
        { agg: 'count', label: 'Rows' },
        { agg: 'sum', field: 'hours', label: 'Hours' },
      ],
      filter: 'board=nothing',
    });
    await create('unbound', { measures: [{ agg: 'count', label: 'Rows' }] }, false);
    await t.server.refresh();
  });
  after(() => t.close());

  it(
    'computes every aggregate per group, ignoring nulls ' + 'in measured fields; a null dimension is its own group',
    async () => {
      assert.deepEqual(await rows('aggs'), [
        {
          Board: null,
          Rows: '1',
          'With hours': '1',
          Companies: '1',
          Hours: '10',
          Avg: '10',
          Min: '10',
          Max: '10',
          'Last id': '1534956341424005128',
          'Top priority': '5',
        },
        {
          Board: 'Alerts',
          Rows: '2',
          'With hours': '0',
          Companies: '2',
          Hours: null,
          Avg: null,
          Min: null,
          Max: null,
          'Last id': '1534956341424005129',
          'Top priority': '2',
        },
        {
          Board: 'Desk',
          Rows: '4',
          'With hours': '3',
          Companies: '2',
          Hours: '6.5',
          Avg: '2.1666666666666665',
          Min: '1.5',
          Max: '3',
          'Last id': '1534956341424005130',
          'Top priority': '1',
        },
        {
          Board: 'Projects',
          Rows: '3',
          'With hours': '2',
          Companies: '2',
          Hours: '4.25',
          Avg: '2.125',
          Min: '0.25',
          Max: '4',
          'Last id': '1534956341424005126',
          'Top priority': '1',
        },
      ]);
    },
  );

  // 2023-01-01 is a Sunday: its ISO week began on Monday 2022-12-26.
  const WEEKS: [string | null, number][] = [
    [null, 1],
    ['2022-12-26', 2],
    ['2023-01-02', 1],
    ['2023-03-27', 2],
    ['2023-06-26', 2],
    ['2023-12-25', 1],
    ['2024-01-01', 1],
  ];
  const YEARS: [string | null, number][] = [
    [null, 1],
    ['2022-01-01', 1],
    ['2023-01-01', 7],
    ['2024-01-01', 1],
  ];

  const BUCKETS: Record<string, [string | null, number][]> = {
    'opened-day': [
      [null, 1],
      ['2022-12-26', 1],
      ['2023-01-01', 1],
      ['2023-01-02', 1],
      ['2023-03-31', 1],
      ['2023-04-01', 1],
      ['2023-06-30', 1],
      ['2023-07-01', 1],
      ['2023-12-31', 1],
      ['2024-01-01', 1],
    ],
    'opened-week': WEEKS,
    'opened-month': [
      [null, 1],
      ['2022-12-01', 1],
      ['2023-01-01', 2],
      ['2023-03-01', 1],
      ['2023-04-01', 1],
      ['2023-06-01', 1],
      ['2023-07-01', 1],
      ['2023-12-01', 1],
      ['2024-01-01', 1],
    ],
    'opened-quarter': [
      [null, 1],
      ['2022-10-01', 1],
      ['2023-01-01', 3],
      ['2023-04-01', 2],
      ['2023-07-01', 1],
      ['2023-10-01', 1],
      ['2024-01-01', 1],
    ],
    'opened-year': YEARS,
    'created-day': [
      [null, 1],
      ['2022-12-26', 1],
      ['2023-01-01', 1],
      ['2023-01-02', 1],
      ['2023-03-31', 1],
      ['2023-04-01', 1],
      ['2023-06-30', 2],
      ['2023-12-31', 1],
      ['2024-01-01', 1],
    ],
    // The DATETIME values fall in the same weeks as the dates.
    'created-week': WEEKS,
    'created-month': [
      [null, 1],
      ['2022-12-01', 1],
      ['2023-01-01', 2],
      ['2023-03-01', 1],
      ['2023-04-01', 1],
      ['2023-06-01', 2],
      ['2023-12-01', 1],
      ['2024-01-01', 1],
    ],
    // No row falls in Q3 2023 by `created`: that group does not appear.
    'created-quarter': [
      [null, 1],
      ['2022-10-01', 1],
      ['2023-01-01', 3],
      ['2023-04-01', 3],
      ['2023-10-01', 1],
      ['2024-01-01', 1],
    ],
    // The DATETIME values fall in the same years as the dates.
    'created-year': YEARS,
  };
  for (const [name, expected] of Object.entries(BUCKETS)) {
    it(`buckets ${name.replace('-', ' by ')} (UTC, weeks from Monday, each bucket its first day)`, async () => {
      assert.deepEqual(
        await rows(name, 'size=50'),
        expected.map(([At, n]) => ({ At, N: String(n) })),
      );
    });
  }

  it('the widget filter applies before grouping; groups without rows do not appear', async () => {
    assert.deepEqual(await rows('billable'), [
      { Board: null, Rows: '1', Hours: '10' },
      { Board: 'Alerts', Rows: '1', Hours: null },
      { Board: 'Desk', Rows: '3', Hours: '4.5' },
      { Board: 'Projects', Rows: '1', Hours: '4' },
    ]);
    assert.deepEqual(await rows('desk only'), [{ Board: 'Desk', Rows: '4' }]);
  });

  it('API filters combine with the widget filter: on a dimension before grouping, on a measure after', async () => {
    assert.deepEqual(await rows('billable', 'Board=desk'), [{ Board: 'Desk', Rows: '3', Hours: '4.5' }]);
    assert.deepEqual(await rows('billable', 'Rows=2,'), [{ Board: 'Desk', Rows: '3', Hours: '4.5' }]);
    assert.deepEqual(await rows('billable', 'Hours='), [{ Board: 'Alerts', Rows: '1', Hours: null }]);
    assert.deepEqual(await rows('billable', 'Hours=,4.25'), [{ Board: 'Projects', Rows: '1', Hours: '4' }]);
    assert.deepEqual(await rows('billable', 'Board=&Rows=1'), [{ Board: null, Rows: '1', Hours: '10' }]);
    assert.deepEqual(await rows('billable', 'board=s&rows=1'), [
      { Board: 'Alerts', Rows: '1', Hours: null },
      { Board: 'Projects', Rows: '1', Hours: '4' },
    ]);
  });

  it(
    'a fractional filter on a count or count_distinct ' + 'compares as a number (PostgreSQL counts are bigint)',
    async () => {
      assert.deepEqual(await rows('billable', 'Rows=1.5,'), [{ Board: 'Desk', Rows: '3', Hours: '4.5' }]);
      assert.deepEqual(await rows('billable', 'Rows=,2.5&Hours=3.99,'), [
        { Board: null, Rows: '1', Hours: '10' },
        { Board: 'Projects', Rows: '1', Hours: '4' },
      ]);
      assert.deepEqual(
        (await rows('aggs', 'With hours=0.5,2.5&Companies=1.5,2.5')).map((r) => r.Board),
        ['Projects'],
      );
      assert.deepEqual(await rows('number', 'Rows=9.5,10.5'), [{ Rows: '10', Hours: '20.75' }]);
    },
  );

  it('a filter on a bucket compares the bucket’s first day', async () => {
    assert.deepEqual(await rows('created-month', 'At=2023-03-01,2023-06-01'), [
      { At: '2023-03-01', N: '1' },
      { At: '2023-04-01', N: '1' },
      { At: '2023-06-01', N: '2' },
    ]);
  });

  it(
    'the widget sorts and caps its result; measure filters ' + 'apply before the cap, API _sort and paging after it',
    async () => {
      const top = await get(`/api/widget/${ids.top}`);
      assert.equal(top.headers['x-total-count'], '2');
      assert.deepEqual(body(top).data, [
        { Board: 'Desk', Rows: '4' },
        { Board: 'Projects', Rows: '3' },
      ]);
      assert.deepEqual(await rows('top', 'Rows=,2'), [
        { Board: 'Alerts', Rows: '2' },
        { Board: null, Rows: '1' },
      ]);
      assert.deepEqual(await rows('top', '_sort=-Board'), [
        { Board: 'Projects', Rows: '3' },
        { Board: 'Desk', Rows: '4' },
      ]);
      assert.deepEqual(await rows('top', '_sort=Rows&size=1&current=2'), [{ Board: 'Desk', Rows: '4' }]);
    },
  );

  it('pages through the result with X-Total-Count counting all its rows', async () => {
    const first = await get(`/api/widget/${ids.days}?size=3`);
    assert.equal(first.headers['x-total-count'], '10');
    assert.deepEqual(
      body(first).data.map((r: Row) => r.Day),
      [null, '2022-12-26', '2023-01-01'],
    );
    const last = await get(`/api/widget/${ids.days}?size=3&current=4`);
    assert.equal(last.headers['x-total-count'], '10');
    assert.deepEqual(body(last).data, [{ Day: '2024-01-01', Rows: '1' }]);
    const past = await get(`/api/widget/${ids.days}?size=3&current=5`);
    assert.equal(past.statusCode, 200);
    assert.equal(past.headers['x-total-count'], '10');
    assert.deepEqual(body(past).data, []);
    assert.equal((await rows('days')).length, 10, 'default size 10');
    const capped = await get(`/api/widget/${ids.days5}?size=3&current=2`);
    assert.equal(capped.headers['x-total-count'], '5');
    assert.deepEqual(
      body(capped).data.map((r: Row) => r.Day),
      ['2023-01-02', '2023-03-31'],
    );
    const pastCapped = await get(`/api/widget/${ids.days5}?size=3&current=3`);
    assert.equal(pastCapped.headers['x-total-count'], '5');
    const none = await get(`/api/widget/${ids.billable}?Board=nothing`);
    assert.equal(none.headers['x-total-count'], '0');
    assert.deepEqual(body(none).data, []);
  });

  it(
    'writes every value as a string: 64-bit integers exact, ' + 'DATETIME in UTC, BOOLEAN true/false, missing null',
    async () => {
      const res = await get(`/api/widget/${ids.format}?size=10`);
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
      const b = body(res);
      assert.deepEqual(Object.keys(b), ['code', 'msg', 'data']);
      assert.equal(b.code, 0);
      assert.equal(b.msg, 'success');
      assert.deepEqual(b.data[1], {
        Id: '1534956341424005122',
        Billable: 'false',
        Created: '2023-01-01T23:59:59.999Z',
        Priority: '2',
      });
      assert.deepEqual(b.data[4], {
        Id: '1534956341424005125',
        Billable: null,
        Created: '2023-04-01T00:00:00Z',
        Priority: '2',
      });
      assert.deepEqual(b.data[6], {
        Id: '1534956341424005127',
        Billable: 'true',
        Created: '2023-06-30T22:00:00Z',
        Priority: '2',
      });
      assert.deepEqual(b.data[8], { Id: '1534956341424005129', Billable: 'false', Created: null, Priority: null });
      assert.match(res.body, /"Id":"1534956341424005130"/);
    },
  );

  it('a widget without dimensions is one row, even over no rows', async () => {
    assert.deepEqual(await rows('number'), [{ Rows: '10', Hours: '20.75' }]);
    assert.deepEqual(await rows('none'), [{ Rows: '0', Hours: null }]);
  });

  it('takes POST parameters from a JSON or form body, the body winning over the query', async () => {
    const json = await t.server.app.inject({
      method: 'POST',
      url: `/api/widget/${ids.billable}?Board=alerts`,
      headers: { apikey: key },
      payload: { Board: 'desk' },
    });
    assert.equal(json.statusCode, 200);
    assert.deepEqual(body(json).data, [{ Board: 'Desk', Rows: '3', Hours: '4.5' }]);
    const form = await t.server.app.inject({
      method: 'POST',
      url: `/api/widget/${ids.billable}`,
      headers: { apikey: key, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'Rows=1&_sort=-Board&size=2',
    });
    assert.deepEqual(
      body(form).data.map((r: Row) => r.Board),
      ['Projects', 'Alerts'],
    );
    assert.equal(form.headers['x-total-count'], '3');
  });

  it('lists the widgets bound to the key with their columns and types', async () => {
    const b = body(await get('/api/widgets'));
    assert.equal(b.code, 0);
    assert.equal(b.msg, 'success');
    assert.equal(b.data.length, Object.keys(ids).length - 1);
    assert.ok(!b.data.some((w: { id: string }) => w.id === ids.unbound));
    const billable = b.data.find((w: { id: string }) => w.id === ids.billable);
    assert.deepEqual(billable, {
      id: ids.billable,
      name: 'billable',
      chart: 'table',
      datasetId: dsId,
      columns: [
        { name: 'Board', type: 'TEXT' },
        { name: 'Rows', type: 'NUMBER' },
        { name: 'Hours', type: 'NUMBER' },
      ],
    });
    assert.deepEqual(b.data.find((w: { id: string }) => w.id === ids['created-week']).columns, [
      { name: 'At', type: 'DATE' },
      { name: 'N', type: 'NUMBER' },
    ]);
  });

  describe('errors and security', () => {
    let otherWidget: string;
    let otherKey: string;
    before(async () => {
      const other = await t.modules.access.tenants.ensure('other');
      const otherDs = await t.modules.catalog.datasets.importFile(other.id, {
        file: t.file('o.csv', 'a\n1\n'),
        name: 'Other',
      });
      otherWidget = (
        await t.modules.catalog.widgets.create(other.id, {
          name: 'O',
          dataset: otherDs.id,
          chart: 'number',
          measures: [{ agg: 'count', label: 'N' }],
        })
      ).id;
      otherKey = (await t.modules.access.keys.create(other.id, { name: 'other' })).key;
      await t.server.refresh();
    });

    const cases: [string, () => Promise<{ statusCode: number; body: string }>, number, unknown][] = [
      [
        'missing key',
        () => t.server.app.inject({ method: 'GET', url: `/api/widget/${ids.aggs}` }),
        401,
        { message: 'Missing API key in request' },
      ],
      [
        'unknown key',
        () => get(`/api/widget/${ids.aggs}`, { apikey: 'dgk_' + '0'.repeat(40) }),
        401,
        { message: 'Invalid API key in request' },
      ],
      [
        'missing key on the list',
        () => t.server.app.inject({ method: 'GET', url: '/api/widgets' }),
        401,
        { message: 'Missing API key in request' },
      ],
      [
        'unbound widget',
        () => get(`/api/widget/${ids.unbound}`),
        403,
        { code: 500, msg: 'The resourceId is invalid.', data: [] },
      ],
      [
        'no such widget',
        () => get('/api/widget/1234567890123456789'),
        404,
        { code: -1, msg: "Can't find widget", data: [] },
      ],
      [
        "another tenant's widget",
        () => get(`/api/widget/${otherWidget}`),
        404,
        { code: -1, msg: "Can't find widget", data: [] },
      ],
      [
        'a dataset id on the widget route',
        () => get(`/api/widget/${dsId}`),
        404,
        { code: -1, msg: "Can't find widget", data: [] },
      ],
      [
        'a widget id on the dataset route',
        () => get(`/api/dataset/${ids.aggs}`),
        404,
        { code: -1, msg: "Can't find dataset", data: [] },
      ],
      [
        'no such method',
        () => t.server.app.inject({ method: 'DELETE', url: `/api/widget/${ids.aggs}`, headers: { apikey: key } }),
        404,
        { error_msg: '404 Route Not Found' },
      ],
    ];
    for (const [name, call, status, expected] of cases) {
      it(`${name}: ${status}`, async () => {
        const res = await call();
        assert.equal(res.statusCode, status);
        assert.deepEqual(JSON.parse(res.body), expected);
      });
    }

    it("another tenant's key sees nothing of this tenant's widgets", async () => {
      const res = await get(`/api/widget/${ids.aggs}`, { apikey: otherKey });
      assert.equal(res.statusCode, 404);
      assert.deepEqual(body(await get('/api/widgets', { apikey: otherKey })).data, []);
    });

    it('binding refuses a widget of another tenant or none at all', async () => {
      await assert.rejects(t.modules.access.keys.bind(t.tenant.id, keyId, 'widget', otherWidget), /no widget/);
      await assert.rejects(t.modules.access.keys.bind(t.tenant.id, keyId, 'widget', '42'), /no widget "42"/);
    });

    it('the switch off refuses widgets too', async () => {
      await t.modules.access.tenants.setPublicApi(t.tenant.id, false);
      await t.server.refresh();
      try {
        const res = await get(`/api/widget/${ids.aggs}`);
        assert.equal(res.statusCode, 403);
        assert.deepEqual(body(res), { code: 403, msg: 'The Public API is disabled for this account.', data: [] });
      } finally {
        await t.modules.access.tenants.setPublicApi(t.tenant.id, true);
        await t.server.refresh();
      }
    });

    const badParams: [string, RegExp][] = [
      ['size=0', /"size" must be an integer >= 1/],
      ['current=x', /"current"/],
      ['nope=1', /Unknown field "nope"; fields are: Board, Rows, Hours/],
      ['Rows=abc', /Invalid value "abc" for NUMBER field "Rows"/],
      ['_sort=Nope', /Unknown field "Nope" in option "_sort"/],
      ['_nope=1', /Unknown option "_nope"/],
    ];
    for (const [qs, msg] of badParams) {
      it(`bad parameter ${qs}: 400 naming it`, async () => {
        assertBadParameter(await get(`/api/widget/${ids.billable}?${qs}`), msg);
      });
    }

    it('a bad bucket filter value: 400 naming the column', async () => {
      const res = await get(`/api/widget/${ids['opened-month']}?At=2023-13-45`);
      assert.equal(res.statusCode, 400);
      assert.match(body(res).msg, /"2023-13-45" for DATE field "At"/);
    });
  });

  describe('creating widgets', () => {
    it('refuses a spec over an unknown dataset or one of another tenant', async () => {
      await assert.rejects(
        t.modules.catalog.widgets.create(t.tenant.id, {
          name: 'x',
          dataset: '42',
          chart: 'bar',
          measures: [{ agg: 'count', label: 'N' }],
        }),
        /Unknown dataset "42"/,
      );
      const other = await t.modules.access.tenants.ensure('other');
      const theirs = (await t.modules.catalog.datasets.list(other.id))[0];
      await assert.rejects(
        t.modules.catalog.widgets.create(t.tenant.id, {
          name: 'x',
          dataset: theirs.id,
          chart: 'bar',
          measures: [{ agg: 'count', label: 'N' }],
        }),
        /Unknown dataset/,
      );
    });

    it('refuses an invalid spec with what is wrong, and creates nothing', async () => {
      const before = (await t.modules.catalog.widgets.list(t.tenant.id)).length;
      await assert.rejects(
        t.modules.catalog.widgets.create(t.tenant.id, {
          name: 'x',
          dataset: dsId,
          chart: 'bar',
          dimensions: [{ field: 'board', label: 'B', bucket: 'month' }],
        }),
        /buckets field "board" by month, but only DATE and DATETIME fields have buckets/,
      );
      await assert.rejects(
        t.modules.catalog.widgets.create(t.tenant.id, {
          name: 'x',
          dataset: dsId,
          chart: 'bar',
          measures: [{ agg: 'count', label: 'N' }],
          filter: 'status=Open',
        }),
        /"filter" is invalid: Unknown field "status"/,
      );
      assert.equal((await t.modules.catalog.widgets.list(t.tenant.id)).length, before);
    });
  });
});

describe('widgets after changes', () => {
  let t: TestServer;
  let key: string;
  let keyId: string;
  const V1 = 'board,hours\nDesk,1\nDesk,2\nProjects,4\n';

  before(async () => {
    t = await startTestServer();
    const k = await t.modules.access.keys.create(t.tenant.id, { name: 'k', rateLimit: 100_000 });
    key = k.key;
    keyId = k.id;
  });
  after(() => t.close());

  const read = (id: string, qs = '') =>
    t.server.app.inject({ method: 'GET', url: `/api/widget/${id}${qs}`, headers: { apikey: key } });

  async function setup(csv: string) {
    const ds = await t.modules.catalog.datasets.importFile(t.tenant.id, {
      file: t.file(`d${Math.random()}.csv`, csv),
      name: 'D',
    });
    const w = await t.modules.catalog.widgets.create(t.tenant.id, {
      name: 'Hours by board',
      dataset: ds.id,
      chart: 'bar',
      dimensions: [{ field: 'board', label: 'Board' }],
      measures: [{ agg: 'sum', field: 'hours', label: 'Sum' }],
    });
    await t.modules.access.keys.bind(t.tenant.id, keyId, 'widget', w.id);
    await t.server.refresh();
    return { ds, w };
  }

  it('reflects a reload made by another process within 1 second', async () => {
    const { ds, w } = await setup(V1);
    assert.deepEqual(JSON.parse((await read(w.id)).body).data, [
      { Board: 'Desk', Sum: '3' },
      { Board: 'Projects', Sum: '4' },
    ]);
    const cli = await openModules(t.config);
    await cli.catalog.datasets.importFile(t.tenant.id, {
      file: t.file('v2.csv', 'board,hours\nDesk,5\nAlerts,1\n'),
      replaceId: ds.id,
    });
    await cli.close();
    const at = Date.now();
    let data: unknown = [];
    while (Date.now() - at < 2000) {
      data = JSON.parse((await read(w.id)).body).data;
      if ((data as unknown[]).length === 2 && (data as { Board: string }[])[0].Board === 'Alerts') break;
      // Let the change watcher's timer run: injected requests alone never yield to it.
      await new Promise((r) => setTimeout(r, 20));
    }
    const took = Date.now() - at;
    assert.deepEqual(data, [
      { Board: 'Alerts', Sum: '1' },
      { Board: 'Desk', Sum: '5' },
    ]);
    assert.ok(took < 1000, `took ${took} ms`);
  });

  it('answers 409 naming the field when a reload removed it, and serves again when it is back', async () => {
    const { ds, w } = await setup(V1);
    assert.equal((await read(w.id)).statusCode, 200);
    const reload = async (file: string, text: string) => {
      await t.modules.catalog.datasets.importFile(t.tenant.id, { file: t.file(file, text), replaceId: ds.id });
      await t.server.refresh();
      return read(w.id);
    };
    const stale = await reload('nob.csv', 'team,hours\nDesk,1\n');
    assert.equal(stale.statusCode, 409);
    const b = JSON.parse(stale.body);
    assert.deepEqual([b.code, b.data], [409, []]);
    assert.match(b.msg, /names field "board", which dataset "D" does not have; fields are: team, hours/);
    const listed = JSON.parse(
      (await t.server.app.inject({ method: 'GET', url: '/api/widgets', headers: { apikey: key } })).body,
    ).data;
    assert.deepEqual(listed.find((x: { id: string }) => x.id === w.id).columns, [
      { name: 'Board', type: null },
      { name: 'Sum', type: 'NUMBER' },
    ]);

    const wrongType = await reload('text.csv', 'board,hours\nDesk,many\n');
    assert.equal(wrongType.statusCode, 409);
    assert.match(JSON.parse(wrongType.body).msg, /\(sum\) needs a NUMBER field; "hours" is TEXT/);

    assert.deepEqual(JSON.parse((await reload('back.csv', 'board,hours\nDesk,7\n')).body).data, [
      { Board: 'Desk', Sum: '7' },
    ]);
  });

  it('answers a repeated request from the cache, and a changed definition or a reload with new results', async () => {
    const { ds, w } = await setup(V1);
    const first = await read(w.id, '?Board=e');
    assert.equal(first.headers['x-total-count'], '2');
    // With its table gone, only a cached answer can still be 200.
    await t.modules.store.tables.drop(ds.tableName);
    const again = await read(w.id, '?Board=e');
    assert.equal(again.statusCode, 200);
    assert.equal(again.body, first.body);
    assert.equal(again.headers['x-total-count'], '2');
    const uncached = await read(w.id, '?Board=k');
    assert.equal(uncached.statusCode, 409, 'an uncached request reaches the (dropped) table: the dataset is gone');
    assert.equal(JSON.parse(uncached.body).msg, `The widget's dataset "${ds.id}" no longer exists`);

    await t.modules.catalog.datasets.importFile(t.tenant.id, { file: t.file('v3.csv', V1), replaceId: ds.id });
    await t.modules.catalog.widgets.update(t.tenant.id, w.id, {
      name: 'Count by board',
      dataset: ds.id,
      chart: 'bar',
      dimensions: [{ field: 'board', label: 'Board' }],
      measures: [{ agg: 'count', label: 'N' }],
    });
    await t.server.refresh();
    assert.deepEqual(JSON.parse((await read(w.id, '?Board=e')).body).data, [
      { Board: 'Desk', N: '2' },
      { Board: 'Projects', N: '1' },
    ]);
    const updated = await t.modules.catalog.widgets.get(t.tenant.id, w.id);
    assert.equal(updated.version, 2);
    assert.equal(updated.name, 'Count by board');
  });
});
