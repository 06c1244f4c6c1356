// Shapes of the admin API answers the Public API page reads (docs/admin-api.md).

export type ResourceKind = 'dataset' | 'widget';

export interface Ref {
  id: string;
  name: string;
}

export interface ApiKey {
  id: string;
  name: string;
  type: string;
  description: string;
  rateLimit: number;
  hint?: string;
  maskedKey: string;
  createdAt: string;
  lastUsedAt: string | null;
  bindings: { datasets: Ref[]; widgets: Ref[] };
}

export interface Settings {
  publicApiEnabled: boolean;
  publicBaseUrl: string;
  maxPageSize: number;
}

export interface DatasetItem {
  id: string;
  name: string;
  description: string;
  integrationGroup: string;
  owner?: string;
  createdAt: string;
  modifiedAt: string;
  syncedAt?: string;
  rowCount: number;
  linkedWidgets: number;
  linkedKeys: number;
}

export interface WidgetItem {
  id: string;
  name: string;
  datasetId: string;
  datasetName: string;
  integrationGroup: string;
  chart: string;
  createdAt: string;
  modifiedAt: string;
  linkedKeys: number;
}

export type PickerItem = (DatasetItem | WidgetItem) & { description?: string };

export interface ListAnswer<T> {
  items: T[];
  total: number;
  groups: string[];
}

/** A parameter of the key's OpenAPI document, with its $ref resolved. */
export interface OpenApiParam {
  name: string;
  in: string;
  description?: string;
  required?: boolean;
  schema?: { type?: string | string[]; format?: string; default?: unknown; minimum?: number; maximum?: number; enum?: unknown[] };
  example?: unknown;
}

export interface OpenApiResponse {
  code: string;
  description: string;
  links: string[];
}

export interface Operation {
  summary?: string;
  description?: string;
  parameters: OpenApiParam[];
  responses: OpenApiResponse[];
}

export const kindPath = (kind: ResourceKind) => (kind === 'dataset' ? 'datasets' : 'widgets');
