import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface AdminRoute {
  /** Upper case: GET, POST, PUT, PATCH, DELETE. */
  readonly method: string;
  /** As the OpenAPI document writes it: `/admin/api/keys/{id}`. */
  readonly path: string;
}

/** `METHOD /path`, the name of a route in test tables. */
export const routeName = (r: AdminRoute) => `${r.method} ${r.path}`;

/** The routes the admin API's own OpenAPI document lists: every route, including those added later. */
export async function adminRoutes(app: FastifyInstance): Promise<AdminRoute[]> {
  const res = await app.inject({ method: 'GET', url: '/admin/api/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`/admin/api/openapi.json answered ${res.statusCode}`);
  const doc = res.json() as { paths: Record<string, Record<string, unknown>> };
  const out: AdminRoute[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) out.push({ method: method.toUpperCase(), path });
    }
  }
  return out;
}

/** The routes that answer without a session: setup, sign-in and the current session. */
export const ANONYMOUS = new Set([
  'GET /admin/api/setup',
  'POST /admin/api/setup',
  'GET /admin/api/session',
  'POST /admin/api/session',
]);

/** Fills `{name}` placeholders; unknown names get `fallback`. */
export function fillPath(path: string, values: Record<string, string>, fallback = '1234567890123456789'): string {
  return path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? fallback));
}

/**
 * A request to the route with a body of the right content type (the upload takes raw
 * bytes, everything else JSON), optionally with cookie and CSRF headers.
 */
export function callRoute(
  app: FastifyInstance,
  method: string,
  url: string,
  opts: { cookie?: string; csrf?: string; body?: unknown } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.csrf !== undefined) headers['x-csrf-token'] = opts.csrf;
  let payload: string | Buffer | undefined;
  if (method !== 'GET' && method !== 'DELETE') {
    if (url.startsWith('/admin/api/uploads')) {
      headers['content-type'] = 'application/octet-stream';
      payload = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from('id,name\n1,x\n');
    } else {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(opts.body ?? {});
    }
  }
  return app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
}

/**
 * The least role each route needs (the routes that need no session aside): viewer for
 * reads, admin for changes to keys, bindings, datasets, widgets and settings, owner for
 * users, roles and tokens. A route missing here fails the role matrix test.
 */
export const LEAST_ROLE: Record<string, 'viewer' | 'admin' | 'owner'> = {
  'DELETE /admin/api/session': 'viewer',
  'GET /admin/api/settings': 'viewer',
  'PUT /admin/api/settings/public-api': 'admin',
  'GET /admin/api/keys': 'viewer',
  'POST /admin/api/keys': 'admin',
  'GET /admin/api/keys/{id}': 'viewer',
  'PATCH /admin/api/keys/{id}': 'admin',
  'DELETE /admin/api/keys/{id}': 'admin',
  'GET /admin/api/keys/{id}/secret': 'admin',
  'POST /admin/api/keys/{id}/disable': 'admin',
  'POST /admin/api/keys/{id}/enable': 'admin',
  'POST /admin/api/keys/{id}/rotate': 'admin',
  'POST /admin/api/keys/{id}/bindings': 'admin',
  'PUT /admin/api/keys/{id}/bindings/{type}/{rid}': 'admin',
  'DELETE /admin/api/keys/{id}/bindings/{type}/{rid}': 'admin',
  'GET /admin/api/keys/{id}/openapi.json': 'viewer',
  'GET /admin/api/users': 'viewer',
  'POST /admin/api/users': 'owner',
  'PATCH /admin/api/users/{id}': 'owner',
  'DELETE /admin/api/users/{id}': 'owner',
  'GET /admin/api/tokens': 'owner',
  'POST /admin/api/tokens': 'owner',
  'DELETE /admin/api/tokens/{id}': 'owner',
  'GET /admin/api/audit': 'viewer',
  'POST /admin/api/uploads': 'admin',
  'GET /admin/api/datasets': 'viewer',
  'POST /admin/api/datasets': 'admin',
  'GET /admin/api/datasets/{id}': 'viewer',
  'PATCH /admin/api/datasets/{id}': 'admin',
  'DELETE /admin/api/datasets/{id}': 'admin',
  'POST /admin/api/datasets/{id}/reload': 'admin',
  'GET /admin/api/datasets/{id}/impact': 'viewer',
  'GET /admin/api/datasets/{id}/rows': 'viewer',
  'POST /admin/api/datasets/connect': 'admin',
  'POST /admin/api/datasets/connect/test': 'admin',
  'POST /admin/api/datasets/{id}/sync': 'admin',
  'GET /admin/api/datasets/{id}/source': 'viewer',
  'PATCH /admin/api/datasets/{id}/source': 'admin',
  'POST /admin/api/datasets/{id}/source/test': 'admin',
  'GET /admin/api/datasets/{id}/history': 'viewer',
  'GET /admin/api/widgets': 'viewer',
  'POST /admin/api/widgets': 'admin',
  'GET /admin/api/widgets/{id}': 'viewer',
  'PUT /admin/api/widgets/{id}': 'admin',
  'DELETE /admin/api/widgets/{id}': 'admin',
  'POST /admin/api/widgets/preview': 'viewer',
  'GET /admin/api/widgets/{id}/rows': 'viewer',
  // Stars are each admin's own: every role may star.
  'PUT /admin/api/datasets/{id}/star': 'viewer',
  'DELETE /admin/api/datasets/{id}/star': 'viewer',
  'PUT /admin/api/widgets/{id}/star': 'viewer',
  'DELETE /admin/api/widgets/{id}/star': 'viewer',
  'GET /admin/api/usage': 'viewer',
  'GET /admin/api/usage.csv': 'viewer',
};
