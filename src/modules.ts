import path from 'node:path';
import { createAccess, loadServerSecret, type Access } from './access/index.ts';
import { createCatalog, createUploadStore, type Catalog } from './catalog/index.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { dataDirFor, openStore, type Store } from './store/index.ts';
import { createUseCases, type UseCases } from './usecases/index.ts';

/** The modules behind every command: store, access, catalog and the use cases over them, wired once. */
export interface Modules {
  readonly store: Store;
  readonly access: Access;
  readonly catalog: Catalog;
  readonly usecases: UseCases;
  readonly clock: Clock;
  close(): Promise<void>;
}

/** Opens the store and creates the modules; the command line and the server both start here. */
export async function openModules(config: Pick<Config, 'database' | 'secret' | 'admin' | 'dataDir'>, clock: Clock = systemClock): Promise<Modules> {
  const store = await openStore(config.database);
  try {
    const dataDir = dataDirFor(config.database, config.dataDir);
    const serverSecret = loadServerSecret(dataDir, config.secret);
    const catalog = createCatalog({ store, clock });
    const access = createAccess({
      store,
      serverSecret,
      clock,
      resourceExists: async (tenantId, type, id) =>
        type === 'dataset' ? catalog.datasets.exists(tenantId, id) : catalog.widgets.exists(tenantId, id),
    });
    const uploads = createUploadStore({
      dir: config.admin.uploadDir ?? path.join(dataDir, 'uploads'),
      limitBytes: config.admin.uploadLimitMb * 1024 * 1024,
      clock,
    });
    const usecases = createUseCases({ store, access, catalog, uploads });
    return { store, access, catalog, usecases, clock, close: () => store.close() };
  } catch (e) {
    await store.close();
    throw e;
  }
}
