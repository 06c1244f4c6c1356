// The widget builder's form model and how it maps to and from a widget spec
// (spec section 7).
import type { Agg, Bucket, ChartType, Dataset, DatasetList, Field, FieldType, WidgetSpec } from '../../api-types.ts';
import { api } from '../../api.ts';

export interface DimensionRow {
  key: number;
  field: string;
  bucket: Bucket | '';
  label: string;
  /** The label follows the field until the admin types one. */
  auto: boolean;
}

export interface MeasureRow {
  key: number;
  agg: Agg;
  field: string;
  label: string;
  auto: boolean;
}

export const BUCKETS: { value: Bucket; label: string }[] = [
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
  { value: 'month', label: 'Month' },
  { value: 'quarter', label: 'Quarter' },
  { value: 'year', label: 'Year' },
];

export const AGGS: { value: Agg; label: string }[] = [
  { value: 'count', label: 'Count' },
  { value: 'count_distinct', label: 'Count distinct' },
  { value: 'sum', label: 'Sum' },
  { value: 'avg', label: 'Average' },
  { value: 'min', label: 'Min' },
  { value: 'max', label: 'Max' },
];

export const CHARTS: { value: ChartType; label: string; icon: string }[] = [
  { value: 'table', label: 'Table', icon: 'Grid' },
  { value: 'bar', label: 'Bar', icon: 'Histogram' },
  { value: 'line', label: 'Line', icon: 'TrendCharts' },
  { value: 'pie', label: 'Pie', icon: 'PieChart' },
  { value: 'number', label: 'Number', icon: 'Odometer' },
];

let nextKey = 1;
export const newKey = () => nextKey++;

export const isDateType = (t: FieldType | undefined) => t === 'DATE' || t === 'DATETIME';

/** Which fields an aggregation can take: sum and avg need numbers; count takes none. */
export function fieldsFor(agg: Agg, fields: Field[]): Field[] {
  if (agg === 'count') return [];
  if (agg === 'sum' || agg === 'avg') return fields.filter((f) => f.type === 'NUMBER');
  if (agg === 'min' || agg === 'max') return fields.filter((f) => f.type !== 'BOOLEAN');
  return fields;
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "board", or "Month of created_at" for a bucketed date. */
export function dimensionLabel(d: Pick<DimensionRow, 'field' | 'bucket'>): string {
  if (!d.field) return '';
  return d.bucket ? `${cap(d.bucket)} of ${d.field}` : d.field;
}

/** "Count", "Sum of hours", "Distinct customers". */
export function measureLabel(m: Pick<MeasureRow, 'agg' | 'field'>): string {
  if (m.agg === 'count') return 'Count';
  const word = { count_distinct: 'Distinct', sum: 'Sum of', avg: 'Average of', min: 'Min of', max: 'Max of' }[m.agg];
  if (!m.field) return AGGS.find((a) => a.value === m.agg)?.label ?? m.agg;
  return `${word} ${m.field}`;
}

/** The spec the form describes; empty parts are left out. */
export function toSpec(form: {
  name: string;
  dataset: string;
  chart: ChartType;
  dimensions: DimensionRow[];
  measures: MeasureRow[];
  filter: string;
  sortColumn: string;
  sortDesc: boolean;
  limit: number | null | undefined;
  stacked?: boolean;
}): WidgetSpec {
  const spec: WidgetSpec = {
    name: form.name.trim() || undefined,
    dataset: form.dataset,
    chart: form.chart,
    dimensions: form.dimensions.map((d) => ({
      field: d.field,
      label: d.label.trim() || dimensionLabel(d),
      ...(d.bucket ? { bucket: d.bucket } : {}),
    })),
    measures: form.measures.map((m) => ({
      agg: m.agg,
      ...(m.agg !== 'count' ? { field: m.field } : {}),
      label: m.label.trim() || measureLabel(m),
    })),
  };
  if (form.filter.trim()) spec.filter = form.filter.trim();
  if (form.sortColumn) spec.sort = `${form.sortDesc ? '-' : ''}${form.sortColumn}`;
  if (form.limit !== null && form.limit !== undefined) spec.limit = form.limit;
  if (form.stacked && form.chart === 'bar' && form.dimensions.length >= 2) spec.stacked = true;
  return spec;
}

/** Every dataset of the tenant, for the dataset select (the list pages by 100). */
export async function loadAllDatasets(): Promise<Dataset[]> {
  const out: Dataset[] = [];
  for (let page = 1; page <= 50; page++) {
    const r = await api<DatasetList>('GET', '/datasets', {
      query: { sort: 'name', order: 'asc', page, size: 100 },
    });
    out.push(...r.items);
    if (out.length >= r.total || r.items.length === 0) break;
  }
  return out;
}
