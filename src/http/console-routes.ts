import fs from 'node:fs';
import path from 'node:path';
import helmet from '@fastify/helmet';
import staticFiles from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendAdminError } from './admin-replies.ts';

const NOT_BUILT =
  `<!doctype html><meta charset="utf-8"><title>datagate</title>
<p>The console has not been built. Start datagate with <code>./bin/datagate serve</code>, which builds it, ` +
  `or run <code>npm run build:web</code>.</p>`;

// Vite names assets by content hash, so a browser may keep them for good (a year is
// the longest max-age caches honour); index.html is revalidated every time.
const ASSET_MAX_AGE_MS = 365 * 24 * 3600_000;

/**
 * Serves the console (a single-page app built by Vite) under /admin/: its files, and
 * index.html for every other /admin/ path so that deep links work. `/` sends browsers
 * there; API clients asking for `/` still get the public API's 404.
 */
export async function registerConsoleRoutes(app: FastifyInstance, dir: string | undefined): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(helmet, {
      // What the built console needs and no more: its own scripts (no inline ones), its
      // styles (Element Plus sets style attributes), images and fonts of its own or
      // inline data, requests to its own origin (the admin API, and the public API from
      // "Try it"); never inside another site's frame.
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          fontSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
      // HSTS only over HTTPS (below): sent over plain HTTP it would be ignored at best.
      strictTransportSecurity: false,
    });
    scope.addHook('onSend', (req, reply, payload, done) => {
      if (req.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
      done(null, payload);
    });
    await consoleRoutes(scope, dir);
  });
}

async function consoleRoutes(app: FastifyInstance, dir: string | undefined): Promise<void> {
  const index = dir ? path.join(dir, 'index.html') : undefined;
  const built = index !== undefined && fs.existsSync(index);
  // The build writes .br and .gz beside each asset: sent as they are to browsers that accept them.
  if (built) await app.register(staticFiles, { root: dir!, serve: false, preCompressed: true });
  const page = built ? fs.readFileSync(index!, 'utf8') : NOT_BUILT;
  const sendPage = (reply: FastifyReply) =>
    reply
      .code(built ? 200 : 503)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(page);

  // With ignoreTrailingSlash, this is /admin/ too.
  app.get('/admin', (_req, reply) => sendPage(reply));
  app.get('/admin/*', (req, reply) => {
    // The router has decoded the path once already; decoding again would turn "%25FF"
    // into a malformed "%FF" (and a second decoding is how traversal tricks get through).
    const rel = (req.params as { '*': string })['*'].split('?')[0];
    // /admin/api itself (and /admin/api/, the same path here) is the admin API's, not a console page.
    if (rel === 'api' || rel.startsWith('api/'))
      return sendAdminError(reply, 'NOT_FOUND', `No admin route GET ${req.url.split('?')[0]}`);
    if (built && rel.startsWith('assets/')) {
      // sendFile refuses paths that leave the root.
      return reply.sendFile(rel, { maxAge: ASSET_MAX_AGE_MS, immutable: true });
    }
    if (built && rel && !rel.includes('/') && fs.existsSync(path.join(dir!, rel)) && rel !== 'index.html') {
      return reply.sendFile(rel, { maxAge: 0 });
    }
    return sendPage(reply);
  });
  app.get('/', (req, reply) => {
    if ((req.headers.accept ?? '').includes('text/html')) return reply.redirect('/admin/');
    return reply.callNotFound();
  });
}
