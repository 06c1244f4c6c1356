import { createAccess, loadServerSecret, type Access } from './access/index.ts';
import { createCatalog, type Catalog } from './catalog/index.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { dataDirFor, openStore, type Store } from './store/index.ts';

/** The modules behind every command: store, access and catalog, wired once. */
export interface Modules {
  readonly store: Store;
  readonly access: Access;
  readonly catalog: Catalog;
  readonly clock: Clock;
  close(): Promise<void>;
}

/** Opens the store and creates the modules; the command line and the server both start here. */
export async function openModules(config: Pick<Config, 'database' | 'secret'>, clock: Clock = systemClock): Promise<Modules> {
  const store = await openStore(config.database);
  try {
    const serverSecret = loadServerSecret(dataDirFor(config.database), config.secret);
    const catalog = createCatalog({ store, clock });
    const access = createAccess({
      store,
      serverSecret,
      clock,
      resourceExists: async (tenantId, type, id) =>
        type === 'dataset' ? catalog.datasets.exists(tenantId, id) : catalog.widgets.exists(tenantId, id),
    });
    return { store, access, catalog, clock, close: () => store.close() };
  } catch (e) {
    await store.close();
    throw e;
  }
}
