import { z } from 'zod';
import { AdminError, adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';

const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
});

const userBody = (u: z.infer<typeof userSchema>) => ({
  id: u.id,
  email: u.email,
  createdAt: u.createdAt,
  lastSignInAt: u.lastSignInAt,
});

/** The tenant's console admins. */
export function registerUserRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { users } = deps.access;

  admin.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'The tenant’s admins',
        response: { 200: z.object({ users: z.array(userSchema) }) },
      },
    },
    async (req) => ({ users: (await users.list(adminOf(req).tenantId)).map(userBody) }),
  );

  admin.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Adds an admin to the tenant',
        // The user service checks both in full (RFC 5321's 320 characters; 1024 bounds the hashing work).
        body: z.object({
          email: z.string().min(1).max(320),
          password: z.string().min(1).max(1024).describe('At least 8 characters'),
        }),
        response: { 201: userSchema },
      },
    },
    async (req, reply) => {
      const user = await users.create(adminOf(req).tenantId, req.body);
      await audit(deps, req, 'user.create', user.email);
      return reply.code(201).send(userBody(user));
    },
  );

  admin.delete(
    '/users/:id',
    {
      schema: {
        tags: ['users'],
        summary: 'Removes an admin and ends their sessions; not yourself',
        // Ids are 19 digits; 64 bounds junk early.
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 204: z.void() },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const user = await users.get(a.tenantId, req.params.id);
      if (user.id === a.userId)
        throw new AdminError('CONFLICT', 'You can’t remove yourself; ask another admin to do it');
      await users.remove(a.tenantId, user.id);
      await audit(deps, req, 'user.delete', user.email);
      return reply.code(204).send();
    },
  );
}
