import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, signIn, type AdminClient } from './support/admin-client.ts';
import { adminRoutes, ANONYMOUS, callRoute, fillPath, routeName } from './support/admin-routes.ts';
import { countWidget } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const PASSWORD = 'correct horse battery';
const HOUR = 3600_000;

/** The session cookie of a Set-Cookie header, split into its name=value and its attributes. */
function sessionCookie(res: { headers: Record<string, unknown> }) {
  const all = ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []);
  const c = all.find((x) => x.startsWith('dg_session='));
  assert.ok(c, `no dg_session cookie in ${JSON.stringify(all)}`);
  const [pair, ...attrs] = c.split(';').map((s) => s.trim());
  return { pair, attrs: attrs.map((a) => a.toLowerCase()) };
}

const errorOf = (res: { json(): any }) => res.json().error as { code: string; message: string; requestId: string };

describe('first-run setup', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  const setup = (payload: unknown, headers: Record<string, string> = {}) =>
    t.server.app.inject({ method: 'POST', url: '/admin/api/setup', payload: payload as object, headers });

  it('is required while the tenant has no users, creates the first admin once and signs them in', async () => {
    assert.deepEqual((await t.server.app.inject({ method: 'GET', url: '/admin/api/setup' })).json(), {
      required: true,
      codeRequired: false,
    });
    const short = await setup({ email: 'first@example.com', password: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(errorOf(short).message, /8 characters/);
    const form = await setup('email=first%40example.com&password=long+enough+pw', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(form.statusCode, 415);
    assert.deepEqual((await t.server.app.inject({ method: 'GET', url: '/admin/api/setup' })).json(), {
      required: true,
      codeRequired: false,
    });

    const res = await setup({ email: 'First@Example.com', password: PASSWORD });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().user.email, 'first@example.com');
    assert.equal(res.json().tenant.slug, t.config.tenant);
    const { pair } = sessionCookie(res);
    const me = await t.server.app.inject({ method: 'GET', url: '/admin/api/session', headers: { cookie: pair } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().csrfToken, res.json().csrfToken);

    assert.deepEqual((await t.server.app.inject({ method: 'GET', url: '/admin/api/setup' })).json(), {
      required: false,
      codeRequired: false,
    });
    const again = await setup({ email: 'second@example.com', password: PASSWORD });
    assert.equal(again.statusCode, 409);
    assert.equal(errorOf(again).code, 'SETUP_DONE');
    assert.equal(await t.modules.access.users.count(t.tenant.id), 1);
    const audit = await t.modules.access.audit.list(t.tenant.id, { page: 1, size: 10 });
    assert.deepEqual(
      audit.items.map((e) => [e.action, e.actor]),
      [['setup', 'first@example.com']],
    );
  });
});

describe('sign-in, sessions, CSRF and the admin users', () => {
  let t: TestServer;
  let a: AdminClient;
  let keyId: string;
  let dsId: string;
  let widgetId: string;

  const app = () => t.server.app;
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app().inject({ method: 'POST', url, payload: payload as object, headers });

  before(async () => {
    t = await startTestServer();
    a = await signedInAdmin(t, { email: 'ada@example.com' });
    const { catalog, access } = t.modules;
    dsId = (
      await catalog.datasets.importFile(t.tenant.id, { file: t.file('t.csv', 'id,name\n1,x\n'), name: 'Tickets' })
    ).id;
    widgetId = (await countWidget(t, dsId, 'N')).id;
    keyId = (await access.keys.create(t.tenant.id, { name: 'k' })).id;
    await access.keys.bind(t.tenant.id, keyId, 'dataset', dsId);
    await t.server.refresh();
  });
  after(() => t.close());

  it('signs in: the session cookie is HttpOnly, SameSite=Lax, Path=/, and not Secure over http', async () => {
    const res = await post('/admin/api/session', { email: 'ADA@example.com ', password: PASSWORD });
    assert.equal(res.statusCode, 200);
    const { pair, attrs } = sessionCookie(res);
    assert.match(pair, /^dg_session=[A-Za-z0-9_-]{40,}$/);
    assert.ok(attrs.includes('httponly'), attrs.join('; '));
    assert.ok(attrs.includes('samesite=lax'), attrs.join('; '));
    assert.ok(attrs.includes('path=/'), attrs.join('; '));
    assert.ok(!attrs.includes('secure'), attrs.join('; '));
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['csrfToken', 'expiresAt', 'tenant', 'user']);
    assert.equal(body.user.email, 'ada@example.com');
    // Without a trusted proxy, a client's x-forwarded-proto means nothing.
    const spoofed = await post(
      '/admin/api/session',
      { email: 'ada@example.com', password: PASSWORD },
      { 'x-forwarded-proto': 'https' },
    );
    assert.ok(!sessionCookie(spoofed).attrs.includes('secure'));
  });

  it('refuses a wrong password and an unknown email with the same 401 INVALID_CREDENTIALS', async () => {
    const wrong = await post('/admin/api/session', { email: 'ada@example.com', password: 'not the password' });
    const unknown = await post('/admin/api/session', { email: 'nobody@example.com', password: 'not the password' });
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401);
      assert.equal(errorOf(res).code, 'INVALID_CREDENTIALS');
      assert.equal(res.headers['set-cookie'], undefined);
    }
    assert.deepEqual({ ...errorOf(wrong), requestId: '' }, { ...errorOf(unknown), requestId: '' });
  });

  it('refuses a sign-in that is not JSON (a cross-site form) with 415', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await app().inject({
        method: 'POST',
        url: '/admin/api/session',
        headers: { 'content-type': type },
        payload: 'email=ada%40example.com&password=correct+horse+battery',
      });
      assert.equal(res.statusCode, 415, type);
      assert.equal(errorOf(res).code, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(res.headers['set-cookie'], undefined);
    }
  });

  it('answers no route without a session except setup, session and the OpenAPI document', async () => {
    const routes = await adminRoutes(app());
    assert.ok(routes.length >= 20, `only ${routes.length} routes in the document`);
    for (const r of routes) {
      if (ANONYMOUS.has(routeName(r))) continue;
      const url = fillPath(r.path, { id: keyId, rid: dsId, type: 'dataset' });
      for (const cookie of [undefined, 'dg_session=forged-token-that-matches-nothing']) {
        const res = await callRoute(app(), r.method, url, { cookie, csrf: 'x' });
        assert.equal(
          res.statusCode,
          401,
          `${routeName(r)} with ${cookie ?? 'no cookie'}: ${res.statusCode} ${res.body}`,
        );
        assert.equal(errorOf(res).code, 'UNAUTHENTICATED');
      }
    }
    assert.equal((await app().inject({ method: 'GET', url: '/admin/api/openapi.json' })).statusCode, 200);
    assert.equal((await app().inject({ method: 'GET', url: '/admin/api/setup' })).statusCode, 200);
    assert.equal((await app().inject({ method: 'GET', url: '/admin/api/session' })).statusCode, 401);
  });

  it(
    'refuses every state-changing route without the ' + 'CSRF token, or with a wrong one, and changes nothing',
    async () => {
      const other = await signedInAdmin(t);
      const users = await a.ok('GET', '/admin/api/users');
      const otherId = users.users.find((u: { email: string }) => u.email === other.email).id;
      const snapshot = async () =>
        JSON.stringify({
          keys: await a.ok('GET', '/admin/api/keys'),
          users: await a.ok('GET', '/admin/api/users'),
          settings: await a.ok('GET', '/admin/api/settings'),
          audit: (await a.ok('GET', '/admin/api/audit')).total,
          datasets: (await t.modules.catalog.datasets.list(t.tenant.id)).map((d) => [
            d.id,
            d.name,
            d.version,
            d.description,
          ]),
          widgets: (await t.modules.catalog.widgets.list(t.tenant.id)).map((w) => [w.id, w.name, w.version]),
          sessions: (await t.modules.store.db.selectFrom('sessions').select('tokenHash').execute()).length,
        });
      const before = await snapshot();
      const routes = (await adminRoutes(app())).filter((r) => r.method !== 'GET' && !ANONYMOUS.has(routeName(r)));
      assert.ok(routes.some((r) => r.path === '/admin/api/keys/{id}' && r.method === 'DELETE'));
      for (const r of routes) {
        const resource = r.path.startsWith('/admin/api/users')
          ? otherId
          : r.path.startsWith('/admin/api/datasets')
            ? dsId
            : r.path.startsWith('/admin/api/widgets')
              ? widgetId
              : keyId;
        const url = fillPath(r.path, { id: resource, rid: dsId, type: 'dataset' });
        const body = {
          name: 'changed',
          enabled: false,
          rateLimit: 5,
          datasets: [dsId],
          email: 'x@example.com',
          password: PASSWORD,
        };
        for (const csrf of [undefined, '', 'wrong-token', other.csrf]) {
          const res = await callRoute(app(), r.method, url, { cookie: a.cookie, csrf, body });
          assert.equal(
            res.statusCode,
            403,
            `${routeName(r)} with csrf ${JSON.stringify(csrf)}: ${res.statusCode} ${res.body}`,
          );
          assert.equal(errorOf(res).code, 'CSRF_INVALID');
        }
      }
      assert.equal(await snapshot(), before);
      // The same request with the right token goes through: the refusal was the token's.
      assert.equal((await a.call('PATCH', `/admin/api/keys/${keyId}`, { name: 'changed' })).statusCode, 200);
    },
  );

  it('ends a session idle for 12 hours, and one past its 7 days', async () => {
    for (const column of ['lastSeenAt', 'expiresAt'] as const) {
      const b = await signIn(app(), 'ada@example.com', PASSWORD);
      assert.equal((await b.call('GET', '/admin/api/session')).statusCode, 200);
      const sessions = await t.modules.store.db
        .selectFrom('sessions')
        .select(['tokenHash', 'lastSeenAt', 'expiresAt'])
        .execute();
      // The newest session is b's: move its time back past the limit.
      const mine = sessions.sort((x, y) => Date.parse(y.expiresAt) - Date.parse(x.expiresAt))[0];
      const moved = column === 'lastSeenAt' ? new Date(Date.now() - 12 * HOUR - 1000) : new Date(Date.now() - 1000);
      await t.modules.store.db
        .updateTable('sessions')
        .set({ [column]: moved.toISOString() })
        .where('tokenHash', '=', mine.tokenHash)
        .execute();
      for (const [m, u] of [
        ['GET', '/admin/api/session'],
        ['GET', '/admin/api/keys'],
      ]) {
        const res = await b.call(m, u);
        assert.equal(res.statusCode, 401, `${column}: ${m} ${u}`);
        assert.equal(errorOf(res).code, 'UNAUTHENTICATED');
      }
    }
    assert.equal((await a.call('GET', '/admin/api/keys')).statusCode, 200, 'other sessions live on');
  });

  it('signs out: 204, the cookie cleared, the session over', async () => {
    const b = await signIn(app(), 'ada@example.com', PASSWORD);
    const res = await b.call('DELETE', '/admin/api/session');
    assert.equal(res.statusCode, 204);
    const { pair, attrs } = sessionCookie(res);
    assert.equal(pair, 'dg_session=');
    assert.ok(
      attrs.some((x) => x.startsWith('expires=thu, 01 jan 1970') || x === 'max-age=0'),
      attrs.join('; '),
    );
    assert.equal((await b.call('GET', '/admin/api/session')).statusCode, 401);
    assert.equal((await b.call('GET', '/admin/api/keys')).statusCode, 401);
    const log = await a.ok('GET', '/admin/api/audit?action=user.signout');
    assert.equal(log.items[0].actor, 'ada@example.com');
  });

  it(
    'manages admins: list, add (201), refuse a taken email ' + 'or a short password, remove others but not yourself',
    async () => {
      const added = await a.ok('POST', '/admin/api/users', { email: 'Grace@Example.com', password: PASSWORD });
      assert.equal(added.email, 'grace@example.com');
      assert.deepEqual(Object.keys(added).sort(), ['createdAt', 'email', 'id', 'lastSignInAt', 'role']);
      const taken = await a.call('POST', '/admin/api/users', { email: 'grace@example.com', password: PASSWORD });
      assert.equal(taken.statusCode, 409);
      assert.equal(errorOf(taken).code, 'CONFLICT');
      const short = await a.call('POST', '/admin/api/users', { email: 'hopper@example.com', password: '1234567' });
      assert.equal(short.statusCode, 400);
      assert.match(errorOf(short).message, /8 characters/);
      const notEmail = await a.call('POST', '/admin/api/users', { email: 'hopper', password: PASSWORD });
      assert.equal(notEmail.statusCode, 400);

      const { users } = await a.ok('GET', '/admin/api/users');
      assert.ok(users.some((u: { email: string }) => u.email === 'grace@example.com'));
      assert.ok(!JSON.stringify(users).includes('password') && !JSON.stringify(users).includes('scrypt'));
      const me = users.find((u: { email: string }) => u.email === 'ada@example.com');
      assert.ok(me.lastSignInAt);
      const self = await a.call('DELETE', `/admin/api/users/${me.id}`);
      assert.equal(self.statusCode, 409);
      assert.equal(errorOf(self).code, 'CONFLICT');

      const grace = await signIn(app(), 'grace@example.com', PASSWORD);
      assert.equal((await grace.call('GET', '/admin/api/keys')).statusCode, 200);
      await a.ok('DELETE', `/admin/api/users/${added.id}`);
      assert.equal((await grace.call('GET', '/admin/api/keys')).statusCode, 401, 'a removed admin’s session ends');
      assert.equal((await a.call('DELETE', `/admin/api/users/${added.id}`)).statusCode, 404);
      const gone = await post('/admin/api/session', { email: 'grace@example.com', password: PASSWORD });
      assert.equal(gone.statusCode, 401);

      const log = await a.ok('GET', '/admin/api/audit?size=200');
      const actions = log.items.map((e: { action: string; target: string }) => `${e.action} ${e.target}`);
      assert.ok(actions.includes('user.create grace@example.com'));
      assert.ok(actions.includes('user.delete grace@example.com'));
      assert.ok(!JSON.stringify(log).includes(PASSWORD), 'a password in the audit log');
    },
  );
});

describe('sign-in limits', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    for (const email of ['limited@example.com', 'bystander@example.com'])
      await t.modules.access.users.create(t.tenant.id, { email, password: PASSWORD });
  });
  after(() => t.close());

  const attempt = (email: string, password: string) =>
    t.server.app.inject({ method: 'POST', url: '/admin/api/session', payload: { email, password } });

  it(
    'after 5 failures for an email, refuses it for a while, ' + 'even with the right password; other emails sign in',
    async () => {
      for (let i = 0; i < 5; i++)
        assert.equal((await attempt('limited@example.com', `wrong ${i} password`)).statusCode, 401);
      const sixth = await attempt('limited@example.com', PASSWORD);
      assert.equal(sixth.statusCode, 429);
      assert.equal(errorOf(sixth).code, 'SIGNIN_LIMITED');
      const retry = Number(sixth.headers['retry-after']);
      assert.ok(
        Number.isInteger(retry) && retry > 0 && retry <= 15 * 60,
        `Retry-After ${sixth.headers['retry-after']}`,
      );
      assert.equal(sixth.headers['set-cookie'], undefined);
      assert.equal(
        (await attempt('LIMITED@example.com', PASSWORD)).statusCode,
        429,
        'the email is limited however it is spelled',
      );

      assert.equal((await attempt('bystander@example.com', PASSWORD)).statusCode, 200);
      assert.equal((await attempt('bystander@example.com', 'wrong password')).statusCode, 401);
    },
  );
});

describe('the session cookie behind a TLS-terminating proxy', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ DATAGATE_TRUST_PROXY: 'true' });
    await t.modules.access.users.create(t.tenant.id, { email: 'ada@example.com', password: PASSWORD });
  });
  after(() => t.close());

  it('is Secure when the proxy says the request came over https, and not otherwise', async () => {
    const signInWith = (headers: Record<string, string>) =>
      t.server.app.inject({
        method: 'POST',
        url: '/admin/api/session',
        payload: { email: 'ada@example.com', password: PASSWORD },
        headers,
      });
    const https = await signInWith({ 'x-forwarded-proto': 'https' });
    assert.equal(https.statusCode, 200);
    assert.ok(sessionCookie(https).attrs.includes('secure'));
    assert.ok(sessionCookie(https).attrs.includes('httponly'));
    const http = await signInWith({ 'x-forwarded-proto': 'http' });
    assert.ok(!sessionCookie(http).attrs.includes('secure'));
    const signOut = await t.server.app.inject({
      method: 'DELETE',
      url: '/admin/api/session',
      headers: {
        cookie: sessionCookie(https).pair,
        'x-csrf-token': https.json().csrfToken,
        'x-forwarded-proto': 'https',
      },
    });
    assert.equal(signOut.statusCode, 204);
    assert.ok(sessionCookie(signOut).attrs.includes('secure'));
  });
});
