import type { Clock } from '../shared/clock.ts';
import type { Store } from '../store/index.ts';
import { createDatasetRegistry } from './dataset-registry.ts';
import { createDatasetService } from './dataset-service.ts';
import { createFavourites } from './favourites.ts';
import { createWidgetRegistry } from './widget/widget-registry.ts';
import { createWidgetService } from './widget/widget-service.ts';

export type { Dataset, DatasetRegistry } from './dataset-registry.ts';
export { datasetSummary } from './dataset-registry.ts';
export type { DatasetService, Page, TotalKind, ImportInput, ListedDataset, DatasetChanges } from './dataset-service.ts';
export type { ListQuery, ListPage } from './listing.ts';
export type { Favourites, FavouriteType } from './favourites.ts';
/** The cursor an export reads: the store's, handed through the catalog to the routes. */
export type { RowCursor } from '../store/index.ts';
export { createUploadStore, UPLOAD_TTL_MS, type Upload, type UploadStore } from './upload-store.ts';
export type { Field, FieldType, Value } from './types.ts';
export { FIELD_TYPES, isFieldType } from './types.ts';
export { DATE_FORMATS, isDateFormatName, type DateFormatName } from './values/values.ts';
export { checkDateFormat } from './dataset-service.ts';
export type { Params } from './filter/params.ts';
export { parseQuery, type ParsedQuery } from './filter/query-parser.ts';
export type { CountStrategy } from './filter/query-options.ts';
export { checkCursor, encodeCursor, type CursorBox, type CursorCheck } from './query/page-cursor.ts';
export { parseScope, type ScopeResult } from './filter/scope.ts';
export { NO_FIELDS, usedFields, type UsedFields } from './filter/used-fields.ts';
export { findField } from './filter/params.ts';
export { filterFields, MAX_IN_VALUES, operatorNames, type FilterNode, type Operator } from './filter/filter-parser.ts';
export type { Widget, WidgetRegistry } from './widget/widget-registry.ts';
export type { WidgetService, WidgetResult, ListedWidget } from './widget/widget-service.ts';
export { resolveWidget, widgetColumns, type WidgetSpec } from './widget/widget-spec.ts';

/** The catalog module: datasets and widgets, their in-memory registries and queries. */
export function createCatalog(deps: { store: Store; clock?: Clock; countCacheBytes?: number }) {
  const service = createDatasetService(deps);
  const registry = createDatasetRegistry(deps);
  const widgets = createWidgetService(deps);
  const widgetRegistry = createWidgetRegistry(deps);
  // Every load (upload, reload, sync) passes here, timed for whoever watches (the metrics).
  const watchers: LoadWatcher[] = [];
  const datasets: typeof service = {
    ...service,
    async importFile(tenantId, input) {
      const started = performance.now();
      const kind = input.replaceId ? 'reload' : 'new';
      const report = (ok: boolean, rows: number) => {
        for (const w of watchers) w({ kind, ok, rows, seconds: (performance.now() - started) / 1000 });
      };
      try {
        const ds = await service.importFile(tenantId, input);
        report(true, ds.rowCount);
        return ds;
      } catch (e) {
        report(false, 0);
        throw e;
      }
    },
  };
  return {
    datasets,
    registry,
    widgets,
    favourites: createFavourites(deps),
    widgetRegistry,
    /** Calls `w` after every load, whether it succeeded or failed. */
    watchLoads(w: LoadWatcher): void {
      watchers.push(w);
    },
  };
}

/** One finished load of a dataset: new or a reload, how it ended, how many rows, how long. */
export type LoadWatcher = (load: { kind: 'new' | 'reload'; ok: boolean; rows: number; seconds: number }) => void;

export type Catalog = ReturnType<typeof createCatalog>;
export * from './odata/index.ts';
