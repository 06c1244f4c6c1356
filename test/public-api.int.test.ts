import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openModules } from '../src/server.ts';
import { assertBadParameter, boundKey, DATASET_PAGE_KEYS, importDataset, pollStatus } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const CSV = [
  'id,summary,Real Name,priority,price,is_default,day,created,status',
  '1534956341424005122,Printer offline,Nina,2,12.6,true,2023-02-01,2023-02-01T23:59:59.999Z,Open',
  '1534956341424005123,"VPN drops, again",Tod,4,56.3,false,2023-02-02,2023-02-02T00:00:00Z,',
  '7,"Multi',
  'line",nobody,1,105.1,true,2022-07-01,2022-07-01T08:00:00+02:00,Closed',
  '8,Email,Todd,5,,false,,,Open',
].join('\r\n');

describe('public dataset API over HTTP', () => {
  let t: TestServer;
  let key: string;
  let keyId: string;
  let dsId: string;
  let otherDsId: string;
  let unboundId: string;

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey: key, ...headers } });
  const body = (res: { body: string }) => JSON.parse(res.body);

  before(async () => {
    t = await startTestServer({ DATAGATE_MAX_PAGE_SIZE: '3', DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    dsId = (await importDataset(t, 't.csv', CSV, 'Tickets')).id;
    unboundId = (await importDataset(t, 'u.csv', 'a\n1\n', 'Unbound')).id;
    const other = await t.modules.access.tenants.ensure('other');
    otherDsId = (await importDataset(t, 'o.csv', 'a\n1\n', 'Other', other.id)).id;
    const k = await boundKey(t, { name: 'test', datasets: [dsId] });
    key = k.key;
    keyId = k.id;
    await t.server.refresh();
  });
  after(() => t.close());

  it('serves the first page in the contract envelope, fields in dataset order', async () => {
    const res = await get(`/api/dataset/${dsId}?size=2`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    const b = body(res);
    assert.deepEqual(Object.keys(b), ['code', 'msg', 'data']);
    assert.equal(b.code, 0);
    assert.equal(b.msg, 'success');
    assert.deepEqual(Object.keys(b.data), [...DATASET_PAGE_KEYS]);
    assert.equal(b.data.total, 4);
    assert.equal(b.data.size, 2);
    assert.equal(b.data.current, 1);
    assert.equal(b.data.pages, 2);
    assert.deepEqual(b.data.orders, []);
    assert.deepEqual(Object.keys(b.data.records[0]), [
      'id',
      'summary',
      'Real Name',
      'priority',
      'price',
      'is_default',
      'day',
      'created',
      'status',
    ]);
    assert.deepEqual(
      { ...b.data.records[0], id: undefined },
      {
        id: undefined,
        summary: 'Printer offline',
        'Real Name': 'Nina',
        priority: 2,
        price: 12.6,
        is_default: true,
        day: '2023-02-01',
        created: '2023-02-01T23:59:59.999Z',
        status: 'Open',
      },
    );
  });

  it('writes 64-bit integers exactly in the JSON text', async () => {
    const res = await get(`/api/dataset/${dsId}?size=2`);
    assert.match(res.body, /"id":1534956341424005122,/);
    assert.match(res.body, /"id":1534956341424005123,/);
  });

  it('writes missing values as null, DATETIME in UTC without zero milliseconds', async () => {
    const b = body(await get(`/api/dataset/${dsId}?current=2&size=2`));
    assert.deepEqual(
      b.data.records.map((r: Record<string, unknown>) => r.status),
      ['Closed', 'Open'],
    );
    assert.equal(b.data.records[0].created, '2022-07-01T06:00:00Z');
    assert.equal(b.data.records[0].summary, 'Multi\r\nline');
    assert.deepEqual([b.data.records[1].price, b.data.records[1].day, b.data.records[1].created], [null, null, null]);
  });

  it('pages: a current past the end has no records and the true total; size is clamped', async () => {
    const past = body(await get(`/api/dataset/${dsId}?current=9&size=2`));
    assert.deepEqual([past.data.records, past.data.total, past.data.pages, past.data.current], [[], 4, 2, 9]);
    const clamped = body(await get(`/api/dataset/${dsId}?size=500`));
    assert.equal(clamped.data.size, 3);
    assert.equal(clamped.data.records.length, 3);
    assert.equal(clamped.data.pages, 2);
    const none = body(await get(`/api/dataset/${dsId}?summary=nothing-matches`));
    assert.deepEqual([none.data.records, none.data.total, none.data.pages], [[], 0, 0]);
  });

  it('filters, sorts and selects fields', async () => {
    const b = body(await get(`/api/dataset/${dsId}?summary=o&priority=,4&_sort=-priority&_fields=summary,priority`));
    assert.deepEqual(b.data.records, [
      { summary: 'VPN drops, again', priority: 4 },
      { summary: 'Printer offline', priority: 2 },
    ]);
    assert.deepEqual(b.data.orders, [{ column: 'priority', asc: false }]);
    assert.equal(b.data.total, 2);
  });

  it('names fields with spaces through %20 and +', async () => {
    for (const url of [`/api/dataset/${dsId}?Real%20Name=tod`, `/api/dataset/${dsId}?Real+Name=tod`]) {
      const b = body(await get(url));
      assert.deepEqual(
        b.data.records.map((r: Record<string, unknown>) => r['Real Name']),
        ['Tod', 'Todd'],
        url,
      );
    }
  });

  it('compares 64-bit integers exactly in filters', async () => {
    const b = body(await get(`/api/dataset/${dsId}?id=,1534956341424005122&_fields=id`));
    assert.equal(b.data.total, 3);
    assert.doesNotMatch(JSON.stringify(b.data.records.map(String)), /005123/);
  });

  it('takes POST parameters from a form body, the body winning over the query', async () => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}?size=1&priority=1`,
      headers: { apikey: key, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'priority=2,4&Real+Name=n',
    });
    const b = body(res);
    assert.equal(res.statusCode, 200);
    assert.equal(b.data.size, 1);
    assert.equal(b.data.total, 1);
    assert.equal(b.data.records[0]['Real Name'], 'Nina');
  });

  it('takes POST parameters from a JSON body', async () => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}`,
      headers: { apikey: key },
      payload: { size: '2', current: '1', is_default: 'false' },
    });
    const b = body(res);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      b.data.records.map((r: Record<string, unknown>) => r.summary),
      ['VPN drops, again', 'Email'],
    );
  });

  it('refuses a JSON body that is not an object of strings, invalid JSON and other content types', async () => {
    const nested = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}`,
      headers: { apikey: key },
      payload: { size: { a: 1 } },
    });
    assert.equal(nested.statusCode, 400);
    assert.equal(body(nested).code, 400);
    assert.match(body(nested).msg, /"size"/);
    const invalid = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}`,
      headers: { apikey: key, 'content-type': 'application/json' },
      payload: '{"size":',
    });
    assert.equal(invalid.statusCode, 400);
    assert.deepEqual(body(invalid), { code: 400, msg: 'The request body is not valid JSON', data: [] });
    const xml = await t.server.app.inject({
      method: 'POST',
      url: `/api/dataset/${dsId}`,
      headers: { apikey: key, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    assert.equal(xml.statusCode, 415);
    assert.equal(body(xml).code, 415);
  });

  it('lists the datasets bound to the key', async () => {
    const b = body(await get('/api/datasets'));
    assert.equal(b.code, 0);
    assert.deepEqual(
      b.data.map((d: { id: string }) => d.id),
      [dsId],
    );
    assert.deepEqual(b.data[0].fields[2], { name: 'Real Name', type: 'TEXT' });
    assert.deepEqual(
      b.data[0].fields.map((f: { type: string }) => f.type),
      ['NUMBER', 'TEXT', 'TEXT', 'NUMBER', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME', 'TEXT'],
    );
  });

  describe('errors of spec section 6', () => {
    const cases: [string, () => Promise<{ statusCode: number; body: string }>, number, unknown][] = [
      ['no such route', () => get('/api/nothing'), 404, { error_msg: '404 Route Not Found' }],
      [
        'no such method',
        () => t.server.app.inject({ method: 'DELETE', url: `/api/dataset/${dsId}`, headers: { apikey: key } }),
        404,
        { error_msg: '404 Route Not Found' },
      ],
      [
        'missing key',
        () => t.server.app.inject({ method: 'GET', url: `/api/dataset/${dsId}` }),
        401,
        { message: 'Missing API key in request' },
      ],
      [
        'unknown key',
        () => get(`/api/dataset/${dsId}`, { apikey: 'dgk_' + '0'.repeat(40) }),
        401,
        { message: 'Invalid API key in request' },
      ],
      [
        'junk key',
        () => get(`/api/dataset/${dsId}`, { apikey: 'nonsense' }),
        401,
        { message: 'Invalid API key in request' },
      ],
      [
        'key in the query string only',
        () => t.server.app.inject({ method: 'GET', url: `/api/dataset/${dsId}?apikey=${key}` }),
        401,
        { message: 'Missing API key in request' },
      ],
      [
        'unbound dataset',
        () => get(`/api/dataset/${unboundId}`),
        403,
        { code: 500, msg: 'The resourceId is invalid.', data: [] },
      ],
      [
        'no such dataset',
        () => get('/api/dataset/1234567890123456789'),
        404,
        { code: -1, msg: "Can't find dataset", data: [] },
      ],
      [
        "another tenant's dataset",
        () => get(`/api/dataset/${otherDsId}`),
        404,
        { code: -1, msg: "Can't find dataset", data: [] },
      ],
    ];
    for (const [name, call, status, expected] of cases) {
      it(`${name}: ${status}`, async () => {
        const res = await call();
        assert.equal(res.statusCode, status);
        assert.deepEqual(JSON.parse(res.body), expected);
      });
    }

    const badParams: [string, RegExp][] = [
      ['size=0', /size/],
      ['current=abc', /current/],
      ['current=1.5', /current/],
      ['nope=1', /nope.*id, summary, Real Name/],
      ['_nope=1', /_nope/],
      ['_sort=nope', /nope/],
      ['_fields=id,nope', /nope/],
      ['priority=abc', /"abc".*"priority"/],
      ['day=2023-13-45', /"2023-13-45".*"day"/],
      ['is_default=maybe', /"maybe".*"is_default"/],
    ];
    for (const [qs, msg] of badParams) {
      it(`bad parameter ${qs}: 400 naming it`, async () => {
        assertBadParameter(await get(`/api/dataset/${dsId}?${qs}`), msg);
      });
    }

    it('a dataset whose table was dropped after it was resolved answers as a missing dataset, not a 500', async () => {
      const gone = await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('g.csv', 'a\n1\n'),
        name: 'Gone',
      });
      await t.modules.access.keys.bind(t.tenant.id, keyId, 'dataset', gone.id);
      await t.server.refresh();
      await t.modules.store.tables.drop(gone.tableName);
      const res = await get(`/api/dataset/${gone.id}`);
      assert.equal(res.statusCode, 404);
      assert.equal(res.body, '{"code":-1,"msg":"Can\'t find dataset","data":[]}');
    });

    it('an unexpected failure is a 500 with the request id and no stack', async () => {
      const broken = await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('b.csv', 'a\n1\n'),
        name: 'Broken',
      });
      await t.modules.access.keys.bind(t.tenant.id, keyId, 'dataset', broken.id);
      // Metadata naming a column its table lacks: the database refuses the query.
      await t.modules.store.db
        .updateTable('datasets')
        .set({ fields: JSON.stringify([{ name: 'a', type: 'NUMBER', column: 'c9' }]) })
        .where('id', '=', broken.id)
        .execute();
      await t.server.refresh();
      const res = await get(`/api/dataset/${broken.id}?a=1`, { 'x-request-id': 'req-123' });
      assert.equal(res.statusCode, 500);
      assert.deepEqual(body(res), { code: 500, msg: 'Internal error (ref req-123)', data: [] });
    });
  });

  it('carries X-Request-Id on every response, echoing a sane one', async () => {
    for (const res of [
      await get(`/api/dataset/${dsId}`),
      await get('/nothing'),
      await t.server.app.inject({ method: 'GET', url: '/api/datasets' }),
    ]) {
      assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    }
    const echoed = await get(`/api/dataset/${dsId}`, { 'x-request-id': 'abc-1' });
    assert.equal(echoed.headers['x-request-id'], 'abc-1');
  });

  it('accepts the key as a Bearer token and carries the rate-limit headers', async () => {
    const res = await t.server.app.inject({
      method: 'GET',
      url: `/api/dataset/${dsId}`,
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-ratelimit-limit'], '60');
    assert.match(String(res.headers['x-ratelimit-remaining']), /^\d+$/);
    assert.match(String(res.headers['x-ratelimit-reset']), /^\d+$/);
    assert.equal(res.headers['ratelimit-policy'], '"per-key";q=60;w=60');
    assert.match(String(res.headers.ratelimit), /^"per-key";r=\d+;t=\d+$/);
  });
});

describe('limits and admin changes', () => {
  let t: TestServer;
  let dsId: string;
  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '3' });
    dsId = (await importDataset(t, 'a.csv', 'a,b\n1,x\n2,y\n', 'A')).id;
    await t.server.refresh();
  });
  after(() => t.close());

  async function readerKey(opts: { rateLimit?: number } = {}) {
    const k = await boundKey(t, { name: 'k', ...opts, datasets: [dsId] });
    await t.server.refresh();
    return k;
  }
  const read = (key: string, ip = '127.0.0.1') =>
    t.server.app.inject({ method: 'GET', url: `/api/dataset/${dsId}`, headers: { apikey: key }, remoteAddress: ip });

  it('a key limited to 3 per minute gets 429 with Retry-After on its 4th request', async () => {
    const k = await readerKey({ rateLimit: 3 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await read(k.key)).statusCode);
    assert.deepEqual(statuses, [200, 200, 200]);
    const res = await read(k.key, '10.0.0.9');
    assert.equal(res.statusCode, 429);
    assert.deepEqual(JSON.parse(res.body), {
      code: 429,
      msg: 'API rate limit exceeded: 3 requests per minute.',
      data: [],
    });
    const retry = Number(res.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal(res.headers['x-ratelimit-remaining'], '0');
  });

  it('reads run alongside their rate-limit call and refused get the same 429, nothing of the page', async () => {
    const k = await readerKey({ rateLimit: 3 });
    const page = (n: number) =>
      t.server.app.inject({
        method: 'GET',
        url: `/api/dataset/${dsId}?size=1&current=${n}`,
        headers: { apikey: k.key },
      });
    assert.equal((await page(1)).statusCode, 200);
    // Room left after the first: the next ones run before their decisions are known.
    const reads: string[] = [];
    const readPage = t.modules.catalog.datasets.readPage;
    t.modules.catalog.datasets.readPage = (...args) => {
      reads.push('read');
      return readPage(...args);
    };
    try {
      const burst = await Promise.all([2, 3, 4, 5].map(page));
      assert.deepEqual(burst.map((r) => r.statusCode).sort(), [200, 200, 429, 429]);
      assert.equal(reads.length, 4, 'all four ran their query');
      for (const res of burst.filter((r) => r.statusCode === 429)) {
        assert.equal(res.body, '{"code":429,"msg":"API rate limit exceeded: 3 requests per minute.","data":[]}');
        assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
        assert.equal(res.headers['x-ratelimit-remaining'], '0');
        assert.ok(Number(res.headers['retry-after']) >= 1);
        for (const h of ['x-dataset-version', 'etag', 'cache-control', 'last-modified'])
          assert.equal(res.headers[h], undefined, h);
        assert.ok(res.headers['x-request-id']);
      }
      // Past its limit, the key waits for its decision again: refused before any query.
      for (let n = 6; n < 11; n++) assert.equal((await page(n)).statusCode, 429);
      assert.equal(reads.length, 4, 'no query for a key known to be past its limit');
    } finally {
      t.modules.catalog.datasets.readPage = readPage;
    }
  });

  it('the switch off refuses every key with 403, on again serves', async () => {
    const k = await readerKey();
    await t.modules.access.tenants.setPublicApi(t.tenant.id, false);
    await t.server.refresh();
    const off = await read(k.key);
    assert.equal(off.statusCode, 403);
    assert.deepEqual(JSON.parse(off.body), {
      code: 403,
      msg: 'The Public API is disabled for this account.',
      data: [],
    });
    await t.modules.access.tenants.setPublicApi(t.tenant.id, true);
    await t.server.refresh();
    assert.equal((await read(k.key)).statusCode, 200);
  });

  it('a key removed by another process is refused within 1 second', async () => {
    const k = await readerKey();
    assert.equal((await read(k.key)).statusCode, 200);
    const cli = await openModules(t.config);
    await cli.access.keys.remove(t.tenant.id, k.id);
    await cli.close();
    const { status, took } = await pollStatus(
      async () => (await read(k.key)).statusCode,
      (s) => s !== 200,
    );
    assert.equal(status, 401);
    assert.ok(took < 1000, `took ${took} ms`);
  });

  it('a binding removed by another process is refused within 1 second', async () => {
    const k = await readerKey();
    const cli = await openModules(t.config);
    await cli.access.keys.unbind(t.tenant.id, k.id, 'dataset', dsId);
    await cli.close();
    const { status, took } = await pollStatus(
      async () => (await read(k.key)).statusCode,
      (s) => s !== 200,
    );
    assert.equal(status, 403);
    assert.ok(took < 1000);
  });

  it('limits failed key attempts per address, then refuses that address even with a good key', async () => {
    const k = await readerKey();
    const bad = 'dgk_' + 'f'.repeat(40);
    for (let i = 0; i < 3; i++) assert.equal((await read(bad, '10.1.1.1')).statusCode, 401);
    const blocked = await read(bad, '10.1.1.1');
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.equal(JSON.parse(blocked.body).code, 429);
    assert.equal((await read(k.key, '10.1.1.1')).statusCode, 429);
    assert.equal((await read(k.key, '10.2.2.2')).statusCode, 200);
  });
});
