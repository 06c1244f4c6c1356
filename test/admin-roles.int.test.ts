import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { signedInAdmin, tokenAdmin, type AdminClient } from './support/admin-client.ts';
import { adminRoutes, ANONYMOUS, fillPath, LEAST_ROLE, routeName } from './support/admin-routes.ts';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

type Role = 'viewer' | 'admin' | 'owner';
const RANK: Record<Role, number> = { viewer: 0, admin: 1, owner: 2 };

/** Calls a route as `client` with a harmless body: unknown ids, an empty JSON object, a tiny file. */
function hit(client: AdminClient, method: string, path: string): Promise<LightMyRequestResponse> {
  const url = fillPath(path, {});
  if (url.startsWith('/admin/api/uploads'))
    return client.call(method, `${url}?filename=x.csv`, Buffer.from('id\n1\n'), {
      'content-type': 'application/octet-stream',
    });
  return client.call(method, url, method === 'GET' || method === 'DELETE' ? undefined : {});
}

function forbidden(res: LightMyRequestResponse, need: Role, what: string): void {
  assert.equal(res.statusCode, 403, `${what}: ${res.statusCode} ${res.body}`);
  const e = res.json().error;
  assert.equal(e.code, 'ROLE_REQUIRED', what);
  assert.match(e.message, new RegExp(`needs the ${need} role`), what);
}

describe('roles: owner, admin and viewer on every admin route', () => {
  let t: TestServer;
  let owner: AdminClient;
  let admin: AdminClient;
  let viewer: AdminClient;
  let keyId: string;
  let dsId: string;

  before(async () => {
    t = await startTestServer();
    owner = await signedInAdmin(t, { email: 'owner@roles.example', role: 'owner' });
    admin = await signedInAdmin(t, { email: 'admin@roles.example', role: 'admin' });
    viewer = await signedInAdmin(t, { email: 'viewer@roles.example', role: 'viewer' });
    keyId = (await owner.ok('POST', '/admin/api/keys', { name: 'Portal' })).id;
    dsId = (await importDataset(t, 't.csv', 'id,summary\n1,Printer\n', 'Tickets')).id;
  });
  after(() => t.close());

  it('names the least role of every route in /admin/api/openapi.json', async () => {
    const routes = (await adminRoutes(t.server.app)).map(routeName).filter((r) => !ANONYMOUS.has(r));
    assert.deepEqual(
      routes.filter((r) => !(r in LEAST_ROLE)),
      [],
      'routes without a least role: add them to LEAST_ROLE',
    );
    assert.deepEqual(
      Object.keys(LEAST_ROLE).filter((r) => !routes.includes(r)),
      [],
    );
  });

  it('refuses every route below its role with 403 ROLE_REQUIRED naming it, and lets the rest through', async () => {
    const viewerToken = await tokenAdmin(t, { name: 'Reader', role: 'viewer' });
    const adminToken = await tokenAdmin(t, { name: 'Nightly', role: 'admin' });
    const clients: [string, Role, AdminClient][] = [
      ['viewer session', 'viewer', viewer],
      ['admin session', 'admin', admin],
      ['owner session', 'owner', owner],
      ['viewer token', 'viewer', viewerToken],
      ['admin token', 'admin', adminToken],
    ];
    const failures: string[] = [];
    for (const r of (await adminRoutes(t.server.app)).map(routeName)) {
      if (ANONYMOUS.has(r)) continue;
      // Allowed for every role; signing out would end the session the walk uses.
      if (r === 'DELETE /admin/api/session') continue;
      const need = LEAST_ROLE[r];
      const [method, path] = r.split(' ');
      for (const [name, role, client] of clients) {
        const res = await hit(client, method, path);
        try {
          if (RANK[role] < RANK[need]) forbidden(res, need, `${r} as ${name}`);
          else {
            assert.notEqual(res.statusCode, 401, `${r} as ${name}: ${res.body}`);
            assert.ok(
              res.statusCode !== 403 || res.json().error.code !== 'ROLE_REQUIRED',
              `${r} as ${name} refused: ${res.body}`,
            );
          }
        } catch (e) {
          failures.push((e as Error).message.split('\n')[0]);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('keeps a key’s secret from a viewer, and tells the session its role', async () => {
    forbidden(await viewer.call('GET', `/admin/api/keys/${keyId}/secret`), 'admin', 'reveal as viewer');
    assert.match((await admin.ok('GET', `/admin/api/keys/${keyId}/secret`)).key, /^dgk_/);
    const keys = await viewer.call('GET', '/admin/api/keys');
    assert.equal(keys.statusCode, 200);
    assert.ok(!keys.body.includes('"key"'), 'the key list holds a secret');
    assert.equal((await viewer.ok('GET', '/admin/api/session')).user.role, 'viewer');
    assert.equal((await owner.ok('GET', '/admin/api/session')).user.role, 'owner');
    const users = (await viewer.ok('GET', '/admin/api/users')).users;
    assert.deepEqual(users.map((u: { email: string; role: string }) => `${u.email} ${u.role}`).sort(), [
      'admin@roles.example admin',
      'owner@roles.example owner',
      'viewer@roles.example viewer',
    ]);
    // The body is never looked at below the role: a viewer's bad body is still a 403.
    forbidden(
      await viewer.call('POST', '/admin/api/keys', 'not json', { 'content-type': 'application/json' }),
      'admin',
      'bad body',
    );
  });

  it('lets an owner change roles, at once for sessions already open, and keeps the last owner', async () => {
    const viewerId = (await owner.ok('GET', '/admin/api/users')).users.find(
      (u: { email: string }) => u.email === 'viewer@roles.example',
    ).id;
    forbidden(await admin.call('PATCH', `/admin/api/users/${viewerId}`, { role: 'owner' }), 'owner', 'admin promotes');
    const promoted = await owner.ok('PATCH', `/admin/api/users/${viewerId}`, { role: 'admin' });
    assert.equal(promoted.role, 'admin');
    assert.equal((await viewer.call('POST', '/admin/api/keys', { name: 'Now allowed' })).statusCode, 201);
    const entry = (await owner.ok('GET', '/admin/api/audit?action=user.role')).items[0];
    assert.deepEqual(
      [entry.actor, entry.target, entry.detail],
      [owner.email, 'viewer@roles.example', 'viewer → admin'],
    );
    const bad = await owner.call('PATCH', `/admin/api/users/${viewerId}`, { role: 'root' });
    assert.equal(bad.statusCode, 400);

    const ownerId = (await owner.ok('GET', '/admin/api/session')).user.id;
    const last = await owner.call('PATCH', `/admin/api/users/${ownerId}`, { role: 'admin' });
    assert.equal(last.statusCode, 409, last.body);
    assert.match(last.json().error.message, /last owner/);
    // With a second owner, the first may step down; then the second is the last one.
    await owner.ok('PATCH', `/admin/api/users/${viewerId}`, { role: 'owner' });
    assert.equal((await owner.ok('PATCH', `/admin/api/users/${ownerId}`, { role: 'admin' })).role, 'admin');
    forbidden(await owner.call('GET', '/admin/api/tokens'), 'owner', 'former owner lists tokens');
    const removeLast = await t.modules.access.users.remove(t.tenant.id, viewerId).catch((e: Error) => e);
    assert.ok(removeLast instanceof Error && /last owner/.test(removeLast.message), String(removeLast));
    await viewer.ok('PATCH', `/admin/api/users/${ownerId}`, { role: 'owner' });
  });

  it('gives a token the role it was made with, admin by default, and never owner', async () => {
    const created = await owner.ok('POST', '/admin/api/tokens', { name: 'Read only', role: 'viewer' });
    assert.equal(created.role, 'viewer');
    assert.equal((await owner.ok('POST', '/admin/api/tokens', { name: 'Default' })).role, 'admin');
    const asOwner = await owner.call('POST', '/admin/api/tokens', { name: 'Root', role: 'owner' });
    assert.equal(asOwner.statusCode, 400, asOwner.body);
    const read = await t.server.app.inject({
      method: 'GET',
      url: `/admin/api/datasets/${dsId}`,
      headers: { authorization: `Bearer ${created.token}` },
    });
    assert.equal(read.statusCode, 200);
    const change = await t.server.app.inject({
      method: 'PATCH',
      url: `/admin/api/datasets/${dsId}`,
      headers: { authorization: `Bearer ${created.token}` },
      payload: { description: 'x' },
    });
    forbidden(change, 'admin', 'viewer token changes');
    assert.match(change.json().error.message, /this token is a viewer/);
  });

  it('makes the first user an owner at setup, and later ones admins unless told', async () => {
    const fresh = await startTestServer();
    try {
      const res = await fresh.server.app.inject({
        method: 'POST',
        url: '/admin/api/setup',
        payload: { email: 'first@fresh.example', password: 'correct horse battery' },
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().user.role, 'owner');
      const second = await fresh.modules.access.users.create(fresh.tenant.id, {
        email: 'second@fresh.example',
        password: 'correct horse battery',
      });
      assert.equal(second.role, 'admin');
    } finally {
      await fresh.close();
    }
  });
});

describe('datagate user add --role, user role, token create --role', () => {
  let ws: CliWorkspace;
  before(async () => {
    ws = await cliWorkspace('roles');
  });
  after(() => ws.close());

  it('adds with a role, changes it, keeps the last owner, and makes tokens of admin or viewer only', async () => {
    assert.deepEqual(await ws.dg('user', 'add', 'first@cli.example', '--password', 'long enough pass'), {
      email: 'first@cli.example',
      role: 'owner',
    });
    assert.equal((await ws.dg('user', 'add', 'second@cli.example', '--password', 'long enough pass')).role, 'admin');
    assert.equal(
      (await ws.dg('user', 'add', 'third@cli.example', '--password', 'long enough pass', '--role', 'viewer')).role,
      'viewer',
    );
    const badRole = await ws.dgFail('user', 'add', 'x@cli.example', '--password', 'long enough pass', '--role', 'god');
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /--role: "god" is not a role: use viewer, admin, owner/);

    const last = await ws.dgFail('user', 'role', 'first@cli.example', 'admin');
    assert.equal(last.code, 1);
    assert.match(last.stderr, /last owner/);
    assert.deepEqual(await ws.dg('user', 'role', 'second@cli.example', 'owner'), {
      email: 'second@cli.example',
      role: 'owner',
    });
    assert.equal((await ws.dg('user', 'role', 'first@cli.example', 'viewer')).role, 'viewer');
    const list = await ws.dg('user', 'list');
    assert.deepEqual(
      list.users.map((u: { email: string; role: string }) => `${u.email} ${u.role}`),
      ['first@cli.example viewer', 'second@cli.example owner', 'third@cli.example viewer'],
    );
    const lastRemove = await ws.dgFail('user', 'remove', 'second@cli.example');
    assert.match(lastRemove.stderr, /last owner/);

    assert.equal((await ws.dg('token', 'create', '--name', 'reader', '--role', 'viewer')).role, 'viewer');
    assert.equal((await ws.dg('token', 'create', '--name', 'job')).role, 'admin');
    const ownerToken = await ws.dgFail('token', 'create', '--name', 'root', '--role', 'owner');
    assert.equal(ownerToken.code, 2);
    assert.match(ownerToken.stderr, /use viewer, admin/);
  });
});
