import { z } from 'zod';
import { MAX_TOKEN_NAME, TOKEN_ROLES, type AdminToken } from '../../access/index.ts';
import { parseWhen } from '../../shared/durations.ts';
import { DomainError } from '../../shared/errors.ts';
import { adminOf, audit, type AdminApp, type AdminDeps } from './admin-context.ts';

export const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string().describe('What the token may do, as an admin of that role'),
  hint: z.string().describe('dgt_… and the last four characters'),
  createdAt: z.string(),
  createdBy: z.string().describe('Who created it, as the audit log names them'),
  expiresAt: z.string().nullable().describe('When the token stops working (401); null: never'),
  lastUsedAt: z.string().nullable().describe('Written at most once a minute'),
});

const tokenBody = (t: AdminToken): z.infer<typeof tokenSchema> => ({
  id: t.id,
  name: t.name,
  role: t.role,
  hint: t.hint,
  createdAt: t.createdAt,
  createdBy: t.createdBy,
  expiresAt: t.expiresAt,
  lastUsedAt: t.lastUsedAt,
});

/** Who a token is in the audit log: its name and id, never its secret. */
const tokenTarget = (t: { id: string; name: string }) => `${t.name} (${t.id})`;

/** Admin tokens: `Authorization: Bearer dgt_…` for scripts, listed without their secrets. */
export function registerTokenRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { tokens } = deps.access;

  admin.get(
    '/tokens',
    {
      config: { role: 'owner' },
      schema: {
        tags: ['tokens'],
        summary: 'The tenant’s admin tokens, newest first; never their secrets',
        response: { 200: z.object({ tokens: z.array(tokenSchema) }) },
      },
    },
    async (req) => ({ tokens: (await tokens.list(adminOf(req).tenantId)).map(tokenBody) }),
  );

  admin.post(
    '/tokens',
    {
      config: { role: 'owner' },
      schema: {
        tags: ['tokens'],
        summary: 'Creates an admin token; its secret is in this answer only',
        body: z.object({
          name: z.string().trim().min(1).max(MAX_TOKEN_NAME),
          role: z
            .enum(TOKEN_ROLES)
            .optional()
            .describe('What the token may do: admin (the default) or viewer; never owner'),
          expiresAt: z
            .string()
            .max(64)
            .nullable()
            .optional()
            .describe('An ISO 8601 date/time in the future, or a duration from now such as 90d or 12h; null: never'),
        }),
        response: {
          201: tokenSchema.extend({
            token: z.string().describe('The secret, dgt_ and 64 hex digits: shown once, stored only as a hash'),
          }),
        },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      let expiresAt: string | null = null;
      if (req.body.expiresAt !== undefined && req.body.expiresAt !== null) {
        const when = parseWhen(req.body.expiresAt, deps.clock.now());
        if (!when.ok) throw new DomainError('INVALID_INPUT', `expiresAt: ${when.message}`);
        expiresAt = when.value;
      }
      const created = await tokens.create(a.tenantId, {
        name: req.body.name,
        expiresAt,
        createdBy: a.email,
        role: req.body.role ?? 'admin',
      });
      await audit(
        deps,
        req,
        'token.create',
        tokenTarget(created),
        `role ${created.role}; ${created.expiresAt ? `expires ${created.expiresAt}` : 'never expires'}`,
      );
      return reply.code(201).send({ ...tokenBody(created), token: created.token });
    },
  );

  admin.delete(
    '/tokens/:id',
    {
      config: { role: 'owner' },
      schema: {
        tags: ['tokens'],
        summary: 'Revokes an admin token: the next request with it is refused (401)',
        // Ids are 19 digits; 64 bounds junk early.
        params: z.object({ id: z.string().min(1).max(64) }),
        response: { 204: z.void().describe('Revoked') },
      },
    },
    async (req, reply) => {
      const revoked = await tokens.revoke(adminOf(req).tenantId, req.params.id);
      await audit(deps, req, 'token.revoke', tokenTarget(revoked));
      return reply.code(204).send();
    },
  );
}
