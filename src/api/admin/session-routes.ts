import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROLES, SESSION_MAX_MS, type Session } from '../../access/index.ts';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../../http/admin-session.ts';
import { AdminError, audit, type AdminApp, type AdminDeps } from './admin-context.ts';

const credentials = z.object({
  email: z.string().min(1).max(320).describe('The admin’s email'),
  password: z.string().min(1).max(1024),
});

export const sessionSchema = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES).describe('What the admin may do: viewer, admin or owner'),
  }),
  tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  csrfToken: z.string().describe('Send it as the x-csrf-token header on every POST, PUT, PATCH and DELETE'),
  expiresAt: z.string(),
});

function sessionBody(s: Session) {
  return {
    user: { id: s.userId, email: s.email, role: s.role },
    tenant: { id: s.tenantId, slug: s.tenantSlug, name: s.tenantName },
    csrfToken: s.csrfToken,
    expiresAt: s.expiresAt,
  };
}

function signInLimited(reply: FastifyReply, wait: number): never {
  reply.header('retry-after', wait);
  throw new AdminError('SIGNIN_LIMITED', `Too many failed sign-ins; try again in ${wait} s`);
}

/** Sign-in, sign-out, the current session and the first-run setup. */
export function registerSessionRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { users, sessions, tenants } = deps.access;

  async function startSession(req: FastifyRequest, reply: FastifyReply, user: { id: string; tenantId: string }) {
    const { token } = await sessions.create(user);
    setSessionCookie(req, reply, token, SESSION_MAX_MS / 1000);
    const s = await sessions.find(token);
    if (!s) throw new Error('a new session could not be read back');
    req.admin = s;
    return sessionBody(s);
  }

  admin.get(
    '/setup',
    {
      config: { anonymous: true },
      schema: {
        tags: ['session'],
        security: [],
        summary: 'Whether the first admin still has to be created, and whether this address needs the setup code',
        response: { 200: z.object({ required: z.boolean(), codeRequired: z.boolean() }) },
      },
    },
    async (req) => {
      const tenant = await tenants.ensure(deps.tenant);
      const required = (await users.count(tenant.id)) === 0;
      return { required, codeRequired: required && !isLoopback(req.ip) };
    },
  );

  admin.post(
    '/setup',
    {
      config: { anonymous: true },
      schema: {
        tags: ['session'],
        security: [],
        summary:
          'Creates the first admin and signs them in; only while the tenant has no users. From an address other ' +
          "than the loopback one, `code` must be the setup code the server's log shows.",
        body: credentials.extend({
          code: z.string().max(64).optional().describe("The setup code from the server's log"),
        }),
        response: { 201: sessionSchema },
      },
    },
    async (req, reply) => {
      const tenant = await tenants.ensure(deps.tenant);
      if ((await users.count(tenant.id)) > 0)
        throw new AdminError('SETUP_DONE', 'This account has an admin already; sign in instead');
      // Whoever reaches a fresh server could claim it: from anywhere but this machine,
      // only with the code its log shows. Wrong codes count as failed sign-ins.
      if (!isLoopback(req.ip)) {
        const wait = await deps.signIn.perAddress.check(req.ip);
        if (wait > 0) signInLimited(reply, wait);
        if (!deps.access.setup.matches(deps.tenant, req.body.code ?? '')) {
          const blocked = await deps.signIn.perAddress.recordFailure(req.ip);
          if (blocked > 0) signInLimited(reply, blocked);
          throw new AdminError(
            'SETUP_CODE_INVALID',
            req.body.code
              ? 'That is not the setup code; copy it from the server\'s log (the line "first admin: setup code …")'
              : 'Enter the setup code from the server\'s log (the line "first admin: setup code …"); it is not ' +
                  'needed from the server itself (localhost)',
          );
        }
      }
      const { code: _code, ...credentialsOnly } = req.body;
      const user = await users.create(tenant.id, { ...credentialsOnly, role: 'owner' });
      const body = await startSession(req, reply, user);
      await audit(deps, req, 'setup', user.email, 'first admin created, as owner');
      return reply.code(201).send(body);
    },
  );

  admin.get(
    '/session',
    {
      config: { anonymous: true },
      schema: {
        tags: ['session'],
        security: [],
        summary: 'The signed-in admin, their tenant and the CSRF token',
        response: { 200: sessionSchema },
      },
    },
    async (req) => {
      if (!req.admin)
        throw new AdminError('UNAUTHENTICATED', 'You are not signed in, or your session has expired; sign in again');
      return sessionBody(req.admin);
    },
  );

  admin.post(
    '/session',
    {
      config: { anonymous: true },
      schema: {
        tags: ['session'],
        security: [],
        summary: 'Signs in with email and password; sets the session cookie',
        body: credentials,
        response: { 200: sessionSchema },
      },
    },
    async (req, reply) => {
      const email = req.body.email.trim().toLowerCase();
      // Asks the shared store (Redis, when configured) every time: a block made on another
      // node, or before a restart, must hold here too, and sign-ins are rare.
      const wait = Math.max(
        ...(await Promise.all([deps.signIn.perAddress.check(req.ip), deps.signIn.perEmail.check(email)])),
      );
      if (wait > 0) signInLimited(reply, wait);
      const user = await users.verify(email, req.body.password);
      if (!user) {
        const blocked = Math.max(
          ...(await Promise.all([
            deps.signIn.perAddress.recordFailure(req.ip),
            deps.signIn.perEmail.recordFailure(email),
          ])),
        );
        req.log.info({ ip: req.ip }, 'failed sign-in');
        // Blocked by another node's failures since the check above.
        if (blocked > 0) signInLimited(reply, blocked);
        throw new AdminError('INVALID_CREDENTIALS', 'The email or the password is wrong');
      }
      const body = await startSession(req, reply, user);
      await audit(deps, req, 'user.signin', user.email);
      return body;
    },
  );

  admin.delete(
    '/session',
    {
      config: { role: 'viewer' },
      schema: { tags: ['session'], summary: 'Signs out', response: { 204: z.void().describe('Signed out') } },
    },
    async (req, reply) => {
      if (req.admin!.via === 'token')
        throw new AdminError('CONFLICT', 'An admin token has no session to end; revoke the token instead');
      await audit(deps, req, 'user.signout', req.admin!.email);
      await sessions.destroy(req.cookies[SESSION_COOKIE]!);
      clearSessionCookie(req, reply);
      return reply.code(204).send();
    },
  );
}

/** The loopback address, v4, v6 or v4-mapped: a request from the server's own machine. */
function isLoopback(ip: string): boolean {
  return ip === '::1' || /^(::ffff:)?127\./.test(ip);
}
