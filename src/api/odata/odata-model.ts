import { buildModel, type Catalog, type Dataset, type EntitySet, type ModelSource } from '../../catalog/index.ts';
import type { Binding, Principal } from '../../access/index.ts';
import type { Widget } from '../../catalog/index.ts';
import type { ResourceResolver } from '../../usecases/index.ts';

/** An entity set with what a read of it needs: the resource, its dataset and the key's binding. */
export type BoundSet = EntitySet & {
  readonly dataset: Dataset;
  readonly widget: Widget | null;
  readonly binding: Binding;
};

/**
 * The key's entity sets: its bound datasets, then its bound widgets whose dataset still
 * exists and fits them, in binding order. Names depend only on what is bound, so a set
 * keeps its name from one request to the next while the bindings stay.
 *
 * Only the metadata document needs to tell Int64 from Decimal, which reads every NUMBER
 * value of a dataset version once; without `types` every NUMBER is Decimal, which an
 * entity body writes exactly as it would an Int64, so reading entities never waits for it.
 */
export async function keyEntitySets(
  catalog: Catalog,
  resources: ResourceResolver,
  principal: Principal,
  opts: { deadline: number; types: boolean },
): Promise<BoundSet[]> {
  const none: ReadonlySet<string> = new Set();
  const int64 = (dataset: Dataset) =>
    opts.types ? catalog.datasets.int64Columns(dataset, { deadline: opts.deadline }) : Promise.resolve(none);
  const sources: (ModelSource & { dataset: Dataset; widget: Widget | null; binding: Binding })[] = [];
  for (const { dataset, binding } of resources.boundDatasets(principal)) {
    const int64Columns = await int64(dataset);
    const { id, name, fields } = dataset;
    sources.push({ kind: 'dataset', id, name, fields, int64Columns, dataset, widget: null, binding });
  }
  for (const { widget, dataset, binding } of resources.boundWidgets(principal)) {
    if (dataset === undefined) continue;
    const cols = catalog.widgets.columns(widget, dataset, await int64(dataset));
    if (!cols.ok) continue;
    const { id, name } = widget;
    sources.push({
      kind: 'widget',
      id,
      name,
      fields: cols.columns,
      int64Columns: cols.int64Columns,
      dataset,
      widget,
      binding,
    });
  }
  const sets = buildModel(sources);
  return sets.map((set, i) => ({
    ...set,
    dataset: sources[i].dataset,
    widget: sources[i].widget,
    binding: sources[i].binding,
  }));
}
