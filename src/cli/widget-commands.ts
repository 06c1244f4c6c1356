import fs from 'node:fs';
import type { Command } from 'commander';
import type { Widget } from '../catalog/index.ts';
import { DomainError } from '../shared/errors.ts';
import { widgetProblem } from '../usecases/index.ts';
import { addListCommand, addOneArgumentCommand, auditCli, withContext } from './context.ts';
import { affected, confirmRemoval } from './output.ts';

function summary(w: Widget, broken: string | null) {
  return {
    id: w.id,
    name: w.name,
    chart: w.chart,
    datasetId: w.datasetId,
    version: w.version,
    createdAt: w.createdAt,
    modifiedAt: w.modifiedAt,
    spec: w.spec,
    /** Why the widget answers 409 (its spec no longer fits its dataset), or null. */
    broken,
  };
}

/** Reads a spec file: a missing file or invalid JSON is a failure (exit 1), like an invalid spec. */
function readSpec(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DomainError(
      'NOT_FOUND',
      code === 'ENOENT' ? `no file ${file}` : `can't read ${file}: ${(e as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DomainError('INVALID_INPUT', `${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `widget create`, `widget list` and `widget remove`. */
export function registerWidgetCommands(program: Command): void {
  const widget = program
    .command('widget')
    .description('create, list and remove widgets: saved aggregations over a dataset');

  addOneArgumentCommand(
    widget,
    {
      name: 'create',
      description:
        'create a widget from a JSON spec: name, dataset, chart, dimensions, measures, filter, sort, limit, ' +
        'stacked',
      argument: ['<file>', 'the JSON spec'],
    },
    async (file, ctx) => {
      const { modules, tenant, out } = ctx;
      const w = await modules.catalog.widgets.create(tenant.id, readSpec(file));
      await auditCli(ctx, 'widget.create', w.name, `id ${w.id}, over dataset ${w.datasetId}`);
      out.result({ id: w.id, name: w.name }, `created widget ${w.id} "${w.name}" over dataset ${w.datasetId}`);
    },
  );

  addListCommand(widget, {
    description: 'list the widgets of the tenant',
    field: 'widgets',
    empty: 'no widgets',
    load: async ({ modules, tenant }) => {
      const [widgets, datasets] = await Promise.all([
        modules.catalog.widgets.list(tenant.id),
        modules.catalog.datasets.list(tenant.id),
      ]);
      const byId = new Map(datasets.map((d) => [d.id, d]));
      return widgets.map((w) => summary(w, widgetProblem(w, byId.get(w.datasetId))));
    },
    line: (w) =>
      `${w.id}  ${w.name}  ${w.chart}  dataset ${w.datasetId}  version ${w.version}` +
      (w.broken === null ? '' : `  broken: ${w.broken}`),
  });

  widget
    .command('remove')
    .description('remove a widget and its key bindings; prints what it affects and asks first')
    .argument('<id>', 'widget id')
    .option('--yes', 'remove without asking (scripts: required when stdin is not a terminal)')
    .action(async (id: string, opts: { yes?: boolean }, cmd: Command) =>
      withContext(cmd, async (ctx) => {
        const { modules, tenant, out } = ctx;
        const { widget: w, keys } = await modules.usecases.impact.ofWidget(tenant.id, id);
        const ds = await modules.catalog.datasets.get(tenant.id, w.datasetId);
        process.stderr.write(
          `widget ${w.id} "${w.name}" on dataset ${ds.id} "${ds.name}"\n` +
            affected('keys that lose their binding to it', keys),
        );
        if (!(await confirmRemoval(opts.yes, `remove widget ${w.id} "${w.name}"`))) {
          process.stderr.write('nothing was removed\n');
          process.exitCode = 1;
          return;
        }
        await modules.usecases.deleteWidget(tenant.id, w.id);
        await auditCli(ctx, 'widget.delete', w.name, `was on dataset "${ds.name}"`);
        out.result(
          { removed: w.id, name: w.name, keys },
          `removed widget ${w.id} "${w.name}" and the bindings of ${keys.length} key(s)`,
        );
      }),
    );
}
