import type { Access } from '../access/index.ts';
import type { Catalog, Dataset, Widget } from '../catalog/index.ts';

type Ref = { id: string; name: string };

/** What removing a dataset takes with it: its widgets, and the keys bound to it or to one of them. */
export interface DatasetImpact {
  readonly dataset: Dataset;
  readonly widgets: Ref[];
  readonly keys: Ref[];
}

/** What removing a widget takes with it: the bindings of these keys. */
export interface WidgetImpact {
  readonly widget: Widget;
  readonly keys: Ref[];
}

const byName = (x: Ref, y: Ref) => x.name.localeCompare(y.name) || x.id.localeCompare(y.id);

/**
 * What a removal would affect, shown before it is confirmed (the console's dialog, the
 * command line's question); the removal itself is `deleteDataset` or `deleteWidget`.
 */
export function createRemovalImpact(deps: {
  access: { keys: Pick<Access['keys'], 'bindingsOf'> };
  catalog: { datasets: Pick<Catalog['datasets'], 'get'>; widgets: Pick<Catalog['widgets'], 'get' | 'onDataset'> };
}) {
  const { access, catalog } = deps;
  return {
    async ofDataset(tenantId: string, id: string): Promise<DatasetImpact> {
      const dataset = await catalog.datasets.get(tenantId, id);
      const [widgets, onDatasets, onWidgets] = await Promise.all([
        catalog.widgets.onDataset(tenantId, dataset.id),
        access.keys.bindingsOf(tenantId, 'dataset'),
        access.keys.bindingsOf(tenantId, 'widget'),
      ]);
      const keys = new Map<string, Ref>();
      for (const k of [...(onDatasets.get(dataset.id) ?? []), ...widgets.flatMap((w) => onWidgets.get(w.id) ?? [])])
        keys.set(k.id, { id: k.id, name: k.name });
      return {
        dataset,
        widgets: widgets.map((w) => ({ id: w.id, name: w.name })),
        keys: [...keys.values()].sort(byName),
      };
    },
    async ofWidget(tenantId: string, id: string): Promise<WidgetImpact> {
      const widget = await catalog.widgets.get(tenantId, id);
      const bound = (await access.keys.bindingsOf(tenantId, 'widget')).get(widget.id) ?? [];
      return { widget, keys: bound.map((k) => ({ id: k.id, name: k.name })).sort(byName) };
    },
  };
}

export type RemovalImpact = ReturnType<typeof createRemovalImpact>;
