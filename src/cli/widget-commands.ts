import fs from 'node:fs';
import type { Command } from 'commander';
import type { Widget } from '../catalog/index.ts';
import { DomainError } from '../shared/errors.ts';
import { addListCommand, addOneArgumentCommand, auditCli } from './context.ts';

function summary(w: Widget) {
  return {
    id: w.id,
    name: w.name,
    chart: w.chart,
    datasetId: w.datasetId,
    version: w.version,
    createdAt: w.createdAt,
    modifiedAt: w.modifiedAt,
    spec: w.spec,
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

/** `widget create` and `widget list`. */
export function registerWidgetCommands(program: Command): void {
  const widget = program.command('widget').description('create and list widgets: saved aggregations over a dataset');

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
    load: async ({ modules, tenant }) => (await modules.catalog.widgets.list(tenant.id)).map(summary),
    line: (w) => `${w.id}  ${w.name}  ${w.chart}  dataset ${w.datasetId}  version ${w.version}`,
  });
}
