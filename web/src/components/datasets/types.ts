// The admin API's shapes the datasets, widgets, usage, audit and users pages use
// (docs/admin-api.md).

export type FieldType = 'TEXT' | 'NUMBER' | 'BOOLEAN' | 'DATE' | 'DATETIME';
export const FIELD_TYPES: FieldType[] = ['TEXT', 'NUMBER', 'BOOLEAN', 'DATE', 'DATETIME'];

export interface Field {
  name: string;
  type: FieldType;
}

export interface Dataset {
  id: string;
  name: string;
  description: string | null;
  integrationGroup: string | null;
  owner: string | null;
  createdAt: string;
  modifiedAt: string;
  syncedAt: string | null;
  version: number;
  rowCount: number;
  fields: Field[];
  linkedWidgets: number;
  linkedKeys: number;
}

export interface DatasetList {
  items: Dataset[];
  total: number;
  groups: string[];
}

export interface UploadResult {
  uploadId: string;
  filename: string;
  format: string;
  bytes: number;
  fields: Field[];
  sample: Record<string, unknown>[];
}

export interface Impact {
  widgets: { id: string; name: string }[];
  keys: { id: string; name: string }[];
}

export interface RowsPage {
  records: Record<string, unknown>[];
  total: number;
  size: number;
  current: number;
  pages: number;
  orders: { column: string; asc: boolean }[];
}

export type Bucket = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type Agg = 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max';
export type ChartType = 'table' | 'bar' | 'line' | 'pie' | 'number';

export interface WidgetSpec {
  name?: string;
  dataset: string;
  chart: ChartType;
  dimensions: { field: string; label: string; bucket?: Bucket }[];
  measures: { agg: Agg; field?: string; label: string }[];
  filter?: string;
  sort?: string;
  limit?: number;
}

export interface Column {
  label: string;
  type: FieldType;
}

export interface Widget {
  id: string;
  name: string;
  datasetId: string;
  datasetName: string;
  integrationGroup: string | null;
  chart: ChartType;
  spec: WidgetSpec;
  columns: Column[];
  createdAt: string;
  modifiedAt: string;
  linkedKeys: number;
}

export interface WidgetList {
  items: Widget[];
  total: number;
  groups: string[];
}

export interface PreviewResult {
  columns: Column[];
  rows: Record<string, unknown>[];
  total: number;
}
