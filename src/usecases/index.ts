import type { Access } from '../access/index.ts';
import type { Catalog, UploadStore } from '../catalog/index.ts';
import type { Store } from '../store/index.ts';
import { createDeleteDataset } from './delete-dataset.ts';
import { createDeleteWidget } from './delete-widget.ts';
import { createUploadLoading } from './load-upload.ts';
import { createRemovalImpact } from './removal-impact.ts';
import { createResourceResolver } from './resolve-resources.ts';
import { createSchemaCheck } from './schema-breaks.ts';

export type { DeletedDataset, DeleteDataset } from './delete-dataset.ts';
export type { DeleteWidget } from './delete-widget.ts';
export type { DatasetImpact, RemovalImpact, WidgetImpact } from './removal-impact.ts';
export type { LoadedUpload, StageResult, UploadLoading } from './load-upload.ts';
export type {
  BoundDataset,
  BoundWidget,
  DatasetResolution,
  KeyRef,
  ResourceResolver,
  WidgetResolution,
} from './resolve-resources.ts';
export { bindingScope } from './resolve-resources.ts';
export {
  describeBreaks,
  schemaBreaks,
  scopeProblem,
  widgetProblem,
  type SchemaBreak,
  type SchemaCheck,
  type ScopedBinding,
} from './schema-breaks.ts';

/**
 * What coordinates several modules, one function each, for the admin API, the public
 * API and the command line alike: routes and commands parse, call one, shape the answer.
 */
export function createUseCases(deps: { store: Store; access: Access; catalog: Catalog; uploads: UploadStore }) {
  return {
    resources: createResourceResolver(deps),
    deleteDataset: createDeleteDataset(deps),
    deleteWidget: createDeleteWidget(deps),
    impact: createRemovalImpact(deps),
    uploads: createUploadLoading(deps),
    schema: createSchemaCheck(deps),
  };
}

export type UseCases = ReturnType<typeof createUseCases>;
