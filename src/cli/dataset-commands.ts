import path from 'node:path';
import type { Command } from 'commander';
import { datasetSummary, FIELD_TYPES, isFieldType, type FieldType } from '../catalog/index.ts';
import { addListCommand, auditCli, withContext } from './context.ts';
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

/** `dataset import`, `dataset list` and `dataset remove`. */
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
    .option('--replace <id>', 'reload this dataset atomically: readers see all old rows or all new ones')
    .action(
      async (
        file: string,
        opts: {
          name?: string;
          integration?: string;
          description?: string;
          type: Record<string, FieldType>;
          replace?: string;
        },
        cmd: Command,
      ) => {
        if (!opts.name && !opts.replace) throw new UsageError('dataset import needs --name (or --replace ID)');
        await withContext(cmd, async (ctx) => {
          const { modules, tenant, out } = ctx;
          const bar = createProgressBar(!out.json);
          let phase = '';
          const ds = await modules.catalog.datasets
            .importFile(tenant.id, {
              file,
              name: opts.name,
              description: opts.description,
              integrationGroup: opts.integration,
              types: opts.type,
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
          const fields = ds.fields.map((f) => ({ name: f.name, type: f.type }));
          await auditCli(
            ctx,
            opts.replace ? 'dataset.reload' : 'dataset.create',
            ds.name,
            `id ${ds.id}, version ${ds.version}: ${ds.rowCount} rows, ${ds.fields.length} fields ` +
              `from ${path.basename(file)}`,
          );
          out.result(
            { id: ds.id, name: ds.name, rows: ds.rowCount, fields },
            `${opts.replace ? 'reloaded' : 'imported'} dataset ${ds.id} "${ds.name}": ${ds.rowCount} rows, ` +
              `version ${ds.version}\n` +
              fields.map((f) => `  ${f.name}: ${f.type}`).join('\n'),
          );
        });
      },
    );

  addListCommand(dataset, {
    description: 'list the datasets of the tenant',
    field: 'datasets',
    empty: 'no datasets',
    load: async ({ modules, tenant }) => (await modules.catalog.datasets.list(tenant.id)).map(datasetSummary),
    line: (d) => `${d.id}  ${d.name}  ${d.rows} rows  ${d.fields.length} fields  ${d.integrationGroup}`,
  });

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
