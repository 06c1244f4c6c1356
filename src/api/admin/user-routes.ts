import { z } from 'zod';
import { ROLES, type User } from '../../access/index.ts';
import { AdminError, adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';

const roleSchema = z
  .enum(ROLES)
  .describe('viewer: reads, no secrets; admin: also keys, bindings, datasets, widgets; owner: also users and tokens');

const userSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  lastSignInAt: z.string().nullable(),
});

const userBody = (u: User): z.infer<typeof userSchema> => ({
  id: u.id,
  email: u.email,
  role: u.role,
  createdAt: u.createdAt,
  lastSignInAt: u.lastSignInAt,
});

// Ids are 19 digits; 64 bounds junk early.
const idParams = z.object({ id: z.string().min(1).max(64) });

/** The tenant's console admins and their roles; changes are the owners'. */
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
      config: { role: 'owner' },
      schema: {
        tags: ['users'],
        summary: 'Adds an admin to the tenant (owners only)',
        // The user service checks both in full (RFC 5321's 320 characters; 1024 bounds the hashing work).
        body: z.object({
          email: z.string().min(1).max(320),
          password: z.string().min(1).max(1024).describe('At least 8 characters'),
          role: roleSchema.optional().describe('admin when not given'),
        }),
        response: { 201: userSchema },
      },
    },
    async (req, reply) => {
      const user = await users.create(adminOf(req).tenantId, { ...req.body, role: req.body.role ?? 'admin' });
      await audit(deps, req, 'user.create', user.email, `role ${user.role}`);
      return reply.code(201).send(userBody(user));
    },
  );

  admin.patch(
    '/users/:id',
    {
      config: { role: 'owner' },
      schema: {
        tags: ['users'],
        summary: 'Changes an admin’s role (owners only); the tenant’s last owner stays owner',
        params: idParams,
        body: z.object({ role: roleSchema }),
        response: { 200: userSchema },
      },
    },
    async (req) => {
      const { before, after } = await users.setRole(adminOf(req).tenantId, req.params.id, req.body.role);
      if (before.role !== after.role)
        await audit(deps, req, 'user.role', after.email, `${before.role} → ${after.role}`);
      return userBody(after);
    },
  );

  admin.delete(
    '/users/:id',
    {
      config: { role: 'owner' },
      schema: {
        tags: ['users'],
        summary: 'Removes an admin and ends their sessions (owners only); not yourself, nor the last owner',
        params: idParams,
        response: { 204: z.void() },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const user = await users.get(a.tenantId, req.params.id);
      if (user.id === a.userId)
        throw new AdminError('CONFLICT', 'You can’t remove yourself; ask another owner to do it');
      await users.remove(a.tenantId, user.id);
      await audit(deps, req, 'user.delete', user.email);
      return reply.code(204).send();
    },
  );
}
