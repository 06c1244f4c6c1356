import path from 'node:path';
import type { Command } from 'commander';
import {
  DATE_FORMATS,
  datasetSummary,
  FIELD_TYPES,
  isDateFormatName,
  isFieldType,
  type FieldType,
} from '../catalog/index.ts';
import { parseHeader, type HttpFormat, type SourceView, type SyncResult } from '../sources/index.ts';
import { DomainError } from '../shared/errors.ts';
import { describeBreaks } from '../usecases/index.ts';
import { addListCommand, addOneArgumentCommand, auditCli, withContext, type CommandContext } from './context.ts';
import { affected, confirmRemoval, createProgressBar, UsageError } from './output.ts';

function collectType(v: string, prev: Record<string, FieldType>): Record<string, FieldType> {
  const eq = v.lastIndexOf('=');
  const field = eq > 0 ? v.slice(0, eq) : '';
  const type = eq > 0 ? v.slice(eq + 1).toUpperCase() : '';
  if (!field || !isFieldType(type)) {
    throw new UsageError(`--type takes FIELD=TYPE with TYPE one of ${FIELD_TYPES.join(', ')}, got "${v}"`);
  }
  return { ...prev, [field]: type };
}

const DATE_FORMAT_HELP =
  `the format the file writes dates in, read besides ISO 8601 (${DATE_FORMATS.join(', ')}); day and month may ` +
  'have one digit, years have four; a time may follow (DD.MM.YYYY 08:50[:28]). Filters stay ISO 8601';

/** Checks `--date-format` as the parser reads it: one of DATE_FORMATS, exactly. */
function parseDateFormat(v: string): string {
  if (!isDateFormatName(v)) throw new UsageError(`--date-format takes one of ${DATE_FORMATS.join(', ')}, got "${v}"`);
  return v;
}

function collectHeader(v: string, prev: Record<string, string>): Record<string, string> {
  try {
    const [name, value] = parseHeader(v);
    return { ...prev, [name]: value };
  } catch (e) {
    throw new UsageError(`--header: ${(e as Error).message}`);
  }
}

/** The `--json` answer of `connect` and `sync` (spec section 13). */
function syncJson(r: SyncResult) {
  return {
    id: r.dataset.id,
    name: r.dataset.name,
    rows: r.dataset.rowCount,
    fields: r.dataset.fields.map((f) => ({ name: f.name, type: f.type })),
    schedule: r.schedule || null,
    lastSyncedAt: r.dataset.syncedAt,
  };
}

function syncLines(verb: string, r: SyncResult): string {
  const j = syncJson(r);
  return (
    `${verb} dataset ${j.id} "${j.name}": ${j.rows} rows, version ${r.dataset.version}` +
    `${j.schedule ? `, schedule "${j.schedule}" (UTC)` : ''}\n` +
    j.fields.map((f) => `  ${f.name}: ${f.type}`).join('\n')
  );
}

/** Usage mistakes found by the service (a bad URL, query or schedule) exit 2, like the parser's. */
async function asUsage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof DomainError && e.code === 'INVALID_INPUT') throw new UsageError(e.message);
    throw e;
  }
}

/** A live dataset's source in a line or two, credentials masked. */
function sourceLine(s: SourceView): string {
  return (
    `  source: ${s.url}${s.schedule ? `, schedule "${s.schedule}" (UTC)` : ', no schedule'}` +
    (s.lastError ? `\n  last error (${s.lastErrorAt}): ${s.lastError}` : '')
  );
}

/** `dataset connect`, `dataset sync` and `dataset history`: live datasets (spec section 13). */
function registerLiveCommands(dataset: Command): void {
  dataset
    .command('connect')
    .description(
      'create a dataset synced from a source: postgres:// or mysql:// with --query, or an http(s):// URL serving ' +
        'CSV, JSON or NDJSON; runs the first sync at once',
    )
    .requiredOption('--name <name>', 'dataset name')
    .requiredOption('--from <url>', 'postgres://…, mysql://…, https://… or http://… (credentials stored encrypted)')
    .option('--query <sql>', 'for a database: one SELECT, run in a READ ONLY transaction')
    .option(
      '--header <"K: V">',
      'for http(s): a request header, e.g. "Authorization: Bearer …"; repeatable',
      collectHeader,
      {},
    )
    .option('--format <format>', 'for http(s): csv, json or ndjson (default: by Content-Type, then extension)')
    .option('--records-path <path>', 'for a JSON document: the dotted path of the array of records, e.g. data.items')
    .option(
      '--schedule <cron>',
      'sync on this cron schedule, in UTC (5 fields, at most once a minute), e.g. "0 * * * *"',
    )
    .option('--integration <group>', 'integration group, e.g. "ConnectWise"')
    .option('--description <text>', 'what the dataset holds')
    .option('--type <field=TYPE>', `force a field's type (${FIELD_TYPES.join(', ')}); repeatable`, collectType, {})
    .option('--date-format <format>', `${DATE_FORMAT_HELP}; every sync reads them so`, parseDateFormat)
    .action(
      async (
        opts: {
          name: string;
          from: string;
          query?: string;
          header: Record<string, string>;
          format?: string;
          recordsPath?: string;
          schedule?: string;
          integration?: string;
          description?: string;
          type: Record<string, FieldType>;
          dateFormat?: string;
        },
        cmd: Command,
      ) => {
        if (opts.format !== undefined && !['csv', 'json', 'ndjson'].includes(opts.format))
          throw new UsageError(`--format takes csv, json or ndjson, got "${opts.format}"`);
        await withContext(cmd, async (ctx) => {
          const r = await asUsage(() =>
            ctx.modules.sources.sync.connect(ctx.tenant.id, {
              name: opts.name,
              url: opts.from,
              query: opts.query,
              headers: opts.header,
              format: opts.format as HttpFormat | undefined,
              recordsPath: opts.recordsPath,
              schedule: opts.schedule,
              integrationGroup: opts.integration,
              description: opts.description,
              types: opts.type,
              dateFormat: opts.dateFormat,
            }),
          );
          const source = await ctx.modules.sources.sync.source(ctx.tenant.id, r.dataset.id);
          await auditCli(
            ctx,
            'dataset.connect',
            r.dataset.name,
            `id ${r.dataset.id}: ${r.dataset.rowCount} rows from ${source?.url ?? ''}` +
              `${r.schedule ? `, schedule "${r.schedule}"` : ''}`,
          );
          ctx.out.result(syncJson(r), syncLines('connected', r));
        });
      },
    );

  dataset
    .command('source')
    .description(
      "change a live dataset's source or schedule; what is not given stays. The rows stay until the next sync " +
        '(--sync: now)',
    )
    .argument('<id>', 'the dataset id')
    .option(
      '--from <url>',
      'a new URL; a password or parameter left as **** (as history shows it) keeps the stored one',
    )
    .option('--query <sql>', 'for a database: a new SELECT, run in a READ ONLY transaction')
    .option(
      '--header <"K: V">',
      'for http(s): the whole set of request headers (repeatable); a value left as history shows it ' +
        '("Bearer ****") keeps the stored one',
      collectHeader,
    )
    .option('--clear-headers', 'for http(s): send no headers')
    .option('--format <format>', 'for http(s): csv, json, ndjson, or auto (by Content-Type, then extension)')
    .option('--records-path <path>', 'for a JSON document: the dotted path of the array of records ("" for none)')
    .option('--schedule <cron>', 'a new cron schedule, in UTC (5 fields, at most once a minute)')
    .option('--no-schedule', 'remove the schedule: synced on demand only')
    .option('--date-format <format>', `${DATE_FORMAT_HELP}; every later sync reads them so`, parseDateFormat)
    .option('--sync', 'sync now with the changed source (a failure keeps the rows, exit 1; the change stays)')
    .action(
      async (
        id: string,
        opts: {
          from?: string;
          query?: string;
          header?: Record<string, string>;
          clearHeaders?: boolean;
          format?: string;
          recordsPath?: string;
          schedule?: string | false;
          dateFormat?: string;
          sync?: boolean;
        },
        cmd: Command,
      ) => {
        if (opts.format !== undefined && !['csv', 'json', 'ndjson', 'auto'].includes(opts.format))
          throw new UsageError(`--format takes csv, json, ndjson or auto, got "${opts.format}"`);
        if (opts.header && opts.clearHeaders) throw new UsageError('give --header or --clear-headers, not both');
        await withContext(cmd, async (ctx) => {
          const { modules, tenant, out } = ctx;
          const ds = await modules.catalog.datasets.get(tenant.id, id);
          const r = await asUsage(() =>
            modules.sources.sync.editSource(tenant.id, id, {
              url: opts.from,
              query: opts.query,
              headers: opts.clearHeaders ? {} : opts.header,
              format:
                opts.format === undefined ? undefined : ((opts.format === 'auto' ? '' : opts.format) as HttpFormat),
              recordsPath: opts.recordsPath,
              schedule: opts.schedule === false ? null : opts.schedule,
              dateFormat: opts.dateFormat,
            }),
          );
          if (r.changes.length > 0) await auditCli(ctx, 'dataset.source', ds.name, `id ${id}: ${r.changes.join(', ')}`);
          const edited = `${r.changes.length > 0 ? `changed ${r.changes.join(', ')}` : 'nothing changed'}`;
          if (!opts.sync) {
            out.result(
              { id, changed: r.changes, source: r.source },
              `dataset ${id} "${ds.name}": ${edited}\n${sourceLine(r.source)}`,
            );
            return;
          }
          if (!out.json) process.stderr.write(`dataset ${id} "${ds.name}": ${edited}\n`);
          const synced = await modules.sources.sync.sync(tenant.id, id);
          await auditCli(
            ctx,
            'dataset.sync',
            synced.dataset.name,
            `id ${id}, version ${synced.dataset.version}: ${synced.dataset.rowCount} rows`,
          );
          out.result({ ...syncJson(synced), changed: r.changes }, syncLines('synced', synced));
        });
      },
    );

  addOneArgumentCommand(
    dataset,
    { name: 'sync', description: 'sync a live dataset from its source now', argument: ['<id>', 'the dataset id'] },
    async (id: string, ctx: CommandContext) => {
      const r = await ctx.modules.sources.sync.sync(ctx.tenant.id, id);
      await auditCli(
        ctx,
        'dataset.sync',
        r.dataset.name,
        `id ${id}, version ${r.dataset.version}: ${r.dataset.rowCount} rows`,
      );
      ctx.out.result(syncJson(r), syncLines('synced', r));
    },
  );

  addOneArgumentCommand(
    dataset,
    {
      name: 'history',
      description: "a live dataset's last syncs: start, end, rows, result or error",
      argument: ['<id>', 'the dataset id'],
    },
    async (id: string, ctx: CommandContext) => {
      const source = await ctx.modules.sources.sync.source(ctx.tenant.id, id);
      const runs = await ctx.modules.sources.sync.history(ctx.tenant.id, id);
      ctx.out.result({ id, source, runs }, () =>
        [
          source ? sourceLine(source).trimStart() : 'no source: this dataset is loaded from files',
          ...runs.map(
            (r) =>
              `${r.startedAt}  ${r.endedAt ?? '(not ended)'}  ${r.trigger.padEnd(8)}  ${r.result.padEnd(7)}  ` +
              (r.result === 'ok' ? `${r.rows} rows${r.error ? `; ${r.error}` : ''}` : (r.error ?? '')),
          ),
        ].join('\n'),
      );
    },
  );
}

/** `dataset import`, `dataset list`, `dataset remove` and the live dataset commands. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program.command('dataset').description('load, list and remove datasets');

  dataset
    .command('import')
    .description('load a .csv, .json (array of objects) or .ndjson file as a dataset, or reload one with --replace')
    .argument('<file>', 'the file to load')
    .option('--name <name>', 'dataset name (required unless --replace)')
    .option('--integration <group>', 'integration group, e.g. "ConnectWise"')
    .option('--description <text>', 'what the dataset holds')
    .option('--type <field=TYPE>', `force a field's type (${FIELD_TYPES.join(', ')}); repeatable`, collectType, {})
    .option('--date-format <format>', DATE_FORMAT_HELP, parseDateFormat)
    .option(
      '--replace <id>',
      'reload this dataset atomically: readers see all old rows or all new ones; warns (stderr) about widgets and ' +
        'key scopes the new fields break',
    )
    .action(
      async (
        file: string,
        opts: {
          name?: string;
          integration?: string;
          description?: string;
          type: Record<string, FieldType>;
          dateFormat?: string;
          replace?: string;
        },
        cmd: Command,
      ) => {
        if (!opts.name && !opts.replace) throw new UsageError('dataset import needs --name (or --replace ID)');
        await withContext(cmd, async (ctx) => {
          const { modules, tenant, out } = ctx;
          const bar = createProgressBar(!out.json);
          let phase = '';
          const load = () =>
            modules.catalog.datasets
              .importFile(tenant.id, {
                file,
                name: opts.name,
                description: opts.description,
                integrationGroup: opts.integration,
                types: opts.type,
                dateFormat: opts.dateFormat,
                replaceId: opts.replace,
                onProgress: (p, done, total) => {
                  if (p !== phase) {
                    bar.done();
                    phase = p;
                  }
                  bar.update(p === 'scan' ? 'checking' : 'loading', done, total);
                },
              })
              .finally(() => bar.done());
          const { dataset: ds, breaks } = opts.replace
            ? await modules.usecases.schema.reloading(tenant.id, opts.replace, load)
            : { dataset: await load(), breaks: undefined };
          const fields = ds.fields.map((f) => ({ name: f.name, type: f.type }));
          await auditCli(
            ctx,
            opts.replace ? 'dataset.reload' : 'dataset.create',
            ds.name,
            `id ${ds.id}, version ${ds.version}: ${ds.rowCount} rows, ${ds.fields.length} fields ` +
              `from ${path.basename(file)}`,
          );
          // On stderr even with --json: the reload is done, its clients are not fine.
          if (breaks && breaks.length > 0) process.stderr.write(describeBreaks(breaks) + '\n');
          out.result(
            { id: ds.id, name: ds.name, rows: ds.rowCount, fields, ...(breaks ? { breaks } : {}) },
            `${opts.replace ? 'reloaded' : 'imported'} dataset ${ds.id} "${ds.name}": ${ds.rowCount} rows, ` +
              `version ${ds.version}\n` +
              fields.map((f) => `  ${f.name}: ${f.type}`).join('\n'),
          );
        });
      },
    );

  addListCommand(dataset, {
    description: 'list the datasets of the tenant (live ones with their source, last sync and last error)',
    field: 'datasets',
    empty: 'no datasets',
    load: async ({ modules, tenant }) => {
      const sources = await modules.sources.sync.sources(tenant.id);
      return (await modules.catalog.datasets.list(tenant.id)).map((ds) => {
        const s = sources.get(ds.id);
        return {
          ...datasetSummary(ds),
          lastSyncedAt: ds.syncedAt,
          source: s
            ? {
                kind: s.kind,
                url: s.url,
                schedule: s.schedule || null,
                lastError: s.lastError,
                lastErrorAt: s.lastErrorAt,
              }
            : null,
        };
      });
    },
    line: (d) =>
      `${d.id}  ${d.name}  ${d.rows} rows  ${d.fields.length} fields  ${d.integrationGroup}` +
      (d.source ? `\n  live from ${d.source.url}, last synced ${d.lastSyncedAt}` : '') +
      (d.source?.lastError ? `\n  last error (${d.source.lastErrorAt}): ${d.source.lastError}` : ''),
  });

  registerLiveCommands(dataset);

  dataset
    .command('remove')
    .description(
      'remove a dataset with its widgets and every key binding to either; prints what it affects and asks first',
    )
    .argument('<id>', 'dataset id')
    .option('--yes', 'remove without asking (scripts: required when stdin is not a terminal)')
    .action(async (id: string, opts: { yes?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { modules, tenant, out } = ctx;
        const { dataset: ds, widgets, keys } = await modules.usecases.impact.ofDataset(tenant.id, id);
        // What it affects goes to stderr: stdout stays the answer (JSON with --json).
        process.stderr.write(
          `dataset ${ds.id} "${ds.name}": ${ds.rowCount} rows\n` +
            affected('widgets removed with it', widgets) +
            affected('keys that lose their binding to it or to its widgets', keys),
        );
        if (!(await confirmRemoval(opts.yes, `remove dataset ${ds.id} "${ds.name}"`))) {
          process.stderr.write('nothing was removed\n');
          process.exitCode = 1;
          return;
        }
        const removed = await modules.usecases.deleteDataset(tenant.id, ds.id);
        const names = removed.widgets.map((w) => w.name);
        await auditCli(
          ctx,
          'dataset.delete',
          ds.name,
          `${ds.rowCount} rows; ${names.length === 0 ? 'no widgets' : `widgets deleted: ${names.join(', ')}`}`,
        );
        out.result(
          { removed: ds.id, name: ds.name, rows: ds.rowCount, widgets: removed.widgets, keys },
          `removed dataset ${ds.id} "${ds.name}", ${removed.widgets.length} widget(s) and the bindings of ` +
            `${keys.length} key(s)`,
        );
      }),
    );
}
