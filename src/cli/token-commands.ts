import type { Command } from 'commander';
import { parseRole, TOKEN_ROLES, type AdminToken } from '../access/index.ts';
import { parseWhen } from '../shared/durations.ts';
import { addListCommand, addOneArgumentCommand, auditCli, CLI_ACTOR, withContext } from './context.ts';
import { UsageError } from './output.ts';

/** `--expires WHEN`: a duration from now or a future ISO 8601 date/time, as an ISO string. */
function expiry(v: string): string {
  const when = parseWhen(v, Date.now());
  if (!when.ok) throw new UsageError(`--expires: ${when.message}`);
  return when.value;
}

/** `--role`: admin or viewer, else a usage error. */
function tokenRole(v: string): 'admin' | 'viewer' {
  try {
    return parseRole(v, TOKEN_ROLES) as 'admin' | 'viewer';
  } catch (e) {
    throw new UsageError(`--role: ${(e as Error).message}`);
  }
}

/** A token as one line: id, name, hint, expiry, last use; never its secret. */
function tokenLine(t: AdminToken): string {
  const expires = t.expiresAt ? `  expires ${t.expiresAt}` : '';
  return `${t.id}  ${t.name}  ${t.hint}  ${t.role}${expires}  last used: ${t.lastUsedAt ?? 'never'}`;
}

/** Who a token is in the audit log, as the admin API writes it: name and id. */
const tokenTarget = (t: { id: string; name: string }) => `${t.name} (${t.id})`;

/** `token create|list|revoke`: admin tokens for scripts (Authorization: Bearer dgt_…). */
export function registerTokenCommands(program: Command): void {
  const token = program
    .command('token')
    .description('create, list and revoke admin tokens: the admin API for scripts, with Authorization: Bearer dgt_…');

  token
    .command('create')
    .description('create an admin token of the tenant and print its secret, once: it is stored only as a hash')
    .requiredOption('--name <name>', 'what the token is for; the audit log names it as the actor')
    .option('--expires <when>', 'a duration such as 90d or 12h, or an ISO 8601 date/time (default: never)', expiry)
    .option('--role <role>', 'admin (the default) or viewer (reads, no secrets); a token is never an owner', tokenRole)
    .action(async (opts: { name: string; expires?: string; role?: 'admin' | 'viewer' }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { modules, tenant, out } = ctx;
        const t = await modules.access.tokens.create(tenant.id, {
          name: opts.name,
          expiresAt: opts.expires ?? null,
          createdBy: CLI_ACTOR,
          role: opts.role ?? 'admin',
        });
        await auditCli(
          ctx,
          'token.create',
          tokenTarget(t),
          `role ${t.role}; ${t.expiresAt ? `expires ${t.expiresAt}` : 'never expires'}`,
        );
        out.result(
          t,
          `created admin token ${t.id} "${t.name}" (${t.role}) for tenant ${tenant.slug}` +
            `${t.expiresAt ? `, expires ${t.expiresAt}` : ''}; it is shown only now:\n${t.token}`,
        );
      }),
    );

  addListCommand(token, {
    description: 'list the admin tokens (never their secrets)',
    field: 'tokens',
    empty: 'no admin tokens: create one with `datagate token create --name NAME`',
    load: ({ modules, tenant }) => modules.access.tokens.list(tenant.id),
    line: tokenLine,
  });

  addOneArgumentCommand(
    token,
    {
      name: 'revoke',
      description: 'revoke an admin token: its next request is refused (401)',
      argument: ['<id>', 'token id, from `token list`'],
    },
    async (id, ctx) => {
      const t = await ctx.modules.access.tokens.revoke(ctx.tenant.id, id);
      await auditCli(ctx, 'token.revoke', tokenTarget(t));
      ctx.out.result({ revoked: t.id }, `revoked admin token ${t.id} "${t.name}"`);
    },
  );
}
