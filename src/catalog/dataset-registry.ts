import type { ControlSchema, Store } from '../store/index.ts';
import { createTenantRegistry } from './listing.ts';
import type { Field } from './types.ts';

/** A dataset as the public API and the command line see it. */
export interface Dataset {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly description: string;
  readonly integrationGroup: string;
  readonly owner: string;
  readonly createdAt: string;
  readonly modifiedAt: string;
  readonly syncedAt: string;
  readonly version: number;
  readonly tableName: string;
  readonly fields: readonly Field[];
  readonly rowCount: number;
}

/** Turns a `datasets` row into a Dataset. */
export function toDataset(row: ControlSchema['datasets']): Dataset {
  return Object.freeze({
    ...row,
    version: Number(row.version),
    rowCount: Number(row.rowCount),
    fields: Object.freeze((JSON.parse(row.fields) as Field[]).map((f) => Object.freeze(f))),
  });
}

/** A dataset as it is listed, alike by the public API (`GET /api/datasets`) and `datagate dataset list`. */
export function datasetSummary(ds: Dataset) {
  return {
    id: ds.id,
    name: ds.name,
    description: ds.description,
    integrationGroup: ds.integrationGroup,
    rows: ds.rowCount,
    version: ds.version,
    createdAt: ds.createdAt,
    modifiedAt: ds.modifiedAt,
    syncedAt: ds.syncedAt,
    fields: ds.fields.map((f) => ({ name: f.name, type: f.type })),
  };
}

/**
 * The in-memory catalogue of datasets that the public API reads on every request,
 * rebuilt when the store's change counter moves.
 */
export function createDatasetRegistry(deps: { store: Store }) {
  return createTenantRegistry(async () =>
    (await deps.store.db.selectFrom('datasets').selectAll().execute()).map(toDataset),
  );
}

export type DatasetRegistry = ReturnType<typeof createDatasetRegistry>;
