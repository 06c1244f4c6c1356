import type { Command } from 'commander';
import { parseRole, ROLES, type Role } from '../access/index.ts';
import { DomainError } from '../shared/errors.ts';
import { addListCommand, addOneArgumentCommand, auditCli, withContext } from './context.ts';
import { UsageError } from './output.ts';

/** Reads all of a piped stdin; the password is its first line. */
async function readPipedPassword(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text.split(/\r?\n/)[0];
}

/** Asks for a line on the terminal without echoing it. */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Raw mode first: nothing typed after the question appears is echoed.
    stdin.setRawMode(true);
    process.stderr.write(question);
    stdin.setEncoding('utf8');
    stdin.resume();
    let value = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        // Ctrl-C and Ctrl-D give up, as they would at a shell prompt.
        if (ch === '\u0003' || ch === '\u0004') return done(new UsageError('no password given'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** The new user's password: --password, else a piped stdin, else asked twice on the terminal. */
async function passwordFor(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (!process.stdin.isTTY) return readPipedPassword();
  const first = await askHidden('Password (at least 8 characters): ');
  const second = await askHidden('Repeat the password: ');
  if (first !== second) throw new DomainError('INVALID_INPUT', 'the two passwords differ; nothing was changed');
  return first;
}

/** `--role`: one of the roles, else a usage error naming them. */
function roleOption(v: string): Role {
  try {
    return parseRole(v);
  } catch (e) {
    throw new UsageError(`--role: ${(e as Error).message}`);
  }
}

/** `user add|list|role|remove`: the console's admins of the tenant. */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('add, list and remove the admins who sign in to the console');

  user
    .command('add')
    .description('add an admin of the tenant; without --password, reads it from stdin, or asks twice on a terminal')
    .argument('<email>', 'the address the admin signs in with')
    .option('--password <password>', 'at least 8 characters (visible in the shell history: prefer stdin or the prompt)')
    .option(
      '--role <role>',
      `${ROLES.join(', ')}: viewer reads (no secrets), admin also changes keys, bindings, datasets and widgets, ` +
        "owner also manages users and tokens (default: owner for the tenant's first user, else admin)",
      roleOption,
    )
    .action(async (email: string, opts: { password?: string; role?: Role }, cmd: Command) => {
      if (!email.trim()) throw new UsageError('user add needs an EMAIL');
      await withContext(cmd, async (ctx) => {
        const password = await passwordFor(opts.password);
        const u = await ctx.modules.access.users.create(ctx.tenant.id, { email, password, role: opts.role });
        await auditCli(ctx, 'user.create', u.email, `role ${u.role}`);
        ctx.out.result(
          { email: u.email, role: u.role },
          `added ${u.email}: ${u.role === 'admin' ? 'an' : 'a'} ${u.role} of tenant ${ctx.tenant.slug}, ` +
            'who can sign in to the console now',
        );
      });
    });

  addListCommand(user, {
    description: 'list the admins of the tenant',
    field: 'users',
    empty: 'no users: add one with `datagate user add EMAIL`',
    load: async ({ modules, tenant }) =>
      (await modules.access.users.list(tenant.id)).map((u) => ({
        id: u.id,
        email: u.email,
        role: u.role,
        createdAt: u.createdAt,
        lastSignInAt: u.lastSignInAt,
      })),
    line: (u) => `${u.email}  ${u.role}  added ${u.createdAt}  last sign-in: ${u.lastSignInAt ?? 'never'}`,
  });

  user
    .command('role')
    .description("change an admin's role; the tenant's last owner stays owner")
    .argument('<email>', 'the admin’s email')
    .argument('<role>', ROLES.join(', '), roleOption)
    .action(async (email: string, role: Role, _opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const wanted = email.trim().toLowerCase();
        const u = (await ctx.modules.access.users.list(ctx.tenant.id)).find((x) => x.email === wanted);
        if (!u) throw new DomainError('NOT_FOUND', `no user ${email} in tenant ${ctx.tenant.slug}`);
        const { before, after } = await ctx.modules.access.users.setRole(ctx.tenant.id, u.id, role);
        if (before.role !== after.role) await auditCli(ctx, 'user.role', after.email, `${before.role} → ${after.role}`);
        ctx.out.result(
          { email: after.email, role: after.role },
          before.role === after.role
            ? `${after.email} is ${after.role} already`
            : `${after.email}: ${before.role} → ${after.role}`,
        );
      }),
    );

  addOneArgumentCommand(
    user,
    {
      name: 'remove',
      description: 'remove an admin of the tenant and end their sessions',
      argument: ['<email>', 'the admin’s email'],
    },
    async (email, ctx) => {
      const wanted = email.trim().toLowerCase();
      const u = (await ctx.modules.access.users.list(ctx.tenant.id)).find((x) => x.email === wanted);
      if (!u) throw new DomainError('NOT_FOUND', `no user ${email} in tenant ${ctx.tenant.slug}`);
      await ctx.modules.access.users.remove(ctx.tenant.id, u.id);
      await auditCli(ctx, 'user.delete', u.email);
      ctx.out.result({ removed: u.email }, `removed ${u.email}`);
    },
  );
}
