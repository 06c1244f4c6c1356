import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { countWidget } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const UNBOUND = '{"code":500,"msg":"The resourceId is invalid.","data":[]}';
const DISABLED = '{"code":403,"msg":"The Public API is disabled for this account.","data":[]}';
const INVALID_KEY = '{"message":"Invalid API key in request"}';

/** Polls `check` until it holds, failing after the contract's one second. */
async function withinOneSecond(what: string, check: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 1000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`${what} did not happen within 1 s`);
    // 20 ms: fine enough to measure a 1 s promise, coarse enough not to spin.
    await sleep(20);
  }
}

describe('API keys through the admin API, as public clients see them', () => {
  let t: TestServer;
  let a: AdminClient;
  let tickets: string;
  let companies: string;
  let widget: string;
  let keyId: string;
  let secret: string;

  const pub = (url: string, key = secret) => t.server.app.inject({ method: 'GET', url, headers: { apikey: key } });

  before(async () => {
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
    a = await signedInAdmin(t);
    const { catalog } = t.modules;
    tickets = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('t.csv', 'id,summary\n1,Printer\n2,VPN\n'),
        name: 'Tickets',
      })
    ).id;
    companies = (
      await catalog.datasets.importFile(t.tenant.id, {
        file: t.file('c.csv', 'name,city\nAcme,Oslo\n'),
        name: 'Companies',
      })
    ).id;
    widget = (await countWidget(t, tickets, 'Count')).id;
    await t.server.refresh();
  });
  after(() => t.close());

  it('creates a key: 201 with its secret once, a masked form, no bindings', async () => {
    const k = await a.ok('POST', '/admin/api/keys', { name: 'Power BI', description: 'reports', rateLimit: 120 });
    assert.match(k.key, /^dgk_[0-9a-f]{40}$/);
    assert.equal(k.maskedKey, `dgk_${k.key.slice(4, 8)}…${k.key.slice(-4)}`);
    assert.equal(k.hint, `dgk_…${k.key.slice(-4)}`);
    assert.deepEqual(
      {
        name: k.name,
        type: k.type,
        description: k.description,
        rateLimit: k.rateLimit,
        lastUsedAt: k.lastUsedAt,
        bindings: k.bindings,
      },
      {
        name: 'Power BI',
        type: 'Custom',
        description: 'reports',
        rateLimit: 120,
        lastUsedAt: null,
        bindings: { datasets: [], widgets: [] },
      },
    );
    keyId = k.id;
    secret = k.key;
  });

  it('refuses an invalid key with 400 INVALID_INPUT naming the problem, and creates nothing', async () => {
    for (const [body, words] of [
      [{ name: '   ' }, /name/],
      [{ name: 'x', rateLimit: 0 }, /rate limit/],
      [{ name: 'x', type: 'Premium' }, /type/],
      [{ name: 'x', rateLimit: 'lots' }, /rateLimit/],
      [{}, /name/],
    ] as const) {
      const res = await a.call('POST', '/admin/api/keys', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'INVALID_INPUT');
      assert.match(res.json().error.message, words);
    }
    assert.equal((await a.ok('GET', '/admin/api/keys')).keys.length, 1);
  });

  it('lists and shows keys without their secrets', async () => {
    const { keys } = await a.ok('GET', '/admin/api/keys');
    assert.deepEqual(
      keys.map((k: { id: string }) => k.id),
      [keyId],
    );
    const one = await a.ok('GET', `/admin/api/keys/${keyId}`);
    assert.deepEqual(one, keys[0]);
    assert.ok(!JSON.stringify(keys).includes(secret));
    assert.equal((await a.call('GET', '/admin/api/keys/4242')).statusCode, 404);
  });

  it('changes name, description and rate limit; reveals the same secret', async () => {
    const k = await a.ok('PATCH', `/admin/api/keys/${keyId}`, {
      name: 'Power BI (prod)',
      description: 'monthly reports',
      rateLimit: 600,
    });
    assert.deepEqual([k.name, k.description, k.rateLimit], ['Power BI (prod)', 'monthly reports', 600]);
    const partial = await a.ok('PATCH', `/admin/api/keys/${keyId}`, { rateLimit: 500 });
    assert.deepEqual([partial.name, partial.rateLimit], ['Power BI (prod)', 500]);
    const bad = await a.call('PATCH', `/admin/api/keys/${keyId}`, { rateLimit: -1 });
    assert.equal(bad.statusCode, 400);
    assert.equal((await a.ok('GET', `/admin/api/keys/${keyId}`)).rateLimit, 500);
    assert.deepEqual(await a.ok('GET', `/admin/api/keys/${keyId}/secret`), { id: keyId, key: secret });
  });

  it('the new limit applies to the public API', async () => {
    await a.ok('POST', `/admin/api/keys/${keyId}/bindings`, { datasets: [tickets] }, 200);
    const res = await pub(`/api/dataset/${tickets}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-ratelimit-limit'], '500');
  });

  it('binds all or none: an unknown id anywhere binds nothing', async () => {
    const res = await a.call('POST', `/admin/api/keys/${keyId}/bindings`, {
      datasets: [companies, '999'],
      widgets: [widget],
    });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'NOT_FOUND');
    assert.match(res.json().error.message, /999/);
    const k = await a.ok('GET', `/admin/api/keys/${keyId}`);
    assert.deepEqual(k.bindings, {
      datasets: [{ id: tickets, name: 'Tickets', where: '', scopeError: null, broken: null }],
      widgets: [],
    });
    assert.equal((await pub(`/api/dataset/${companies}`)).body, UNBOUND);
  });

  it('binds two datasets and a widget at once; the key reads them; binding twice is harmless', async () => {
    const k = await a.ok(
      'POST',
      `/admin/api/keys/${keyId}/bindings`,
      { datasets: [tickets, companies], widgets: [widget] },
      200,
    );
    assert.deepEqual(k.bindings, {
      datasets: [
        { id: tickets, name: 'Tickets', where: '', scopeError: null, broken: null },
        { id: companies, name: 'Companies', where: '', scopeError: null, broken: null },
      ],
      widgets: [{ id: widget, name: 'Count', where: '', scopeError: null, broken: null }],
    });
    const again = await a.ok('POST', `/admin/api/keys/${keyId}/bindings`, { widgets: [widget] }, 200);
    assert.deepEqual(again.bindings, k.bindings);
    const rows = await pub(`/api/dataset/${tickets}`);
    assert.equal(rows.statusCode, 200);
    assert.deepEqual(rows.json().data.records, [
      { id: 1, summary: 'Printer' },
      { id: 2, summary: 'VPN' },
    ]);
    assert.deepEqual((await pub(`/api/dataset/${companies}`)).json().data.records, [{ name: 'Acme', city: 'Oslo' }]);
    assert.deepEqual((await pub(`/api/widget/${widget}`)).json().data, [{ N: '2' }]);
  });

  it('unbinding refuses the public API with 403 within a second', async () => {
    await a.ok('DELETE', `/admin/api/keys/${keyId}/bindings/dataset/${companies}`);
    await withinOneSecond('unbinding', async () => (await pub(`/api/dataset/${companies}`)).statusCode === 403);
    const res = await pub(`/api/dataset/${companies}`);
    assert.equal(res.body, UNBOUND);
    assert.equal((await pub(`/api/dataset/${tickets}`)).statusCode, 200);
    const again = await a.call('DELETE', `/admin/api/keys/${keyId}/bindings/dataset/${companies}`);
    assert.equal(again.statusCode, 404);
    const wrongType = await a.call('DELETE', `/admin/api/keys/${keyId}/bindings/table/${companies}`);
    assert.equal(wrongType.statusCode, 400);
    assert.equal(wrongType.json().error.code, 'INVALID_INPUT');
  });

  it('the switch: off refuses every key with 403 within a second, on serves again', async () => {
    assert.deepEqual(await a.ok('PUT', '/admin/api/settings/public-api', { enabled: false }), { enabled: false });
    await withinOneSecond('switching off', async () => (await pub(`/api/dataset/${tickets}`)).statusCode === 403);
    assert.equal((await pub(`/api/dataset/${tickets}`)).body, DISABLED);
    const settings = await a.ok('GET', '/admin/api/settings');
    assert.equal(settings.publicApiEnabled, false);
    assert.equal(typeof settings.maxPageSize, 'number');
    assert.match(settings.publicBaseUrl, /^https?:\/\//);
    assert.deepEqual(await a.ok('PUT', '/admin/api/settings/public-api', { enabled: true }), { enabled: true });
    await withinOneSecond('switching on', async () => (await pub(`/api/dataset/${tickets}`)).statusCode === 200);
    assert.equal((await a.ok('GET', '/admin/api/settings')).publicApiEnabled, true);
    const bad = await a.call('PUT', '/admin/api/settings/public-api', { enabled: 'yes' });
    assert.equal(bad.statusCode, 400);
  });

  it('removing the key refuses it with 401 within a second', async () => {
    await a.ok('DELETE', `/admin/api/keys/${keyId}`);
    await withinOneSecond('removal', async () => (await pub(`/api/dataset/${tickets}`)).statusCode === 401);
    assert.equal((await pub(`/api/dataset/${tickets}`)).body, INVALID_KEY);
    assert.deepEqual((await a.ok('GET', '/admin/api/keys')).keys, []);
    assert.equal((await a.call('GET', `/admin/api/keys/${keyId}/secret`)).statusCode, 404);
    assert.equal((await a.call('DELETE', `/admin/api/keys/${keyId}`)).statusCode, 404);
  });

  it('the audit log lists every change with the admin and the address, newest first, and no secret', async () => {
    const log = await a.ok('GET', '/admin/api/audit?size=200');
    const actions = log.items.map((e: { action: string }) => e.action).reverse();
    const expected = [
      'key.create',
      'key.update',
      'key.update',
      'key.reveal',
      'key.bind',
      'key.bind',
      'key.bind',
      'key.unbind',
      'publicApi.disable',
      'publicApi.enable',
      'key.delete',
    ];
    assert.deepEqual(
      actions.filter((x: string) => x !== 'user.signin'),
      expected,
    );
    for (const e of log.items) {
      assert.equal(e.actor, a.email);
      assert.equal(e.ip, '127.0.0.1');
      assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
    }
    const bind = log.items.find(
      (e: { action: string; detail: string }) => e.action === 'key.bind' && e.detail.includes('Companies'),
    );
    assert.match(bind.detail, /Tickets/);
    assert.match(bind.detail, /Count/);
    assert.match(log.items.find((e: { action: string }) => e.action === 'key.update').detail, /rate limit 600 → 500/);
    assert.ok(!JSON.stringify(log).includes(secret), 'the audit log contains the key secret');
    assert.ok(!JSON.stringify(log).includes(secret.slice(4)), 'the audit log contains the key secret’s digits');

    const only = await a.ok('GET', '/admin/api/audit?action=key.bind&size=2&page=1');
    assert.equal(only.total, 3);
    assert.equal(only.items.length, 2);
    const page2 = await a.ok('GET', '/admin/api/audit?action=key.bind&size=2&page=2');
    assert.equal(page2.items.length, 1);
    assert.equal((await a.call('GET', '/admin/api/audit?size=0')).statusCode, 400);
    assert.equal((await a.call('GET', '/admin/api/audit?page=x')).statusCode, 400);
  });
});
