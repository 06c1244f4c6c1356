import { Option, type Command } from 'commander';
import {
  DEFAULT_GRACE_MS,
  DEFAULT_RATE_LIMIT,
  keyChanges,
  type KeySummary,
  type ResourceType,
} from '../access/index.ts';
import { parseDuration, parseWhen } from '../shared/durations.ts';
import { parseAllowIps, parseCorsOrigins } from '../shared/network.ts';
import { addListCommand, addOneArgumentCommand, auditCli, withContext } from './context.ts';
import { UsageError } from './output.ts';
import { DomainError } from '../shared/errors.ts';
import { scopeProblem } from '../usecases/index.ts';

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${name} must be a whole number >= 1, got "${v}"`);
    return Number(v);
  };
}

/**
 * `--expires WHEN`: a duration from now or a future ISO 8601 date/time, as an ISO string;
 * `never` (kept as is: commander doesn't keep a parsed null) where `allowNever`.
 */
function expiry(allowNever: boolean) {
  return (v: string): string => {
    if (allowNever && v.trim() === 'never') return 'never';
    const when = parseWhen(v, Date.now());
    if (!when.ok) throw new UsageError(`--expires: ${when.message}${allowNever ? ', or never' : ''}`);
    return when.value;
  };
}

/** `--allow-ip CIDR[,CIDR…]` or `any` (an empty list: every address), each entry checked. */
function allowIps(v: string): string[] {
  if (v.trim().toLowerCase() === 'any') return [];
  const p = parseAllowIps(v.split(','));
  if (!p.ok) throw new UsageError(`--allow-ip: ${p.message}; or any`);
  return p.value;
}

/** `--cors-origin ORIGIN[,ORIGIN…]` or `none` (an empty list: no CORS headers), each entry checked. */
function corsOrigins(v: string): string[] {
  if (v.trim().toLowerCase() === 'none') return [];
  const p = parseCorsOrigins(v.split(','));
  if (!p.ok) throw new UsageError(`--cors-origin: ${p.message}; or none`);
  return p.value;
}

const ALLOW_IP_HELP = 'addresses or CIDRs the key may be used from, comma-separated (IPv4 or IPv6), or any';
const CORS_ORIGIN_HELP = 'browser origins that may read the answers (https://host[:port]), comma-separated, or none';

function grace(v: string): number {
  const d = parseDuration(v);
  if (!d.ok) throw new UsageError(`--grace: ${d.message}`);
  return d.value;
}

/** A key as one line: id, name, state, limit, bindings, expiry, last use. */
function keyLine(k: KeySummary): string {
  const state = k.disabled ? '  DISABLED' : '';
  const expires = k.expiresAt ? `  expires ${k.expiresAt}` : '';
  const previous = k.previousValidUntil ? `  previous secret until ${k.previousValidUntil}` : '';
  const ips = k.allowIps.length ? `  from ${k.allowIps.join(',')}` : '';
  const origins = k.corsOrigins.length ? `  CORS ${k.corsOrigins.join(',')}` : '';
  return (
    `${k.id}  ${k.name}  ${k.hint}${state}  ${k.rateLimit}/min  datasets:${k.bindings.datasets.length} ` +
    `widgets:${k.bindings.widgets.length}${expires}${previous}${ips}${origins}  last used: ${k.lastUsedAt ?? 'never'}`
  );
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
    .option('--expires <when>', 'a duration such as 90d or 12h, or an ISO 8601 date/time', expiry(false))
    .option('--allow-ip <cidrs>', ALLOW_IP_HELP, allowIps)
    .option('--cors-origin <origins>', CORS_ORIGIN_HELP, corsOrigins)
    .action(
      async (
        opts: {
          name: string;
          description: string;
          rateLimit?: number;
          expires?: string;
          allowIp?: string[];
          corsOrigin?: string[];
        },
        cmd: Command,
      ) =>
        withContext(cmd, async (ctx) => {
          const { modules, tenant, out } = ctx;
          const k = await modules.access.keys.create(tenant.id, {
            name: opts.name,
            description: opts.description,
            rateLimit: opts.rateLimit,
            expiresAt: opts.expires ?? null,
            allowIps: opts.allowIp,
            corsOrigins: opts.corsOrigin,
          });
          const detail = [
            `rate limit ${k.rateLimit}/min`,
            k.expiresAt ? `expires ${k.expiresAt}` : '',
            k.allowIps.length ? `allowed addresses ${k.allowIps.join(', ')}` : '',
            k.corsOrigins.length ? `CORS origins ${k.corsOrigins.join(', ')}` : '',
          ];
          await auditCli(ctx, 'key.create', keyTarget(k), detail.filter(Boolean).join('; '));
          out.result(
            k,
            `created key ${k.id} "${k.name}" (${k.rateLimit}/min${k.expiresAt ? `, expires ${k.expiresAt}` : ''})` +
              `\n${k.key}`,
          );
        }),
    );

  key
    .command('update')
    .description('change a key in place: same id, same bindings')
    .argument('<id>', 'key id')
    .option('--name <name>', 'a new name')
    .option('--description <text>', 'a new description')
    .option('--rate-limit <n>', 'requests per minute', positiveInt('--rate-limit'))
    .option('--expires <when>', 'a duration such as 90d, an ISO 8601 date/time, or never', expiry(true))
    .option('--allow-ip <cidrs>', `${ALLOW_IP_HELP} (replaces the list)`, allowIps)
    .option('--cors-origin <origins>', `${CORS_ORIGIN_HELP} (replaces the list)`, corsOrigins)
    .action(
      async (
        id: string,
        opts: {
          name?: string;
          description?: string;
          rateLimit?: number;
          expires?: string;
          allowIp?: string[];
          corsOrigin?: string[];
        },
        cmd: Command,
      ) =>
        withContext(cmd, async (ctx) => {
          const { modules, tenant, out } = ctx;
          const { before, after } = await modules.access.keys.update(tenant.id, id, {
            name: opts.name,
            description: opts.description,
            rateLimit: opts.rateLimit,
            expiresAt: opts.expires === 'never' ? null : opts.expires,
            allowIps: opts.allowIp,
            corsOrigins: opts.corsOrigin,
          });
          const changes = keyChanges(before, after);
          if (changes.length > 0) await auditCli(ctx, 'key.update', keyTarget(after), changes.join('; '));
          out.result(after, changes.length > 0 ? `updated key ${id}: ${changes.join('; ')}` : `key ${id} unchanged`);
        }),
    );

  key
    .command('rotate')
    .description('a new secret for the key; the previous one works until the grace ends')
    .argument('<id>', 'key id')
    .option('--grace <duration>', 'how long the previous secret keeps working: 24h by default, 0 for not at all', grace)
    .action(async (id: string, opts: { grace?: number }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { modules, tenant, out } = ctx;
        const named = await modules.access.keys.get(tenant.id, id);
        const r = await modules.access.keys.rotate(tenant.id, id, opts.grace ?? DEFAULT_GRACE_MS);
        await auditCli(ctx, 'key.rotate', keyTarget(named), `previous secret valid until ${r.previousValidUntil}`);
        out.result(r, `rotated key ${id}; the previous secret works until ${r.previousValidUntil}\n${r.key}`);
      }),
    );

  for (const verb of ['disable', 'enable'] as const) {
    addOneArgumentCommand(
      key,
      {
        name: verb,
        description:
          verb === 'disable'
            ? 'refuse the key (403) within a second, keeping its bindings'
            : 'accept a disabled key again',
        argument: ['<id>', 'key id'],
      },
      async (id, ctx) => {
        const { modules, tenant, out } = ctx;
        const k = await modules.access.keys.setDisabled(tenant.id, id, verb === 'disable');
        await auditCli(ctx, `key.${verb}`, keyTarget(k));
        out.result(k, `${verb}d key ${id}`);
      },
    );
  }

  addListCommand(key, {
    description: 'list the keys (no secrets)',
    field: 'keys',
    empty: 'no keys',
    // Each scope as `key bind` takes it: the field types kept to check it stay inside.
    // `broken`: why a scope no longer compiles against its dataset's fields (its reads answer 409), or null.
    load: async ({ modules, tenant }) => {
      const [keys, datasets, widgets] = await Promise.all([
        modules.access.keys.list(tenant.id),
        modules.catalog.datasets.list(tenant.id),
        modules.catalog.widgets.list(tenant.id),
      ]);
      const fields = new Map(datasets.map((d) => [d.id, d.fields]));
      for (const w of widgets) {
        const f = fields.get(w.datasetId);
        if (f !== undefined) fields.set(w.id, f);
      }
      return keys.map((k) => ({
        ...k,
        scopes: k.scopes.map(({ whereTypes: _types, ...s }) => ({
          ...s,
          broken: scopeProblem({ ...s, whereTypes: _types }, fields.get(s.id)),
        })),
      }));
    },
    line: (k) =>
      keyLine(k) +
      k.scopes
        .filter((s) => s.broken !== null)
        .map((s) => `\n  broken: scope on ${s.type} ${s.id}: ${s.broken}`)
        .join(''),
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
