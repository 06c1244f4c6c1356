import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../src/access/index.ts';
import type { TestServer } from './test-server.ts';

export interface AdminClient {
  readonly email: string;
  readonly tenantId: string;
  readonly cookie: string;
  readonly csrf: string;
  /** Calls the admin API as this admin (cookie, and the CSRF token on state-changing methods). */
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Like `call`, and fails unless the status is `expected`; returns the parsed body (undefined for 204). */
  ok<T = any>(method: string, url: string, body?: unknown, expected?: number): Promise<T>;
}

let counter = 0;

/** Creates an admin in `tenantSlug` (the server's tenant by default), signs in, and returns a client. */
export async function signedInAdmin(
  t: TestServer,
  opts: { tenantSlug?: string; email?: string; password?: string; role?: Role } = {},
): Promise<AdminClient> {
  const tenant = await t.modules.access.tenants.ensure(opts.tenantSlug ?? t.config.tenant);
  const email = opts.email ?? `admin${++counter}-${process.pid}@${tenant.slug}.example`;
  const password = opts.password ?? 'correct horse battery';
  // Owner unless asked: every admin could do everything before roles, and most tests need that.
  await t.modules.access.users.create(tenant.id, { email, password, role: opts.role ?? 'owner' });
  return signIn(t.server.app, email, password, tenant.id);
}

/** Signs in through the API with an existing user's email and password. */
export async function signIn(
  app: FastifyInstance,
  email: string,
  password: string,
  tenantId = '',
): Promise<AdminClient> {
  const res = await app.inject({ method: 'POST', url: '/admin/api/session', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${email} failed: ${res.statusCode} ${res.body}`);
  const cookie = String(res.headers['set-cookie']).split(';')[0];
  const session = res.json();
  const call: AdminClient['call'] = (method, url, body, headers = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { cookie, ...(method === 'GET' ? {} : { 'x-csrf-token': session.csrfToken }), ...headers },
      ...(body === undefined
        ? {}
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? { payload: body }
          : { payload: body as object }),
    });
  return {
    email,
    tenantId: tenantId || session.tenant.id,
    cookie,
    csrf: session.csrfToken,
    call,
    async ok<T = any>(method: string, url: string, body?: unknown, expected?: number): Promise<T> {
      const r = await call(method, url, body);
      const want = expected ?? (method === 'POST' && !url.includes('/session') ? 201 : method === 'DELETE' ? 204 : 200);
      if (r.statusCode !== want) throw new Error(`${method} ${url}: expected ${want}, got ${r.statusCode} ${r.body}`);
      return (r.statusCode === 204 ? undefined : r.json()) as T;
    },
  };
}

/**
 * A client that calls the admin API with an admin token of the tenant (created here,
 * named `name`): `Authorization: Bearer dgt_…`, no cookie, no CSRF token. Its `email`
 * is the token's name, as the API reports the actor.
 */
export async function tokenAdmin(
  t: TestServer,
  opts: { tenantSlug?: string; name?: string; role?: 'admin' | 'viewer' } = {},
): Promise<AdminClient & { readonly token: string; readonly tokenId: string }> {
  const tenant = await t.modules.access.tenants.ensure(opts.tenantSlug ?? t.config.tenant);
  const name = opts.name ?? `script${++counter}`;
  const created = await t.modules.access.tokens.create(tenant.id, {
    name,
    expiresAt: null,
    createdBy: 'test',
    role: opts.role ?? 'admin',
  });
  const app = t.server.app;
  const call: AdminClient['call'] = (method, url, body, headers = {}) =>
    app.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${created.token}`, ...headers },
      ...(body === undefined
        ? {}
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? { payload: body }
          : { payload: body as object }),
    });
  return {
    email: name,
    tenantId: tenant.id,
    cookie: '',
    csrf: '',
    token: created.token,
    tokenId: created.id,
    call,
    async ok<T = any>(method: string, url: string, body?: unknown, expected?: number): Promise<T> {
      const r = await call(method, url, body);
      const want = expected ?? (method === 'POST' && !url.includes('/session') ? 201 : method === 'DELETE' ? 204 : 200);
      if (r.statusCode !== want) throw new Error(`${method} ${url}: expected ${want}, got ${r.statusCode} ${r.body}`);
      return (r.statusCode === 204 ? undefined : r.json()) as T;
    },
  };
}
