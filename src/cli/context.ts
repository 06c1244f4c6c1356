import type { Command } from 'commander';
import type { Tenant } from '../access/index.ts';
import { loadProcessConfig, type Config } from '../config/config.ts';
import { openModules, type Modules } from '../modules.ts';
import { createOutput, type Output } from './output.ts';
import { settingFlags } from './settings-options.ts';

export interface CommandContext {
  readonly config: Config;
  readonly modules: Modules;
  readonly tenant: Tenant;
  readonly out: Output;
}

/** Who the command line is in the audit log: no admin, no address. */
export const CLI_ACTOR = 'command line';

/** Records a change made from the command line in the tenant's audit log (never a secret). */
export async function auditCli(
  ctx: Pick<CommandContext, 'modules' | 'tenant'>,
  action: string,
  target: string,
  detail = '',
): Promise<void> {
  await ctx.modules.access.audit.record({
    tenantId: ctx.tenant.id,
    actorId: null,
    actor: CLI_ACTOR,
    action,
    target,
    detail,
    ip: '',
  });
}

/** Global options as every command sees them. */
export function globals(cmd: Command): { json?: boolean } {
  return cmd.optsWithGlobals();
}

/** Loads config, opens the store, resolves the tenant, runs `fn`, and closes the store. */
export async function withContext(cmd: Command, fn: (ctx: CommandContext) => Promise<void>): Promise<void> {
  const g = globals(cmd);
  const config = loadProcessConfig(settingFlags(cmd));
  const out = createOutput(Boolean(g.json));
  // One command, one query at a time: worker threads would only add their start-up.
  const modules = await openModules({ ...config, queryWorkers: 0 });
  // On stderr: stdout is the command's answer (JSON with --json).
  for (const { table, bytes } of modules.droppedTables) {
    process.stderr.write(
      `dropped table ${table}${bytes === null ? '' : ` (${bytes} bytes)`}, left behind by an interrupted load\n`,
    );
  }
  try {
    const tenant = await modules.access.tenants.ensure(config.tenant);
    await fn({ config, modules, tenant, out });
  } finally {
    await modules.close();
  }
}

/**
 * `PARENT list`: the tenant's things, as `{ [field]: items }` with --json, else one line
 * each, or `empty` when there are none.
 */
export function addListCommand<T>(
  parent: Command,
  spec: {
    description: string;
    field: string;
    empty: string;
    load: (ctx: CommandContext) => Promise<T[]>;
    line: (item: T) => string;
  },
): void {
  parent
    .command('list')
    .description(spec.description)
    .action(async (_opts: unknown, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const items = await spec.load(ctx);
        ctx.out.result({ [spec.field]: items }, () =>
          items.length === 0 ? spec.empty : items.map(spec.line).join('\n'),
        );
      }),
    );
}

/** `PARENT NAME <ARG>`: a command of one argument and no options, run with the context. */
export function addOneArgumentCommand(
  parent: Command,
  spec: { name: string; description: string; argument: readonly [name: string, description: string] },
  run: (value: string, ctx: CommandContext) => Promise<void>,
): void {
  parent
    .command(spec.name)
    .description(spec.description)
    .argument(...spec.argument)
    .action(async (value: string, _opts: unknown, cmd: Command) => withContext(cmd, (ctx) => run(value, ctx)));
}
