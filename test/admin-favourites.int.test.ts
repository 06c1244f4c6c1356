import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

// Stars (favourites) and widget owners through the admin API: per admin, per tenant.
describe('favourites and widget owners through the admin API', () => {
  let t: TestServer;
  let ann: AdminClient;
  let bob: AdminClient;
  let tickets: string;
  let devices: string;

  const spec = (name: string, dataset = tickets) => ({
    name,
    dataset,
    chart: 'bar',
    dimensions: [{ field: dataset === tickets ? 'status' : 'os', label: 'Group' }],
    measures: [{ agg: 'count', label: 'Tickets' }],
  });
  const names = (list: { items: { name: string }[] }) => list.items.map((x) => x.name).sort();

  before(async () => {
    t = await startTestServer();
    ann = await signedInAdmin(t, { email: 'ann@example.com' });
    bob = await signedInAdmin(t, { email: 'bob@example.com' });
    const { catalog } = t.modules;
    tickets = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('t.csv', 'id,status\n1,Open\n2,Closed\n'),
        name: 'Tickets',
      })
    ).id;
    devices = (
      await catalog.datasets.importFile(t.tenant.id, { file: t.file('d.csv', 'id,os\n1,Windows\n'), name: 'Devices' })
    ).id;
    await t.server.refresh();
  });
  after(() => t?.close());

  it('stars a dataset for one admin only; starring twice is once; the filter lists only the starred', async () => {
    let list = await ann.ok('GET', '/admin/api/datasets');
    assert.deepEqual(
      list.items.map((d: { starred: boolean }) => d.starred),
      [false, false],
    );
    await ann.ok('PUT', `/admin/api/datasets/${tickets}/star`, undefined, 204);
    await ann.ok('PUT', `/admin/api/datasets/${tickets}/star`, undefined, 204);
    list = await ann.ok('GET', '/admin/api/datasets?starred=true');
    assert.deepEqual(names(list), ['Tickets']);
    assert.equal(list.total, 1);
    assert.equal(list.items[0].starred, true);
    assert.equal((await ann.ok('GET', `/admin/api/datasets/${tickets}`)).starred, true);
    // Bob sees no star of Ann's.
    assert.deepEqual(names(await bob.ok('GET', '/admin/api/datasets?starred=true')), []);
    assert.equal((await bob.ok('GET', `/admin/api/datasets/${tickets}`)).starred, false);
    // "false" filters nothing; search and stars combine.
    assert.equal((await ann.ok('GET', '/admin/api/datasets?starred=false')).total, 2);
    assert.equal((await ann.ok('GET', '/admin/api/datasets?starred=true&search=Dev')).total, 0);
    await ann.ok('DELETE', `/admin/api/datasets/${tickets}/star`);
    await ann.ok('DELETE', `/admin/api/datasets/${tickets}/star`);
    assert.equal((await ann.ok('GET', '/admin/api/datasets?starred=true')).total, 0);
  });

  it('refuses an unknown id with 404 and a bad filter value with 400, never 500', async () => {
    for (const [method, url] of [
      ['PUT', '/admin/api/datasets/nope/star'],
      ['DELETE', '/admin/api/datasets/nope/star'],
      ['PUT', '/admin/api/widgets/nope/star'],
      ['DELETE', '/admin/api/widgets/nope/star'],
      ['PUT', `/admin/api/widgets/${tickets}/star`],
    ]) {
      const res = await ann.call(method, url);
      assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'NOT_FOUND');
    }
    const bad = await ann.call('GET', '/admin/api/widgets?starred=yes');
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.json().error.message, /starred/);
    const mine = await ann.call('GET', '/admin/api/widgets?mine=1');
    assert.equal(mine.statusCode, 400, mine.body);
  });

  it('records who creates a widget: owner and "mine", and the filter for my widgets', async () => {
    const w1 = await ann.ok('POST', '/admin/api/widgets', spec('Ann tickets'));
    assert.equal(w1.owner, 'ann@example.com');
    assert.equal(w1.mine, true);
    assert.equal(w1.starred, false);
    await bob.ok('POST', '/admin/api/widgets', spec('Bob tickets'));
    // One from the command line's path: no admin, so no owner.
    await t.modules.catalog.widgets.create(t.tenant.id, spec('Script devices', devices));
    const all = await ann.ok('GET', '/admin/api/widgets?sort=name');
    assert.deepEqual(
      all.items.map((w: { name: string; owner: string; mine: boolean }) => [w.name, w.owner, w.mine]),
      [
        ['Ann tickets', 'ann@example.com', true],
        ['Bob tickets', 'bob@example.com', false],
        ['Script devices', '', false],
      ],
    );
    assert.deepEqual(names(await ann.ok('GET', '/admin/api/widgets?mine=true')), ['Ann tickets']);
    assert.deepEqual(names(await ann.ok('GET', `/admin/api/widgets?dataset=${devices}`)), ['Script devices']);
    assert.deepEqual(names(await ann.ok('GET', `/admin/api/widgets?dataset=${devices}&mine=true`)), []);
    assert.equal((await ann.ok('GET', '/admin/api/widgets?dataset=unknown')).total, 0);
    assert.deepEqual(names(await bob.ok('GET', '/admin/api/widgets?mine=true')), ['Bob tickets']);
    // An edit by Bob leaves Ann the owner.
    await bob.ok('PUT', `/admin/api/widgets/${w1.id}`, spec('Ann tickets, edited'));
    assert.equal((await bob.ok('GET', `/admin/api/widgets/${w1.id}`)).owner, 'ann@example.com');
    assert.equal((await ann.ok('GET', `/admin/api/widgets/${w1.id}`)).mine, true);
  });

  it('stars widgets per admin, combines with "mine", and forgets stars when the widget or dataset goes', async () => {
    const ws = await ann.ok('GET', '/admin/api/widgets?sort=name');
    const id = (name: string) => ws.items.find((w: { name: string }) => w.name.startsWith(name)).id;
    await ann.ok('PUT', `/admin/api/widgets/${id('Bob')}/star`, undefined, 204);
    await ann.ok('PUT', `/admin/api/widgets/${id('Script')}/star`, undefined, 204);
    await bob.ok('PUT', `/admin/api/widgets/${id('Ann')}/star`, undefined, 204);
    assert.deepEqual(names(await ann.ok('GET', '/admin/api/widgets?starred=true')), ['Bob tickets', 'Script devices']);
    assert.deepEqual(names(await ann.ok('GET', '/admin/api/widgets?starred=true&mine=true')), []);
    assert.deepEqual(names(await bob.ok('GET', '/admin/api/widgets?starred=true')), ['Ann tickets, edited']);
    assert.equal((await ann.ok('GET', `/admin/api/widgets/${id('Bob')}`)).starred, true);

    await ann.ok('DELETE', `/admin/api/widgets/${id('Bob')}`);
    await ann.ok('PUT', `/admin/api/datasets/${devices}/star`, undefined, 204);
    await ann.ok('DELETE', `/admin/api/datasets/${devices}`);
    const left = await t.modules.store.db
      .selectFrom('favourites')
      .select(['resourceType', 'resourceId'])
      .where('tenantId', '=', t.tenant.id)
      .execute();
    assert.deepEqual(left, [{ resourceType: 'widget', resourceId: id('Ann') }]);
    assert.deepEqual(names(await ann.ok('GET', '/admin/api/widgets?starred=true')), []);
  });

  it('keeps a bar chart’s "stacked" in the saved spec', async () => {
    const w = await ann.ok('POST', '/admin/api/widgets', {
      ...spec('Stacked'),
      dimensions: [
        { field: 'status', label: 'Status' },
        { field: 'id', label: 'Id' },
      ],
      stacked: true,
    });
    assert.equal((await ann.ok('GET', `/admin/api/widgets/${w.id}`)).spec.stacked, true);
    const bad = await ann.call('POST', '/admin/api/widgets', { ...spec('Bad'), stacked: 'yes' });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.json().error.message, /stacked/);
  });
});
