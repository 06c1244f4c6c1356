import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Tickets; the expectations below are computed from these rows, not typed in.
const TICKETS: [number, string, number | null, string][] = [
  [1, 'Desk', 1.5, '2024-01-15'],
  [2, 'Desk', 2, '2024-01-20'],
  [3, 'Projects', 4, '2024-02-01'],
  [4, 'Projects', null, '2024-02-10'],
  [5, 'Alerts', 3, '2024-03-05'],
  [6, 'Desk', 0.5, '2024-03-31'],
  [7, 'Alerts', 0.25, '2024-03-31'],
];
const CSV = [
  'id,board,hours,opened',
  ...TICKETS.map(([id, board, hours, opened]) => `${id},${board},${hours ?? ''},${opened}`),
].join('\n');

describe('widgets through the admin API', () => {
  let t: TestServer;
  let a: AdminClient;
  let other: AdminClient;
  let tickets: string;
  let big: string;
  let widgetId: string;
  let secret: string;
  let keyId: string;

  const pub = (url: string) => t.server.app.inject({ method: 'GET', url, headers: { apikey: secret } });
  const auditOf = async (action: string) =>
    (await t.modules.access.audit.list(t.tenant.id, { page: 1, size: 50, action })).items;
  const byMonth = () => ({
    name: 'Hours by month',
    dataset: tickets,
    chart: 'bar',
    dimensions: [{ field: 'opened', label: 'Month', bucket: 'month' }],
    measures: [
      { agg: 'sum', field: 'hours', label: 'Hours' },
      { agg: 'count', label: 'Tickets' },
    ],
  });

  before(async () => {
    t = await startTestServer({ DATAGATE_MAX_PAGE_SIZE: '50', DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    a = await signedInAdmin(t);
    other = await signedInAdmin(t, { tenantSlug: 'other' });
    const { catalog, access } = t.modules;
    tickets = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('t.csv', CSV),
        name: 'Tickets',
        integrationGroup: 'ConnectWise',
      })
    ).id;
    const rows = Array.from({ length: 1200 }, (_, i) => `${i + 1},${i % 7}`);
    big = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('big.csv', ['n,g', ...rows].join('\n')),
        name: 'Big',
        integrationGroup: 'Datto',
      })
    ).id;
    const k = await access.keys.create(t.tenant.id, { name: 'reader', rateLimit: 100_000 });
    secret = k.key;
    keyId = k.id;
    await t.server.refresh();
  });
  after(() => t.close());

  it(
    'previews a spec with a bucket and measures without saving it: ' + 'the aggregated rows, values as strings',
    async () => {
      const res = await a.ok('POST', '/admin/api/widgets/preview', { ...byMonth(), name: undefined }, 200);
      const groups = new Map<string, { hours: number | null; n: number }>();
      for (const [, , hours, opened] of TICKETS) {
        const month = `${opened.slice(0, 7)}-01`;
        const g = groups.get(month) ?? { hours: null, n: 0 };
        g.n += 1;
        if (hours !== null) g.hours = (g.hours ?? 0) + hours;
        groups.set(month, g);
      }
      const expected = [...groups.entries()]
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([month, g]) => ({
          Month: month,
          Hours: g.hours === null ? null : String(g.hours),
          Tickets: String(g.n),
        }));
      assert.equal(expected.length, 3);
      assert.deepEqual(res, {
        columns: [
          { label: 'Month', type: 'DATE' },
          { label: 'Hours', type: 'NUMBER' },
          { label: 'Tickets', type: 'NUMBER' },
        ],
        rows: expected,
        total: expected.length,
      });
      assert.deepEqual((await a.ok('GET', '/admin/api/widgets')).items, [], 'nothing was saved');
    },
  );

  it('a preview shows the first 1000 rows and the whole result’s count', async () => {
    const res = await a.ok(
      'POST',
      '/admin/api/widgets/preview',
      { dataset: big, chart: 'table', dimensions: [{ field: 'n', label: 'N' }] },
      200,
    );
    assert.equal(res.rows.length, 1000);
    assert.equal(res.total, 1200);
    assert.deepEqual(res.rows[999], { N: '1000' });
    const filtered = await a.ok(
      'POST',
      '/admin/api/widgets/preview',
      {
        dataset: big,
        chart: 'pie',
        dimensions: [{ field: 'g', label: 'G' }],
        measures: [{ agg: 'count', label: 'N' }],
        filter: 'g=0,1',
        sort: '-G',
      },
      200,
    );
    // 1200 rows, g = i % 7: 172 rows each for g 0..3 (i up to 1199), 171 for 4..6.
    assert.deepEqual(filtered.rows, [
      { G: '1', N: String(Array.from({ length: 1200 }, (_, i) => i % 7).filter((g) => g === 1).length) },
      { G: '0', N: String(Array.from({ length: 1200 }, (_, i) => i % 7).filter((g) => g === 0).length) },
    ]);
  });

  it('refuses an invalid spec with what is wrong, on create and on preview', async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        { ...byMonth(), measures: [{ agg: 'sum', field: 'board', label: 'S' }] },
        400,
        /measures\[0\] \(sum\) needs a NUMBER field; "board" is TEXT/,
      ],
      [
        { ...byMonth(), dimensions: [{ field: 'board', label: 'B', bucket: 'month' }] },
        400,
        /only DATE and DATETIME fields have buckets/,
      ],
      [
        { ...byMonth(), dimensions: [{ field: 'nope', label: 'B' }] },
        400,
        /field "nope", which dataset "Tickets" does not have/,
      ],
      [{ ...byMonth(), colour: 'red' }, 400, /Unknown property "colour"/],
      [{ ...byMonth(), chart: 'donut' }, 400, /chart/],
      [{ ...byMonth(), filter: 'hours=lots' }, 400, /"filter" is invalid: .*hours/],
      [{ ...byMonth(), dimensions: [], measures: [] }, 400, /at least one dimension or measure/],
      [{ ...byMonth(), dataset: '999' }, 404, /Unknown dataset "999"/],
    ];
    for (const [spec, status, message] of cases) {
      for (const url of ['/admin/api/widgets', '/admin/api/widgets/preview']) {
        const res = await a.call('POST', url, spec);
        assert.equal(res.statusCode, status, `${url} ${JSON.stringify(spec)}: ${res.body}`);
        assert.equal(res.json().error.code, status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT');
        assert.match(res.json().error.message, message);
      }
    }
    const noName = await a.call('POST', '/admin/api/widgets', { ...byMonth(), name: undefined });
    assert.equal(noName.statusCode, 400);
    assert.match(noName.json().error.message, /name/);
    // Another tenant's dataset is unknown to this admin.
    const theirs = await other.call('POST', '/admin/api/widgets/preview', byMonth());
    assert.equal(theirs.statusCode, 404);
  });

  it('creates a widget: the answer carries its dataset, columns and spec, and the audit log says so', async () => {
    const w = await a.ok('POST', '/admin/api/widgets', byMonth());
    widgetId = w.id;
    assert.equal(w.name, 'Hours by month');
    assert.equal(w.datasetId, tickets);
    assert.equal(w.datasetName, 'Tickets');
    assert.equal(w.integrationGroup, 'ConnectWise');
    assert.equal(w.chart, 'bar');
    assert.deepEqual(w.columns, [
      { label: 'Month', type: 'DATE' },
      { label: 'Hours', type: 'NUMBER' },
      { label: 'Tickets', type: 'NUMBER' },
    ]);
    assert.deepEqual(w.spec.dimensions, byMonth().dimensions);
    assert.equal(w.linkedKeys, 0);
    assert.deepEqual(await a.ok('GET', `/admin/api/widgets/${w.id}`), w);
    assert.equal((await other.call('GET', `/admin/api/widgets/${w.id}`)).statusCode, 404);
    const [entry] = await auditOf('widget.create');
    assert.equal(entry.target, 'Hours by month');
    assert.equal(entry.detail, 'bar on dataset "Tickets": Month, Hours, Tickets');

    // Bound to a key, the public API serves it at once.
    await t.modules.access.keys.bind(t.tenant.id, keyId, 'widget', w.id);
    await t.server.refresh();
    const res = await pub(`/api/widget/${w.id}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().data.length, 3);
    assert.equal((await a.ok('GET', `/admin/api/widgets/${w.id}`)).linkedKeys, 1);
  });

  it('reads a saved widget’s rows with paging and filters on its columns; a bad filter names the column', async () => {
    const all = await a.ok('GET', `/admin/api/widgets/${widgetId}/rows`);
    assert.equal(all.total, 3);
    const page = await a.ok('GET', `/admin/api/widgets/${widgetId}/rows?current=2&size=1&Tickets=2,`);
    // Months with two or more tickets: January (2), February (2), March (3).
    assert.equal(page.total, 3);
    assert.deepEqual(page.rows, [all.rows[1]]);
    assert.deepEqual(page.columns, all.columns);
    const filtered = await a.ok('GET', `/admin/api/widgets/${widgetId}/rows?Tickets=3`);
    assert.deepEqual(
      filtered.rows.map((r: { Month: string }) => r.Month),
      ['2024-03-01'],
    );
    const bad = await a.call('GET', `/admin/api/widgets/${widgetId}/rows?Hours=many`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'INVALID_INPUT');
    assert.match(bad.json().error.message, /Hours/);
    assert.equal((await other.call('GET', `/admin/api/widgets/${widgetId}/rows`)).statusCode, 404);
  });

  it('PUT replaces the definition; the public API serves the new one at once', async () => {
    const spec = {
      ...byMonth(),
      name: 'Tickets by board',
      chart: 'pie',
      dimensions: [{ field: 'BOARD', label: 'Board' }],
      measures: [{ agg: 'count', label: 'Tickets' }],
      sort: '-Tickets',
    };
    const w = await a.ok('PUT', `/admin/api/widgets/${widgetId}`, spec, 200);
    assert.equal(w.name, 'Tickets by board');
    assert.equal(w.chart, 'pie');
    // Field names as the dataset spells them.
    assert.equal(w.spec.dimensions[0].field, 'board');
    assert.deepEqual(w.columns, [
      { label: 'Board', type: 'TEXT' },
      { label: 'Tickets', type: 'NUMBER' },
    ]);
    const counts = new Map<string, number>();
    for (const [, board] of TICKETS) counts.set(board, (counts.get(board) ?? 0) + 1);
    const expected = [...counts.entries()]
      .sort(([bx, x], [by, y]) => y - x || bx.localeCompare(by))
      .map(([Board, n]) => ({ Board, Tickets: String(n) }));
    const res = await pub(`/api/widget/${widgetId}`);
    assert.deepEqual(res.json().data, expected);
    const invalid = await a.call('PUT', `/admin/api/widgets/${widgetId}`, {
      ...spec,
      measures: [{ agg: 'avg', field: 'opened', label: 'Tickets' }],
    });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.json().error.message, /needs a NUMBER field/);
    assert.equal((await other.call('PUT', `/admin/api/widgets/${widgetId}`, spec)).statusCode, 404);
    const [entry] = await auditOf('widget.update');
    assert.equal(entry.detail, 'renamed from "Hours by month"; pie on dataset "Tickets": Board, Tickets');
  });

  it('lists with search, the dataset’s group, sort and paging', async () => {
    const mk = (name: string, dataset: string, field: string) =>
      a.ok('POST', '/admin/api/widgets', { name, dataset, chart: 'table', dimensions: [{ field, label: 'X' }] });
    await mk('Groups', big, 'g');
    await mk('Boards', tickets, 'board');
    const all = await a.ok('GET', '/admin/api/widgets');
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.items.map((w: { name: string }) => w.name),
      ['Boards', 'Groups', 'Tickets by board'],
    );
    assert.deepEqual(all.groups, ['ConnectWise', 'Datto']);
    const names = async (qs: string) =>
      (await a.ok('GET', `/admin/api/widgets?${qs}`)).items.map((w: { name: string }) => w.name);
    assert.deepEqual(await names('search=BOARD&sort=name'), ['Boards', 'Tickets by board']);
    assert.deepEqual(await names('group=Datto'), ['Groups']);
    assert.deepEqual(await names('group=ConnectWise&sort=name&order=desc'), ['Tickets by board', 'Boards']);
    assert.deepEqual(await names('sort=modified&order=asc'), ['Tickets by board', 'Groups', 'Boards']);
    const page = await a.ok('GET', '/admin/api/widgets?sort=name&size=2&page=2');
    assert.equal(page.total, 3);
    assert.deepEqual(
      page.items.map((w: { name: string }) => w.name),
      ['Tickets by board'],
    );
    assert.equal(page.items[0].linkedKeys, 1);
    assert.equal(page.items[0].datasetName, 'Tickets');
    assert.deepEqual(await other.ok('GET', '/admin/api/widgets'), { items: [], total: 0, groups: [] });
  });

  it('a widget whose field a reload removed is listed with an unknown column type, and its rows are 409', async () => {
    const stale = await a.ok('POST', '/admin/api/widgets', {
      name: 'Stale',
      dataset: big,
      chart: 'table',
      dimensions: [{ field: 'g', label: 'G' }],
    });
    await t.modules.catalog.datasets.importFile(t.tenant.id, { file: t.file('big2.csv', 'n\n1\n'), replaceId: big });
    const res = await a.call('GET', `/admin/api/widgets/${stale.id}/rows`);
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'CONFLICT');
    assert.match(res.json().error.message, /no longer fits its dataset.*"g"/);
    assert.deepEqual((await a.ok('GET', `/admin/api/widgets/${stale.id}`)).columns, [{ label: 'G', type: null }]);
  });

  it('DELETE removes the widget and its bindings; the public API answers 404', async () => {
    await a.ok('DELETE', `/admin/api/widgets/${widgetId}`);
    assert.equal((await a.call('GET', `/admin/api/widgets/${widgetId}`)).statusCode, 404);
    const key = (await t.modules.access.keys.list(t.tenant.id)).find((k) => k.id === keyId)!;
    assert.deepEqual(key.bindings.widgets, []);
    assert.equal((await pub(`/api/widget/${widgetId}`)).statusCode, 404);
    const [entry] = await auditOf('widget.delete');
    assert.equal(entry.target, 'Tickets by board');
    assert.equal(entry.detail, 'was on dataset "Tickets"');
    assert.equal((await a.call('DELETE', `/admin/api/widgets/${widgetId}`)).statusCode, 404);
    const others = await a.ok('GET', '/admin/api/widgets');
    assert.equal(await other.call('DELETE', `/admin/api/widgets/${others.items[0].id}`).then((r) => r.statusCode), 404);
  });
});
