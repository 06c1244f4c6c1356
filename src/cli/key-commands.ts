import { Option, type Command } from 'commander';
import { DEFAULT_RATE_LIMIT, type ResourceType } from '../access/index.ts';
import { addListCommand, addOneArgumentCommand, auditCli, withContext } from './context.ts';
import { UsageError } from './output.ts';
import { DomainError } from '../shared/errors.ts';

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${name} must be a whole number >= 1, got "${v}"`);
    return Number(v);
  };
}

function resourceOf(opts: { dataset?: string; widget?: string }): { type: ResourceType; id: string } {
  if (opts.dataset && opts.widget) throw new UsageError('give either --dataset or --widget, not both');
  if (opts.dataset) return { type: 'dataset', id: opts.dataset };
  if (opts.widget) return { type: 'widget', id: opts.widget };
  throw new UsageError('give --dataset RID or --widget RID');
}

/** Who a key is in the audit log, as the admin API writes it: name and id. */
const keyTarget = (k: { id: string; name: string }) => `${k.name} (${k.id})`;

/** `key create|list|show|remove|bind|unbind` and `public-api enable|disable`; changes go to the audit log. */
export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('create, list, show, remove and bind API keys');

  key
    .command('create')
    .description('create an API key (type Custom) and print its secret')
    .requiredOption('--name <name>', 'a name for the key')
    .option('--description <text>', 'what the key is for', '')
    .option('--rate-limit <n>', `requests per minute (default ${DEFAULT_RATE_LIMIT})`, positiveInt('--rate-limit'))
    .action(async (opts: { name: string; description: string; rateLimit?: number }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { modules, tenant, out } = ctx;
        const k = await modules.access.keys.create(tenant.id, {
          name: opts.name,
          description: opts.description,
          rateLimit: opts.rateLimit,
        });
        await auditCli(ctx, 'key.create', keyTarget(k), `rate limit ${k.rateLimit}/min`);
        out.result(k, `created key ${k.id} "${k.name}" (${k.rateLimit}/min)\n${k.key}`);
      }),
    );

  addListCommand(key, {
    description: 'list the keys (no secrets)',
    field: 'keys',
    empty: 'no keys',
    load: ({ modules, tenant }) => modules.access.keys.list(tenant.id),
    line: (k) =>
      `${k.id}  ${k.name}  ${k.hint}  ${k.rateLimit}/min  datasets:${k.bindings.datasets.length} ` +
      `widgets:${k.bindings.widgets.length}  last used: ${k.lastUsedAt ?? 'never'}`,
  });

  addOneArgumentCommand(
    key,
    { name: 'show', description: "print a key's secret", argument: ['<id>', 'key id'] },
    async (id, ctx) => {
      const { modules, tenant, out } = ctx;
      const named = await modules.access.keys.get(tenant.id, id);
      const k = await modules.access.keys.reveal(tenant.id, id);
      await auditCli(ctx, 'key.reveal', keyTarget(named));
      out.result(k, k.key);
    },
  );

  addOneArgumentCommand(
    key,
    {
      name: 'remove',
      description: 'remove a key: every client using it is refused within a second',
      argument: ['<id>', 'key id'],
    },
    async (id, ctx) => {
      const { modules, tenant, out } = ctx;
      const named = await modules.access.keys.get(tenant.id, id);
      await modules.access.keys.remove(tenant.id, id);
      await auditCli(ctx, 'key.delete', keyTarget(named));
      out.result({ removed: id }, `removed key ${id}`);
    },
  );

  for (const verb of ['bind', 'unbind'] as const) {
    const cmd = key
      .command(verb)
      .description(
        verb === 'bind' ? 'let the key read a dataset or widget' : 'stop the key reading a dataset or widget',
      )
      .argument('<id>', 'key id')
      .addOption(new Option('--dataset <rid>', 'dataset id'))
      .addOption(new Option('--widget <rid>', 'widget id'));
    if (verb === 'bind')
      cmd.addOption(
        new Option(
          '--where <filter>',
          "only the rows matching this filter (the filter language, e.g. 'company[eq]=Acme'); '' = every row",
        ),
      );
    cmd.action(async (id: string, opts: { dataset?: string; widget?: string; where?: string }, cmd: Command) => {
      const r = resourceOf(opts);
      await withContext(cmd, async (ctx) => {
        const { modules, tenant, out } = ctx;
        try {
          if (verb === 'bind') await modules.access.keys.bind(tenant.id, id, r.type, r.id, opts.where ?? '');
          else await modules.access.keys.unbind(tenant.id, id, r.type, r.id);
        } catch (e) {
          // A scope that does not parse is a usage error, with the parser's own message.
          if (e instanceof DomainError && e.code === 'INVALID_INPUT') throw new UsageError(e.message);
          throw e;
        }
        await auditCli(
          ctx,
          `key.${verb}`,
          keyTarget(await modules.access.keys.get(tenant.id, id)),
          `${r.type} ${r.id}${opts.where ? ` where ${opts.where}` : ''}`,
        );
        const result =
          opts.where === undefined
            ? { key: id, [r.type]: r.id }
            : { key: id, [r.type]: r.id, where: opts.where.trim() };
        out.result(
          verb === 'bind' ? { bound: result } : { unbound: result },
          `${verb === 'bind' ? 'bound' : 'unbound'} ${r.type} ${r.id} ${verb === 'bind' ? 'to' : 'from'} key ${id}`,
        );
      });
    });
  }

  const api = program.command('public-api').description("the tenant's Enable Public API switch");
  for (const verb of ['enable', 'disable'] as const) {
    api
      .command(verb)
      .description(verb === 'enable' ? 'let keys read again' : 'refuse every key of the tenant')
      .action(async (_opts: unknown, cmd: Command) =>
        withContext(cmd, async (ctx) => {
          const { modules, tenant, out } = ctx;
          const enabled = verb === 'enable';
          await modules.access.tenants.setPublicApi(tenant.id, enabled);
          await auditCli(ctx, enabled ? 'publicApi.enable' : 'publicApi.disable', 'Public API');
          out.result({ enabled }, `Public API ${enabled ? 'enabled' : 'disabled'} for tenant ${tenant.slug}`);
        }),
      );
  }
}
