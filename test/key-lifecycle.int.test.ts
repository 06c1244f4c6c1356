import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { startTestServer, TEST_BACKEND, type TestServer } from './support/test-server.ts';

const EXPIRED = '{"message":"API key expired"}';
const KEY_DISABLED = '{"code":403,"msg":"This API key is disabled.","data":[]}';
const INVALID_KEY = '{"message":"Invalid API key in request"}';

/** Polls `check` until it holds, failing after `ms` (the contract's one second by default). */
async function within(what: string, check: () => Promise<boolean>, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`${what} did not happen within ${ms} ms`);
    await sleep(20);
  }
}

describe('the key lifecycle through the admin API, as public clients see it', () => {
  let t: TestServer;
  let a: AdminClient;
  let tickets: string;
  // Each test calls from an address of its own, so that one test's invalid keys don't block the next.
  let ip = '';
  let addresses = 0;
  beforeEach(() => {
    ip = `10.0.0.${++addresses}`;
  });

  const pub = (key: string, url = `/api/dataset/${tickets}`) =>
    t.server.app.inject({ method: 'GET', url, headers: { apikey: key }, remoteAddress: ip });
  /** A new key bound to the tickets; `body` adds to the create request. */
  async function boundKey(name: string, body: Record<string, unknown> = {}) {
    const k = await a.ok('POST', '/admin/api/keys', { name, ...body });
    await a.ok('POST', `/admin/api/keys/${k.id}/bindings`, { datasets: [tickets] }, 200);
    await t.server.refresh();
    return k as { id: string; key: string; expiresAt: string | null };
  }

  before(async () => {
    // Three invalid keys from one address, then it is blocked: the lockout is part of what is tested.
    t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '3' });
    a = await signedInAdmin(t);
    tickets = (
      await t.modules.catalog.datasets.importFile(t.tenant.id, {
        file: t.file('t.csv', 'id,summary\n1,Printer\n2,VPN\n'),
        name: 'Tickets',
      })
    ).id;
    await t.server.refresh();
  });
  after(() => t.close());

  it('an expired key answers 401 with the exact body, and counts neither for its limit nor as a failure', async () => {
    const before = Date.now();
    const k = await boundKey('short-lived', { expiresAt: '1s' });
    const at = Date.parse(k.expiresAt ?? '');
    assert.ok(at >= before + 1000 && at <= Date.now() + 1000, `expiresAt ${k.expiresAt} is a second from now`);
    assert.equal((await pub(k.key)).statusCode, 200);
    await within('expiry', async () => (await pub(k.key)).statusCode === 401, 2500);
    for (let i = 0; i < 5; i++) {
      const res = await pub(k.key);
      assert.equal(res.statusCode, 401);
      assert.equal(res.body, EXPIRED);
      assert.equal(res.headers['x-ratelimit-limit'], undefined, 'no rate-limit headers for a refused key');
    }
    // Five expired answers did not block the address: a valid key from it still reads.
    const other = await boundKey('other');
    assert.equal((await pub(other.key)).statusCode, 200);
    assert.equal((await a.ok('GET', `/admin/api/keys/${k.id}`)).expiresAt, k.expiresAt);
  });

  it('refuses a bad expiresAt with 400 INVALID_INPUT naming the field', async () => {
    for (const bad of ['soon', '5y', '2020-01-01', '2027-02-30', '0d']) {
      const res = await a.call('POST', '/admin/api/keys', { name: 'x', expiresAt: bad });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().error.code, 'INVALID_INPUT');
      assert.match(res.json().error.message, /expiresAt/, bad);
    }
    const k = await a.ok('POST', '/admin/api/keys', { name: 'y' });
    const res = await a.call('PATCH', `/admin/api/keys/${k.id}`, { expiresAt: 'later' });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error.message, /expiresAt/);
    const nonString = await a.call('PATCH', `/admin/api/keys/${k.id}`, { expiresAt: 5 });
    assert.equal(nonString.statusCode, 400);
    assert.match(nonString.json().error.message, /expiresAt/);
  });

  it('a disabled key answers 403 within a second, even for a page already cached; enable restores it', async () => {
    const k = await boundKey('switched', { rateLimit: 1000 });
    const first = await pub(k.key);
    assert.equal(first.statusCode, 200);
    assert.equal((await pub(k.key)).body, first.body, 'the page is served again (from the cache)');
    const disabled = await a.ok('POST', `/admin/api/keys/${k.id}/disable`, undefined, 200);
    assert.equal(disabled.disabled, true);
    assert.deepEqual(
      disabled.bindings.datasets.map((d: { id: string }) => d.id),
      [tickets],
      'bindings kept',
    );
    await within('disable', async () => (await pub(k.key)).statusCode === 403);
    const res = await pub(k.key);
    assert.equal(res.body, KEY_DISABLED);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal((await pub(k.key, '/api/datasets')).body, KEY_DISABLED, 'every public route');
    assert.equal((await pub(k.key, `/api/dataset/${tickets}?current=1`)).body, KEY_DISABLED);
    const enabled = await a.ok('POST', `/admin/api/keys/${k.id}/enable`, undefined, 200);
    assert.equal(enabled.disabled, false);
    await within('enable', async () => (await pub(k.key)).statusCode === 200);
    assert.equal((await pub(k.key)).body, first.body, 'the same rows as before');
    assert.equal((await a.call('POST', '/admin/api/keys/4242/disable')).statusCode, 404);
  });

  it('update keeps the id and the bindings, and a new limit applies', async () => {
    const k = await boundKey('to update');
    const u = await a.ok('PATCH', `/admin/api/keys/${k.id}`, {
      name: 'updated',
      description: 'changed',
      rateLimit: 77,
      expiresAt: '2099-01-31',
    });
    assert.deepEqual(
      [u.id, u.name, u.description, u.rateLimit, u.expiresAt],
      [k.id, 'updated', 'changed', 77, '2099-01-31T00:00:00.000Z'],
    );
    assert.deepEqual(
      u.bindings.datasets.map((d: { id: string }) => d.id),
      [tickets],
    );
    await within('new limit', async () => (await pub(k.key)).headers['x-ratelimit-limit'] === '77');
    const never = await a.ok('PATCH', `/admin/api/keys/${k.id}`, { expiresAt: null });
    assert.equal(never.expiresAt, null);
  });

  it('rotate: both secrets work during the grace, one rate-limit bucket, the old one refused after', async () => {
    const k = await boundKey('rotated', { rateLimit: 4 });
    const r = await a.ok('POST', `/admin/api/keys/${k.id}/rotate`, { grace: '2s' }, 200);
    assert.deepEqual(Object.keys(r), ['id', 'key', 'previousValidUntil']);
    assert.equal(r.id, k.id);
    assert.notEqual(r.key, k.key);
    assert.equal((await a.ok('GET', `/admin/api/keys/${k.id}`)).previousValidUntil, r.previousValidUntil);
    await t.server.refresh();
    await within('new secret', async () => (await pub(r.key)).statusCode === 200);
    // One bucket of 4 per minute, whichever secret is used: one request above, three here, then 429.
    const statuses = [(await pub(k.key)).statusCode, (await pub(k.key)).statusCode, (await pub(r.key)).statusCode];
    assert.deepEqual(statuses, [200, 200, 200]);
    assert.equal((await pub(k.key)).statusCode, 429, 'the old secret counts in the same bucket');
    assert.equal((await pub(r.key)).statusCode, 429);
    await within('end of grace', async () => (await pub(k.key)).statusCode === 401, 3500);
    assert.equal((await pub(k.key)).body, INVALID_KEY);
    assert.equal((await pub(r.key)).statusCode, 429, 'the new secret still works (and is still limited)');
    assert.equal((await a.ok('GET', `/admin/api/keys/${k.id}`)).previousValidUntil, null);
  });

  it('rotate with grace 0 refuses the old secret within a second; a bad grace is 400 naming it', async () => {
    const k = await boundKey('rotated now');
    assert.equal((await pub(k.key)).statusCode, 200);
    const r = await a.ok('POST', `/admin/api/keys/${k.id}/rotate`, { grace: '0' }, 200);
    await within('old secret refused', async () => (await pub(k.key)).body === INVALID_KEY);
    assert.equal((await pub(r.key)).statusCode, 200);
    for (const bad of ['forever', '31d', '-1s']) {
      const res = await a.call('POST', `/admin/api/keys/${k.id}/rotate`, { grace: bad });
      assert.equal(res.statusCode, 400, bad);
      assert.equal(res.json().error.code, 'INVALID_INPUT');
      assert.match(res.json().error.message, /grace/);
    }
    assert.deepEqual(await a.ok('GET', `/admin/api/keys/${k.id}/secret`), { id: k.id, key: r.key }, 'unchanged');
  });

  it('the invalid-key lockout still applies to old secrets: three failures block the address', async () => {
    const k = await boundKey('locked out');
    await a.ok('POST', `/admin/api/keys/${k.id}/rotate`, { grace: '0' }, 200);
    await within('old secret refused', async () => (await pub(k.key)).statusCode !== 200);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await pub(k.key)).statusCode);
    assert.equal(statuses.at(-1), 429, `blocked after the limit: ${statuses.join(',')}`);
  });

  it('keeps a key’s last use while it cannot be written, shows it, and writes it once it can', async () => {
    const k = await boundKey('last use');
    const db = t.modules.store.db;
    const stored = async () =>
      (await db.selectFrom('apiKeys').select('lastUsedAt').where('id', '=', k.id).executeTakeFirstOrThrow()).lastUsedAt;
    await t.server.flushNow();
    assert.equal((await pub(k.key)).statusCode, 200);
    // The database refuses the write (a trigger), as during an outage.
    if (TEST_BACKEND === 'sqlite') {
      await sql`CREATE TRIGGER refuse_last_use BEFORE UPDATE OF last_used_at ON api_keys
        BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`.execute(db);
    } else {
      await sql`CREATE FUNCTION refuse_last_use() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$`.execute(db);
      await sql`CREATE TRIGGER refuse_last_use BEFORE UPDATE OF last_used_at ON api_keys
        FOR EACH ROW EXECUTE FUNCTION refuse_last_use()`.execute(db);
    }
    try {
      await t.server.flushNow();
      assert.equal(await stored(), null, 'nothing written');
      const shown = (await a.ok('GET', `/admin/api/keys/${k.id}`)).lastUsedAt as string | null;
      assert.ok(shown !== null && Date.now() - Date.parse(shown) < 60_000, `the console shows the use: ${shown}`);
    } finally {
      if (TEST_BACKEND === 'sqlite') await sql`DROP TRIGGER refuse_last_use`.execute(db);
      else await sql`DROP TRIGGER refuse_last_use ON api_keys`.execute(db);
    }
    const shown = (await a.ok('GET', `/admin/api/keys/${k.id}`)).lastUsedAt;
    await t.server.flushNow();
    assert.equal(await stored(), shown, 'written by the next flush');
  });
});

describe('the key lifecycle through the command line', () => {
  let ws: CliWorkspace;
  const dg = (...args: string[]) => ws.dg(...args);

  before(async () => {
    ws = await cliWorkspace('key-lifecycle');
    ws.write('t.csv', 'id,summary\n1,Printer\n');
  });
  after(() => ws?.close());

  it('creates with --expires, updates, disables, enables and rotates; a server sees each change', async () => {
    const ds = await dg('dataset', 'import', 't.csv', '--name', 'T');
    const t0 = Date.now();
    const k = await dg('key', 'create', '--name', 'cli', '--expires', '90d');
    const at = Date.parse(k.expiresAt);
    assert.ok(Math.abs(at - (t0 + 90 * 86_400_000)) < 60_000, `expiresAt ${k.expiresAt} is 90 days away`);
    assert.deepEqual(Object.keys(k), ['id', 'name', 'key', 'rateLimit', 'expiresAt', 'allowIps', 'corsOrigins']);
    const plain = await dg('key', 'create', '--name', 'plain');
    assert.equal(plain.expiresAt, null);
    await dg('key', 'bind', k.id, '--dataset', ds.id);

    // Polling for a new secret until the server knows it sends invalid keys; not what is tested here.
    ws.env.DATAGATE_KEY_FAILURE_LIMIT = '1000';
    const server = await ws.serve();
    const get = (key: string) => fetch(`${server.url}/api/dataset/${ds.id}`, { headers: { apikey: key } });
    assert.equal((await get(k.key)).status, 200);

    const u = await dg('key', 'update', k.id, '--name', 'cli 2', '--rate-limit', '900', '--expires', 'never');
    assert.deepEqual(
      [u.id, u.name, u.rateLimit, u.expiresAt, u.bindings.datasets],
      [k.id, 'cli 2', 900, null, [ds.id]],
    );
    assert.equal(JSON.stringify(u).includes(k.key), false, 'no secret');

    const d = await dg('key', 'disable', k.id);
    assert.equal(d.disabled, true);
    await within('disable', async () => (await get(k.key)).status === 403);
    assert.equal(await (await get(k.key)).text(), KEY_DISABLED);
    assert.equal((await dg('key', 'enable', k.id)).disabled, false);
    await within('enable', async () => (await get(k.key)).status === 200);

    const r = await dg('key', 'rotate', k.id, '--grace', '1h');
    assert.deepEqual(Object.keys(r), ['id', 'key', 'previousValidUntil']);
    assert.ok(Math.abs(Date.parse(r.previousValidUntil) - (Date.now() + 3_600_000)) < 60_000);
    await within('new secret', async () => (await get(r.key)).status === 200);
    assert.equal((await get(k.key)).status, 200, 'the old one works during the grace');
    const listed = (await dg('key', 'list')).keys.find((x: { id: string }) => x.id === k.id);
    assert.deepEqual(
      [listed.expiresAt, listed.disabled, listed.previousValidUntil],
      [null, false, r.previousValidUntil],
    );
    const r0 = await dg('key', 'rotate', k.id, '--grace', '0');
    await within('grace 0', async () => (await get(r.key)).status === 401);
    assert.equal((await get(r0.key)).status, 200);
    assert.equal((await dg('key', 'list')).keys.find((x: { id: string }) => x.id === k.id).previousValidUntil, null);
  });

  it('refuses garbage for --expires and --grace with exit 2 and a clear message', async () => {
    const bad = await ws.dgFail('key', 'create', '--name', 'x', '--expires', 'next tuesday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expires: "next tuesday" is neither a duration such as 90d or 12h nor an ISO 8601/);
    const past = await ws.dgFail('key', 'create', '--name', 'x', '--expires', '2001-01-01');
    assert.equal(past.code, 2);
    assert.match(past.stderr, /--expires: "2001-01-01" is in the past/);
    const k = await dg('key', 'create', '--name', 'y');
    const grace = await ws.dgFail('key', 'rotate', k.id, '--grace', '1 day');
    assert.equal(grace.code, 2);
    assert.match(grace.stderr, /--grace: "1 day" is not a duration/);
    const missing = await ws.dgFail('key', 'disable', '4242');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no key "4242"/);
    assert.equal((await dg('key', 'list')).keys.filter((x: { name: string }) => x.name === 'x').length, 0);
  });
});
