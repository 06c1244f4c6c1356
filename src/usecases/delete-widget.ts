import type { Access } from '../access/index.ts';
import type { Catalog, Widget } from '../catalog/index.ts';
import type { Store } from '../store/index.ts';

/**
 * Deletes a widget and every key binding to it, in one transaction: a key never points
 * at a widget that is gone, and a failure half-way leaves both as they were.
 */
export function createDeleteWidget(deps: {
  store: Pick<Store, 'db'>;
  access: { keys: Pick<Access['keys'], 'removeBindingsTo'> };
  catalog: { widgets: Pick<Catalog['widgets'], 'remove'> };
}) {
  const { store, access, catalog } = deps;
  return async function deleteWidget(tenantId: string, id: string): Promise<Widget> {
    return store.db.transaction().execute(async (trx) => {
      await access.keys.removeBindingsTo(tenantId, 'widget', [id], trx);
      return catalog.widgets.remove(tenantId, id, trx);
    });
  };
}

export type DeleteWidget = ReturnType<typeof createDeleteWidget>;
