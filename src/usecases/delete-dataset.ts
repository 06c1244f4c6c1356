import type { Access } from '../access/index.ts';
import type { Catalog, Dataset } from '../catalog/index.ts';
import type { Store } from '../store/index.ts';

/** What a deleted dataset took with it: the dataset as it was and its widgets, by name. */
export interface DeletedDataset {
  readonly dataset: Dataset;
  readonly widgets: { id: string; name: string }[];
}

/**
 * Deletes a dataset, its widgets and every key binding to either, in one transaction:
 * a failure half-way leaves all of them as they were, and a key never points at a
 * resource that is gone.
 */
export function createDeleteDataset(deps: {
  store: Pick<Store, 'db'>;
  access: { keys: Pick<Access['keys'], 'removeBindingsTo'> };
  catalog: {
    datasets: Pick<Catalog['datasets'], 'remove' | 'sweepRetired'>;
    widgets: Pick<Catalog['widgets'], 'onDataset'>;
  };
}) {
  const { store, access, catalog } = deps;
  return async function deleteDataset(tenantId: string, id: string): Promise<DeletedDataset> {
    const removed = await store.db.transaction().execute(async (trx) => {
      const widgets = await catalog.widgets.onDataset(tenantId, id, trx);
      await access.keys.removeBindingsTo(tenantId, 'dataset', [id], trx);
      await access.keys.removeBindingsTo(
        tenantId,
        'widget',
        widgets.map((w) => w.id),
        trx,
      );
      const out = await catalog.datasets.remove(tenantId, id, trx);
      // A widget created on it meanwhile (PostgreSQL reads what others committed since
      // the first statement) went with it too; so do its bindings.
      const late = out.widgets.filter((w) => !widgets.some((x) => x.id === w.id)).map((w) => w.id);
      await access.keys.removeBindingsTo(tenantId, 'widget', late, trx);
      return out;
    });
    // After the commit: the sweep drops tables on connections of its own.
    await catalog.datasets.sweepRetired();
    return removed;
  };
}

export type DeleteDataset = ReturnType<typeof createDeleteDataset>;
