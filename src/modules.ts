import path from 'node:path';
import { createAccess, loadServerSecret, type Access } from './access/index.ts';
import { createCatalog, createUploadStore, filterFields, parseScope, type Catalog } from './catalog/index.ts';
import type { Config } from './config/config.ts';
import { DEFAULT_MEMORY_MB, memoryBudget } from './config/memory-budget.ts';
import { systemClock, type Clock } from './shared/clock.ts';
import { dataDirFor, openStore, type DroppedTable, type Store } from './store/index.ts';
import { createSources, type Sources } from './sources/index.ts';
import { createUseCases, describeBreaks, type UseCases } from './usecases/index.ts';

/** The modules behind every command: store, access, catalog and the use cases over them, wired once. */
export interface Modules {
  readonly store: Store;
  readonly access: Access;
  readonly catalog: Catalog;
  readonly usecases: UseCases;
  /** Live datasets: sources, syncs and their schedules. */
  readonly sources: Sources;
  readonly clock: Clock;
  /** Dataset tables that killed loads had left behind, dropped on opening (for the log). */
  readonly droppedTables: readonly DroppedTable[];
  close(): Promise<void>;
}

/** Opens the store and creates the modules; the command line and the server both start here. */
export async function openModules(
  config: Pick<Config, 'database' | 'secret' | 'admin' | 'dataDir'> &
    Partial<Pick<Config, 'queryWorkers' | 'memoryMb' | 'sources'>>,
  clock: Clock = systemClock,
): Promise<Modules> {
  // Without a setting (a test's literal config), the default budget.
  const budget = memoryBudget(config.memoryMb ?? DEFAULT_MEMORY_MB);
  const store = await openStore(config.database, {
    queryWorkers: config.queryWorkers,
    sqlite: { cacheKib: budget.sqliteCacheKib },
  });
  try {
    // A process killed while loading leaves a table no dataset names; drop those of
    // dead processes now (live loads on other processes or nodes hold a claim).
    const droppedTables = await store.tables.dropOrphans('ds_');
    const dataDir = dataDirFor(config.database, config.dataDir);
    const serverSecret = loadServerSecret(dataDir, config.secret);
    const catalog = createCatalog({ store, clock, countCacheBytes: budget.countCacheBytes });
    const access = createAccess({
      store,
      serverSecret,
      clock,
      resourceExists: async (tenantId, type, id) =>
        type === 'dataset' ? catalog.datasets.exists(tenantId, id) : catalog.widgets.exists(tenantId, id),
      checkScope: async (tenantId, type, id, where) => {
        const datasetId = type === 'dataset' ? id : (await catalog.widgets.get(tenantId, id)).datasetId;
        const ds = await catalog.datasets.get(tenantId, datasetId);
        const scope = parseScope(where, ds.fields);
        if (!scope.ok) return { ok: false, message: scope.message };
        return {
          ok: true,
          types: Object.fromEntries(scope.filters.flatMap(filterFields).map((f) => [f.name, f.type])),
        };
      },
    });
    const uploads = createUploadStore({
      dir: config.admin.uploadDir ?? path.join(dataDir, 'uploads'),
      limitBytes: config.admin.uploadLimitMb * 1024 * 1024,
      clock,
    });
    const usecases = createUseCases({ store, access, catalog, uploads });
    // Without settings (a test's literal config), the defaults of the config schema.
    const limits = config.sources ?? { maxMb: 1024, timeoutS: 600 };
    const sources = createSources({
      store,
      datasets: catalog.datasets,
      serverSecret,
      clock,
      dataDir,
      limits: { maxBytes: limits.maxMb * 1024 * 1024, timeoutMs: limits.timeoutS * 1000 },
      reloadCheck: async (tenantId, datasetId, load) => {
        const { dataset, breaks } = await usecases.schema.reloading(tenantId, datasetId, load);
        return { dataset, note: breaks.length === 0 ? null : describeBreaks(breaks) };
      },
    });
    return { store, access, catalog, usecases, sources, clock, droppedTables, close: () => store.close() };
  } catch (e) {
    await store.close();
    throw e;
  }
}
