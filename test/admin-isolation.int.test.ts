import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, signIn, tokenAdmin, type AdminClient } from './support/admin-client.ts';
import { adminRoutes, fillPath, LEAST_ROLE, routeName } from './support/admin-routes.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const PASSWORD = 'correct horse battery';

/** Tenant A's ids, which tenant B's admin tries on every route. */
interface AlphaIds {
  keyId: string;
  secret: string;
  datasetId: string;
  widgetId: string;
  userId: string;
  /** An upload of A's, not used yet. */
  uploadId: string;
  tokenId: string;
  token: string;
}

/** Tenant B's own resources, for the requests that need a valid one of B's beside one of A's. */
interface BetaIds {
  keyId: string;
  datasetId: string;
  uploadId: string;
}

interface Ctx {
  t: TestServer;
  /** Tenant B's admin: signed in, or an admin token of B's (see the describe blocks). */
  b: AdminClient;
  /** The email of B's signed-in admin (with a token, `b.email` is the token's name). */
  betaEmail: string;
  a: AlphaIds;
  own: BetaIds;
}

/** Uploads a CSV as `client` and returns the upload id. */
async function upload(client: AdminClient, name: string, csv: string): Promise<string> {
  const res = await client.call('POST', `/admin/api/uploads?filename=${name}`, Buffer.from(csv), {
    'content-type': 'application/octet-stream',
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json().uploadId;
}

/** The route answered "not in your tenant", not "no such route". */
function notFound(res: LightMyRequestResponse, what: string): void {
  assert.equal(res.statusCode, 404, `${what}: ${res.statusCode} ${res.body}`);
  const e = res.json().error;
  assert.equal(e.code, 'NOT_FOUND', what);
  assert.doesNotMatch(e.message, /^No admin route/, `${what}: the route does not exist (yet)`);
}

/** Every trace of tenant A that must never appear in what tenant B gets. */
const ALPHA_WORDS = ['Alpha'];
function noAlpha(res: LightMyRequestResponse, a: AlphaIds, what: string): void {
  assert.ok(res.statusCode < 300, `${what}: ${res.statusCode} ${res.body}`);
  for (const s of [
    a.keyId,
    a.secret,
    a.datasetId,
    a.widgetId,
    a.userId,
    a.uploadId,
    a.tokenId,
    a.token,
    ...ALPHA_WORDS,
  ]) {
    assert.ok(!res.body.includes(s), `${what} shows tenant A's "${s}": ${res.body}`);
  }
}

const widgetSpec = (datasetId: string, name = 'Beta count') => ({
  name,
  dataset: datasetId,
  chart: 'number',
  dimensions: [],
  measures: [{ agg: 'count', label: 'N' }],
});

/**
 * One case per admin route (as `METHOD /path` in /admin/api/openapi.json): what tenant
 * B's admin does with tenant A's ids, and what B must get. A route without a case fails
 * the test, so routes added later are covered as soon as they appear.
 */
const CASES: Record<string, (c: Ctx) => Promise<void>> = {
  // Sign-in and setup: not tenant resources, but they must not hand B anything of A's.
  'GET /admin/api/setup': async ({ t }) => {
    assert.deepEqual((await t.server.app.inject({ method: 'GET', url: '/admin/api/setup' })).json(), {
      required: false,
      codeRequired: false,
    });
  },
  'POST /admin/api/setup': async ({ b }) => {
    const res = await b.call('POST', '/admin/api/setup', { email: 'intruder@beta.example', password: PASSWORD });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'SETUP_DONE');
  },
  'GET /admin/api/session': async ({ b }) => {
    const s = await b.ok('GET', '/admin/api/session');
    assert.deepEqual([s.tenant.slug, s.user.email], ['beta', b.email]);
  },
  'POST /admin/api/session': async ({ t, betaEmail }) => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: '/admin/api/session',
      payload: { email: betaEmail, password: PASSWORD },
    });
    assert.equal(res.json().tenant.slug, 'beta');
  },
  'DELETE /admin/api/session': async ({ t, betaEmail }) => {
    const second = await signIn(t.server.app, betaEmail, PASSWORD);
    assert.equal((await second.call('DELETE', '/admin/api/session')).statusCode, 204);
  },

  'GET /admin/api/settings': async ({ b }) => {
    // A's switch is off, B's on.
    assert.equal((await b.ok('GET', '/admin/api/settings')).publicApiEnabled, true);
  },
  'PUT /admin/api/settings/public-api': async ({ b }) => {
    assert.deepEqual(await b.ok('PUT', '/admin/api/settings/public-api', { enabled: true }), { enabled: true });
  },

  'GET /admin/api/keys': async ({ b, a, own }) => {
    const res = await b.call('GET', '/admin/api/keys');
    noAlpha(res, a, 'the key list');
    assert.ok(res.body.includes(own.keyId));
  },
  'POST /admin/api/keys': async ({ b }) => {
    await b.ok('POST', '/admin/api/keys', { name: 'Beta second' });
  },
  'GET /admin/api/keys/{id}': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/keys/${a.keyId}`), 'GET key'),
  'PATCH /admin/api/keys/{id}': async ({ b, a }) =>
    notFound(
      await b.call('PATCH', `/admin/api/keys/${a.keyId}`, { name: 'Stolen', rateLimit: 1, description: 'x' }),
      'PATCH key',
    ),
  'DELETE /admin/api/keys/{id}': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/keys/${a.keyId}`), 'DELETE key'),
  'GET /admin/api/keys/{id}/secret': async ({ b, a }) => {
    const res = await b.call('GET', `/admin/api/keys/${a.keyId}/secret`);
    notFound(res, 'reveal');
    assert.ok(!res.body.includes(a.secret));
  },
  'POST /admin/api/keys/{id}/disable': async ({ b, a }) =>
    notFound(await b.call('POST', `/admin/api/keys/${a.keyId}/disable`), 'disable A’s key'),
  'POST /admin/api/keys/{id}/enable': async ({ b, a }) =>
    notFound(await b.call('POST', `/admin/api/keys/${a.keyId}/enable`), 'enable A’s key'),
  'POST /admin/api/keys/{id}/rotate': async ({ b, a }) =>
    notFound(await b.call('POST', `/admin/api/keys/${a.keyId}/rotate`, {}), 'rotate A’s key'),
  'POST /admin/api/keys/{id}/bindings': async ({ b, a, own }) => {
    notFound(
      await b.call('POST', `/admin/api/keys/${a.keyId}/bindings`, { datasets: [own.datasetId] }),
      'bind to A’s key',
    );
    notFound(
      await b.call('POST', `/admin/api/keys/${own.keyId}/bindings`, { datasets: [a.datasetId] }),
      'bind A’s dataset',
    );
    notFound(
      await b.call('POST', `/admin/api/keys/${own.keyId}/bindings`, { widgets: [a.widgetId] }),
      'bind A’s widget',
    );
    assert.deepEqual((await b.ok('GET', `/admin/api/keys/${own.keyId}`)).bindings, {
      datasets: [{ id: own.datasetId, name: 'Beta tickets', where: '', scopeError: null, broken: null }],
      widgets: [],
    });
  },
  'PUT /admin/api/keys/{id}/bindings/{type}/{rid}': async ({ b, a, own }) => {
    const put = (key: string, type: string, rid: string) =>
      b.call('PUT', `/admin/api/keys/${key}/bindings/${type}/${rid}`, { where: '' });
    notFound(await put(a.keyId, 'dataset', a.datasetId), 'scope on A’s key');
    notFound(await put(a.keyId, 'dataset', own.datasetId), 'scope of B’s dataset on A’s key');
    notFound(await put(own.keyId, 'dataset', a.datasetId), 'scope of A’s dataset on B’s key');
    notFound(await put(own.keyId, 'widget', a.widgetId), 'scope of A’s widget on B’s key');
  },
  'DELETE /admin/api/keys/{id}/bindings/{type}/{rid}': async ({ b, a, own }) => {
    notFound(await b.call('DELETE', `/admin/api/keys/${a.keyId}/bindings/dataset/${a.datasetId}`), 'unbind on A’s key');
    notFound(
      await b.call('DELETE', `/admin/api/keys/${a.keyId}/bindings/widget/${a.widgetId}`),
      'unbind A’s widget on A’s key',
    );
    notFound(
      await b.call('DELETE', `/admin/api/keys/${own.keyId}/bindings/dataset/${a.datasetId}`),
      'unbind A’s dataset on B’s key',
    );
  },
  'GET /admin/api/keys/{id}/openapi.json': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/keys/${a.keyId}/openapi.json`), 'key document'),

  'GET /admin/api/users': async ({ b, a, betaEmail }) => {
    const res = await b.call('GET', '/admin/api/users');
    noAlpha(res, a, 'the user list');
    assert.ok(!res.body.includes('@alpha.example'));
    assert.ok(res.body.includes(betaEmail));
  },
  'POST /admin/api/users': async ({ b }) => {
    assert.equal(
      (await b.ok('POST', '/admin/api/users', { email: 'second@beta.example', password: PASSWORD })).email,
      'second@beta.example',
    );
  },
  'PATCH /admin/api/users/{id}': async ({ b, a }) =>
    notFound(await b.call('PATCH', `/admin/api/users/${a.userId}`, { role: 'viewer' }), 'demote A’s user'),
  'DELETE /admin/api/users/{id}': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/users/${a.userId}`), 'remove A’s user'),

  'GET /admin/api/tokens': async ({ b, a }) => {
    const res = await b.call('GET', '/admin/api/tokens');
    noAlpha(res, a, 'the token list');
    assert.ok(res.json().tokens.length > 0, 'B’s own tokens are there');
  },
  'POST /admin/api/tokens': async ({ t, b }) => {
    const created = await b.ok('POST', '/admin/api/tokens', { name: 'Beta second token' });
    const tenant = await t.modules.access.tenants.find('beta');
    assert.deepEqual(
      (await t.modules.access.tokens.list(tenant!.id)).filter((x) => x.id === created.id).map((x) => x.name),
      ['Beta second token'],
    );
  },
  'DELETE /admin/api/tokens/{id}': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/tokens/${a.tokenId}`), 'revoke A’s token'),

  'GET /admin/api/audit': async ({ b, a }) => {
    const res = await b.call('GET', '/admin/api/audit?size=200');
    noAlpha(res, a, 'the audit log');
    assert.ok(!res.body.includes('@alpha.example'));
    assert.ok(res.json().total > 0);
  },

  'POST /admin/api/uploads': async ({ b, a }) => {
    const res = await b.call('POST', '/admin/api/uploads?filename=mine.csv', Buffer.from('x\n1\n'), {
      'content-type': 'application/octet-stream',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.notEqual(res.json().uploadId, a.uploadId);
  },

  'GET /admin/api/datasets': async ({ b, a, own }) => {
    const res = await b.call('GET', '/admin/api/datasets');
    noAlpha(res, a, 'the dataset list');
    assert.ok(res.body.includes(own.datasetId));
    noAlpha(
      await b.call('GET', '/admin/api/datasets?search=Alpha&group=AlphaGroup'),
      a,
      'a dataset search for A’s names',
    );
  },
  'POST /admin/api/datasets': async ({ b, a }) =>
    notFound(
      await b.call('POST', '/admin/api/datasets', { uploadId: a.uploadId, name: 'Taken upload' }),
      'create from A’s upload',
    ),
  'GET /admin/api/datasets/{id}': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/datasets/${a.datasetId}`), 'GET dataset'),
  'PATCH /admin/api/datasets/{id}': async ({ b, a }) =>
    notFound(
      await b.call('PATCH', `/admin/api/datasets/${a.datasetId}`, {
        name: 'Stolen',
        description: 'x',
        integrationGroup: 'x',
      }),
      'PATCH dataset',
    ),
  'DELETE /admin/api/datasets/{id}': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/datasets/${a.datasetId}`), 'DELETE dataset'),
  'POST /admin/api/datasets/{id}/reload': async ({ b, a, own }) => {
    notFound(
      await b.call('POST', `/admin/api/datasets/${a.datasetId}/reload`, { uploadId: own.uploadId }),
      'reload A’s dataset with B’s upload',
    );
    notFound(
      await b.call('POST', `/admin/api/datasets/${own.datasetId}/reload`, { uploadId: a.uploadId }),
      'reload B’s dataset with A’s upload',
    );
  },
  'GET /admin/api/datasets/{id}/impact': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/datasets/${a.datasetId}/impact`), 'impact'),
  'GET /admin/api/datasets/{id}/rows': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/datasets/${a.datasetId}/rows`), 'rows'),
  'POST /admin/api/datasets/connect': async ({ b, a }) => {
    // A source is created in B's own tenant, so nothing of A's is named; a refused one
    // answers with nothing of A's either.
    const res = await b.call('POST', '/admin/api/datasets/connect', { name: 'Beta live', url: 'file:///etc/passwd' });
    assert.equal(res.statusCode, 400, res.body);
    for (const id of [a.keyId, a.datasetId, a.widgetId, ...ALPHA_WORDS]) assert.ok(!res.body.includes(id), res.body);
  },
  'POST /admin/api/datasets/connect/test': async ({ b, a }) => {
    // A test reads only the source it is given, stores nothing and names nothing of A's.
    const res = await b.call('POST', '/admin/api/datasets/connect/test', { url: 'file:///etc/passwd' });
    assert.equal(res.statusCode, 400, res.body);
    for (const id of [a.keyId, a.datasetId, a.widgetId, ...ALPHA_WORDS]) assert.ok(!res.body.includes(id), res.body);
  },
  'POST /admin/api/datasets/{id}/sync': async ({ b, a }) =>
    notFound(await b.call('POST', `/admin/api/datasets/${a.datasetId}/sync`), 'sync'),
  'GET /admin/api/datasets/{id}/source': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/datasets/${a.datasetId}/source`), 'source'),
  'PATCH /admin/api/datasets/{id}/source': async ({ b, a }) =>
    notFound(
      await b.call('PATCH', `/admin/api/datasets/${a.datasetId}/source`, { schedule: '0 * * * *' }),
      'edit source',
    ),
  'POST /admin/api/datasets/{id}/source/test': async ({ b, a }) =>
    notFound(
      await b.call('POST', `/admin/api/datasets/${a.datasetId}/source/test`, { url: 'https://example.com/a.csv' }),
      'test source',
    ),
  'GET /admin/api/datasets/{id}/history': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/datasets/${a.datasetId}/history`), 'history'),

  'GET /admin/api/widgets': async ({ b, a }) => {
    const res = await b.call('GET', '/admin/api/widgets');
    noAlpha(res, a, 'the widget list');
    assert.ok(res.body.includes('Beta count'));
  },
  'POST /admin/api/widgets': async ({ b, a }) =>
    notFound(await b.call('POST', '/admin/api/widgets', widgetSpec(a.datasetId)), 'a widget over A’s dataset'),
  'GET /admin/api/widgets/{id}': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/widgets/${a.widgetId}`), 'GET widget'),
  'PUT /admin/api/widgets/{id}': async ({ b, a, own }) => {
    notFound(
      await b.call('PUT', `/admin/api/widgets/${a.widgetId}`, widgetSpec(own.datasetId, 'Stolen')),
      'PUT A’s widget',
    );
  },
  'DELETE /admin/api/widgets/{id}': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/widgets/${a.widgetId}`), 'DELETE widget'),
  'POST /admin/api/widgets/preview': async ({ b, a }) => {
    const res = await b.call('POST', '/admin/api/widgets/preview', widgetSpec(a.datasetId));
    notFound(res, 'preview over A’s dataset');
    assert.ok(!res.body.includes('Alpha'));
  },
  'GET /admin/api/widgets/{id}/rows': async ({ b, a }) =>
    notFound(await b.call('GET', `/admin/api/widgets/${a.widgetId}/rows`), 'widget rows'),

  // Stars: A's admin starred A's dataset and widget; B can neither star nor unstar them,
  // and B's lists filtered by stars show only B's.
  'PUT /admin/api/datasets/{id}/star': async ({ b, a }) => {
    notFound(await b.call('PUT', `/admin/api/datasets/${a.datasetId}/star`), 'star A’s dataset');
    noAlpha(await b.call('GET', '/admin/api/datasets?starred=true'), a, 'B’s starred datasets');
  },
  'DELETE /admin/api/datasets/{id}/star': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/datasets/${a.datasetId}/star`), 'unstar A’s dataset'),
  'PUT /admin/api/widgets/{id}/star': async ({ b, a }) => {
    notFound(await b.call('PUT', `/admin/api/widgets/${a.widgetId}/star`), 'star A’s widget');
    noAlpha(await b.call('GET', '/admin/api/widgets?starred=true&mine=true'), a, 'B’s starred widgets');
  },
  'DELETE /admin/api/widgets/{id}/star': async ({ b, a }) =>
    notFound(await b.call('DELETE', `/admin/api/widgets/${a.widgetId}/star`), 'unstar A’s widget'),

  'GET /admin/api/usage': async ({ b, a, own }) => {
    const res = await b.call('GET', '/admin/api/usage?hours=24');
    noAlpha(res, a, 'usage');
    assert.ok(res.body.includes(own.keyId), 'B’s own usage is there');
  },
  'GET /admin/api/usage.csv': async ({ b, a }) => {
    const res = await b.call('GET', '/admin/api/usage.csv?hours=720');
    noAlpha(res, a, 'usage CSV');
    assert.match(res.body, /^hour,key_id,key_name,removed,status,requests\r\n/);
  },
};

for (const via of ['session', 'token'] as const)
  describe(`tenant isolation: every admin route, with another tenant’s ids, as B's ${via}`, () => {
    let t: TestServer;
    let alpha: AdminClient;
    let beta: AdminClient;
    /** Who walks the routes: B's signed-in admin, or an admin token of B's. */
    let b: AdminClient;
    const a = {} as AlphaIds;
    const own = {} as BetaIds;

    /** Everything tenant A's admin can see, plus what A's key reads from the public API. */
    async function alphaState(): Promise<string> {
      const get = (url: string) => alpha.ok('GET', url);
      return JSON.stringify({
        keys: await get('/admin/api/keys'),
        secret: await t.modules.access.keys.reveal(alpha.tenantId, a.keyId),
        openapi: await get(`/admin/api/keys/${a.keyId}/openapi.json`),
        settings: await get('/admin/api/settings'),
        users: await get('/admin/api/users'),
        tokens: await get('/admin/api/tokens'),
        audit: await get('/admin/api/audit?size=200'),
        datasets: await get('/admin/api/datasets'),
        dataset: await get(`/admin/api/datasets/${a.datasetId}`),
        impact: await get(`/admin/api/datasets/${a.datasetId}/impact`),
        rows: await get(`/admin/api/datasets/${a.datasetId}/rows`),
        history: await get(`/admin/api/datasets/${a.datasetId}/history`),
        widgets: await get('/admin/api/widgets'),
        starredDatasets: await get('/admin/api/datasets?starred=true'),
        starredWidgets: await get('/admin/api/widgets?starred=true'),
        widget: await get(`/admin/api/widgets/${a.widgetId}`),
        widgetRows: await get(`/admin/api/widgets/${a.widgetId}/rows`),
        // The report's from/to move with the clock; its counts must not.
        usage: { ...(await get('/admin/api/usage?hours=24')), from: undefined, to: undefined },
      });
    }

    before(async () => {
      t = await startTestServer({ DATAGATE_KEY_FAILURE_LIMIT: '1000' });
      alpha = await signedInAdmin(t, { email: 'admin@alpha.example' });
      beta = await signedInAdmin(t, { tenantSlug: 'beta', email: 'admin@beta.example' });

      // Tenant A, built through the admin API as the console would.
      const up = await upload(alpha, 'alpha.csv', 'id,summary\n1,Alpha printer\n2,Alpha VPN\n');
      a.datasetId = (
        await alpha.ok('POST', '/admin/api/datasets', {
          uploadId: up,
          name: 'Alpha tickets',
          integrationGroup: 'AlphaGroup',
        })
      ).id;
      a.widgetId = (await alpha.ok('POST', '/admin/api/widgets', widgetSpec(a.datasetId, 'Alpha count'))).id;
      const k = await alpha.ok('POST', '/admin/api/keys', { name: 'Alpha key' });
      [a.keyId, a.secret] = [k.id, k.key];
      await alpha.ok(
        'POST',
        `/admin/api/keys/${a.keyId}/bindings`,
        { datasets: [a.datasetId], widgets: [a.widgetId] },
        200,
      );
      await alpha.ok('PUT', `/admin/api/datasets/${a.datasetId}/star`, undefined, 204);
      await alpha.ok('PUT', `/admin/api/widgets/${a.widgetId}/star`, undefined, 204);
      a.userId = (await alpha.ok('POST', '/admin/api/users', { email: 'second@alpha.example', password: PASSWORD })).id;
      a.uploadId = await upload(alpha, 'alpha-next.csv', 'id,summary\n3,Alpha later\n');
      const at = await alpha.ok('POST', '/admin/api/tokens', { name: 'Alpha nightly' });
      [a.tokenId, a.token] = [at.id, at.token];

      // Tenant B's own things, so that its lists have something to show.
      own.datasetId = (
        await beta.ok('POST', '/admin/api/datasets', {
          uploadId: await upload(beta, 'beta.csv', 'id\n1\n'),
          name: 'Beta tickets',
        })
      ).id;
      await beta.ok('POST', '/admin/api/widgets', widgetSpec(own.datasetId));
      const bk = await beta.ok('POST', '/admin/api/keys', { name: 'Beta key' });
      own.keyId = bk.id;
      await beta.ok('POST', `/admin/api/keys/${own.keyId}/bindings`, { datasets: [own.datasetId] }, 200);
      own.uploadId = await upload(beta, 'beta-next.csv', 'id\n2\n');

      // Usage for both keys, written now rather than at the next minute.
      for (const [secret, ds] of [
        [a.secret, a.datasetId],
        [bk.key, own.datasetId],
      ]) {
        const res = await t.server.app.inject({
          method: 'GET',
          url: `/api/dataset/${ds}`,
          headers: { apikey: secret },
        });
        assert.equal(res.statusCode, 200);
      }
      await t.server.flushNow();
      await alpha.ok('PUT', '/admin/api/settings/public-api', { enabled: false });
      b = via === 'session' ? beta : await tokenAdmin(t, { tenantSlug: 'beta', name: 'Beta script' });
      if (via === 'session') await beta.ok('POST', '/admin/api/tokens', { name: 'Beta script' });
    });
    after(() => t.close());

    it('has a case for every route in /admin/api/openapi.json, and none for a route that is not there', async () => {
      const routes = (await adminRoutes(t.server.app)).map(routeName);
      const missing = routes.filter((r) => !(r in CASES));
      assert.deepEqual(missing, [], 'routes without an isolation case: add them to CASES');
      const stale = Object.keys(CASES).filter((r) => !routes.includes(r));
      assert.deepEqual(stale, [], 'cases for routes that the OpenAPI document does not list');
    });

    it('answers tenant B with 404 NOT_FOUND or its own data only, and leaves tenant A as it was', async () => {
      const beforeState = await alphaState();
      const failures: string[] = [];
      for (const r of (await adminRoutes(t.server.app)).map(routeName)) {
        const run = CASES[r];
        if (!run) continue;
        try {
          // B's token is an admin, never an owner: the owners' routes refuse it before anything else.
          if (via === 'token' && LEAST_ROLE[r] === 'owner') {
            const [method, path] = r.split(' ');
            const res = await b.call(method, fillPath(path, { id: a.tokenId }), method === 'GET' ? undefined : {});
            assert.equal(res.statusCode, 403, res.body);
            assert.equal(res.json().error.code, 'ROLE_REQUIRED');
            continue;
          }
          await run({ t, b, betaEmail: beta.email, a, own });
        } catch (e) {
          failures.push(`${r}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
      assert.deepEqual(failures, []);
      assert.equal(await alphaState(), beforeState, 'tenant A changed');

      // A's pending upload is still A's to use, and A's key still reads A's rows.
      const ds = await alpha.ok('POST', '/admin/api/datasets', { uploadId: a.uploadId, name: 'Alpha later' });
      assert.equal(ds.rowCount, 1);
      await alpha.ok('PUT', '/admin/api/settings/public-api', { enabled: true });
      const rows = await t.server.app.inject({
        method: 'GET',
        url: `/api/dataset/${a.datasetId}`,
        headers: { apikey: a.secret },
      });
      assert.deepEqual(
        rows.json().data.records.map((x: { summary: string }) => x.summary),
        ['Alpha printer', 'Alpha VPN'],
      );
      // And A's admin token still acts for A.
      const viaToken = await t.server.app.inject({
        method: 'GET',
        url: `/admin/api/datasets/${a.datasetId}`,
        headers: { authorization: `Bearer ${a.token}` },
      });
      assert.equal(viaToken.json().name, 'Alpha tickets');
    });
  });
