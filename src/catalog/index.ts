import type { Clock } from '../shared/clock.ts';
import type { Store } from '../store/index.ts';
import { createDatasetRegistry } from './dataset-registry.ts';
import { createDatasetService } from './dataset-service.ts';

export type { Dataset, DatasetRegistry } from './dataset-registry.ts';
export type { DatasetService, Page, ImportInput } from './dataset-service.ts';
export type { Field, FieldType, Value } from './types.ts';
export { FIELD_TYPES, isFieldType } from './types.ts';
export { parseQuery, type ParsedQuery, type Params } from './filter/filter-parser.ts';

/** The catalog module: datasets, their in-memory registry and queries. */
export function createCatalog(deps: { store: Store; clock?: Clock }) {
  const datasets = createDatasetService(deps);
  const registry = createDatasetRegistry(deps);
  return { datasets, registry };
}

export type Catalog = ReturnType<typeof createCatalog>;
