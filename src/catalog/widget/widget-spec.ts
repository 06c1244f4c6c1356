import type { FilterNode } from '../filter/filter-parser.ts';
import { parseQuery } from '../filter/query-parser.ts';
import { filterParams } from '../filter/scope.ts';
import { NUL_REASON, nulPath } from '../../shared/text.ts';
import { DATE_BUCKETS, type DateBucket, type Field, type FieldType } from '../types.ts';

export const CHARTS = ['table', 'bar', 'line', 'pie', 'number'] as const;
export type Chart = (typeof CHARTS)[number];

export const AGGS = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max'] as const;
export type Agg = (typeof AGGS)[number];

export interface DimensionSpec {
  readonly field: string;
  readonly label: string;
  readonly bucket?: DateBucket;
}

export interface MeasureSpec {
  readonly agg: Agg;
  readonly field?: string;
  readonly label: string;
}

/** A widget definition as spec section 7 writes it, after shape validation. */
export interface WidgetSpec {
  readonly name: string;
  readonly dataset: string;
  readonly chart: Chart;
  readonly dimensions: readonly DimensionSpec[];
  readonly measures: readonly MeasureSpec[];
  /** Filter-language parameters over the dataset's fields, e.g. `status=Open&priority=1,3`; '' = none. */
  readonly filter: string;
  /** Comma-separated column labels, `-` for descending; '' = dimensions ascending. */
  readonly sort: string;
  /** Caps the result after the sort; null = no cap. */
  readonly limit: number | null;
  /**
   * Display only: a bar chart with two dimensions stacks the second dimension's bars
   * instead of grouping them side by side. Present only when true.
   */
  readonly stacked?: true;
}

/** A dimension or measure resolved against a dataset: its result column and what it reads. */
export interface PlannedDimension {
  /** The result column: `name` is the label, `column` its alias (`d0`, `d1`, ...). */
  readonly column: Field;
  readonly field: Field;
  readonly bucket: DateBucket | null;
}

export interface PlannedMeasure {
  /** The result column: `name` is the label, `column` its alias (`m0`, `m1`, ...), type NUMBER. */
  readonly column: Field;
  readonly agg: Agg;
  /** null only for a count of rows. */
  readonly field: Field | null;
}

/** A widget resolved against its dataset's current fields: everything the query compiler needs. */
export interface WidgetPlan {
  readonly dimensions: readonly PlannedDimension[];
  readonly measures: readonly PlannedMeasure[];
  /** The widget's own filter, over the dataset's fields. */
  readonly filters: readonly FilterNode[];
  readonly sort: readonly { readonly column: Field; readonly asc: boolean }[];
  readonly limit: number | null;
  /** The result columns: dimensions, then measures. */
  readonly columns: readonly Field[];
}

export type SpecResult = { ok: true; spec: WidgetSpec } | { ok: false; message: string };
export type PlanResult = { ok: true; plan: WidgetPlan; spec: WidgetSpec } | { ok: false; message: string };

/**
 * The largest `limit`: far more rows than any chart or table a person reads, so a
 * larger number is taken for a mistake. A widget that wants every group leaves `limit` out.
 */
export const MAX_LIMIT = 1_000_000;
/** Aggregates that compute over a number; count and count_distinct take any field. */
const NUMERIC_AGGS: ReadonlySet<Agg> = new Set(['sum', 'avg', 'min', 'max']);
const PROPERTIES = ['name', 'dataset', 'chart', 'dimensions', 'measures', 'filter', 'sort', 'limit', 'stacked'];
// Echoed text is cut, as in the filter parser's messages.
const MAX_ECHO = 100;

class SpecError extends Error {}

function fail(message: string): never {
  throw new SpecError(message);
}

function q(s: string): string {
  return JSON.stringify(s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}…` : s);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return q(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKnown(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(`Unknown property ${q(k)}${where}; properties are: ${allowed.join(', ')}`);
  }
}

function text(v: unknown, name: string): string {
  if (typeof v !== 'string' || v.trim() === '')
    fail(`${name} must be a non-empty string, got ${v === undefined ? 'nothing' : describe(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], name: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    fail(`${name} must be one of ${allowed.join(', ')}, got ${v === undefined ? 'nothing' : describe(v)}`);
  }
  return v as T;
}

/**
 * Labels name result columns, which API parameters filter and sort by: `current`,
 * `size` and names beginning with `_` are pagination and options there, never columns.
 */
function label(v: unknown, name: string): string {
  const s = text(v, name);
  if (s === 'current' || s === 'size' || s.startsWith('_')) {
    fail(`${name} ${q(s)} can't name a column: "current", "size" and names beginning with "_" are API parameters`);
  }
  return s;
}

/** `-Sum,Board` → labels with their direction; a leading `-` always means descending. */
function sortItems(sort: string): { label: string; asc: boolean }[] {
  const textValue = sort.trim();
  if (textValue === '') return [];
  return textValue.split(',').map((item) => {
    const t = item.trim();
    const asc = !t.startsWith('-');
    const name = asc ? t : t.slice(1).trim();
    if (name === '') fail(`"sort" has an empty label in ${q(textValue)}`);
    return { label: name, asc };
  });
}

/**
 * Checks a widget spec's shape (spec section 7) without its dataset: required
 * properties, names of charts, aggregates and buckets, labels, sort and limit.
 * Never throws on client input.
 */
export function parseWidgetSpec(input: unknown): SpecResult {
  try {
    return { ok: true, spec: shapeOrThrow(input) };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, message: e.message };
    throw e;
  }
}

function shapeOrThrow(input: unknown): WidgetSpec {
  if (!isObject(input)) fail(`A widget spec must be a JSON object, got ${describe(input)}`);
  const nul = nulPath(input);
  if (nul !== null) fail(`${q(nul)} ${NUL_REASON}`);
  onlyKnown(input, PROPERTIES, ' in the widget spec');
  const name = text(input.name, '"name"').trim();
  const dataset = text(input.dataset, '"dataset"').trim();
  const chart = oneOf(input.chart, CHARTS, '"chart"');

  const list = (key: 'dimensions' | 'measures'): unknown[] => {
    const v = input[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) fail(`"${key}" must be an array, got ${describe(v)}`);
    return v;
  };
  const dimensions = list('dimensions').map((d, i): DimensionSpec => {
    const where = `dimensions[${i}]`;
    if (!isObject(d))
      fail(`${where} must be an object with "field", "label" and optionally "bucket", got ${describe(d)}`);
    onlyKnown(d, ['field', 'label', 'bucket'], ` in ${where}`);
    const field = text(d.field, `${where}.field`);
    const l = label(d.label, `${where}.label`);
    if (d.bucket === undefined || d.bucket === null) return { field, label: l };
    return { field, label: l, bucket: oneOf(d.bucket, DATE_BUCKETS, `${where}.bucket`) };
  });
  const measures = list('measures').map((m, i): MeasureSpec => {
    const where = `measures[${i}]`;
    if (!isObject(m))
      fail(`${where} must be an object with "agg", "label" and (except for count) "field", got ${describe(m)}`);
    onlyKnown(m, ['agg', 'field', 'label'], ` in ${where}`);
    const agg = oneOf(m.agg, AGGS, `${where}.agg`);
    const l = label(m.label, `${where}.label`);
    if (m.field === undefined || m.field === null) {
      if (agg !== 'count') fail(`${where} (${agg}) needs a "field"; only count can go without one`);
      return { agg, label: l };
    }
    return { agg, field: text(m.field, `${where}.field`), label: l };
  });
  if (dimensions.length === 0 && measures.length === 0) fail('A widget needs at least one dimension or measure');

  const labels = [...dimensions, ...measures].map((c) => c.label);
  const seen = new Set<string>();
  for (const l of labels) {
    if (seen.has(l)) fail(`The label ${q(l)} is used twice; labels name the result columns and must differ`);
    seen.add(l);
  }

  const filter = input.filter ?? '';
  if (typeof filter !== 'string')
    fail(
      `"filter" must be a string in the filter language such as "status=Open&priority=1,3", got ${describe(filter)}`,
    );
  const sort = input.sort ?? '';
  if (typeof sort !== 'string')
    fail(`"sort" must be a string of column labels such as "-Sum,Board", got ${describe(sort)}`);
  const sorted = new Set<string>();
  for (const item of sortItems(sort)) {
    if (!seen.has(item.label))
      fail(`"sort" names ${q(item.label)}, which is not a column label; labels are: ${labels.join(', ')}`);
    if (sorted.has(item.label)) fail(`"sort" names ${q(item.label)} more than once`);
    sorted.add(item.label);
  }
  const limit = input.limit ?? null;
  if (limit !== null && !(typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIMIT)) {
    fail(`"limit" must be a whole number from 1 to ${MAX_LIMIT}, got ${describe(limit)}`);
  }
  const stacked = input.stacked ?? false;
  if (typeof stacked !== 'boolean') fail(`"stacked" must be true or false, got ${describe(stacked)}`);
  const spec = { name, dataset, chart, dimensions, measures, filter, sort, limit: limit as number | null };
  return stacked ? { ...spec, stacked: true } : spec;
}

/** Exact name first; else the one field whose name matches case-insensitively (as in the filter language). */
function findField(name: string, fields: readonly Field[]): Field | undefined {
  const exact = fields.find((f) => f.name === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const matches = fields.filter((f) => f.name.toLowerCase() === lower);
  return matches.length === 1 ? matches[0] : undefined;
}

/** The widget's `filter` as request parameters, decoded like a query string (`+` and `%20` are spaces). */
export { filterParams };

/**
 * Resolves a spec against a dataset's current fields: every field exists and has a
 * usable type, the filter parses. Returns the plan the query compiler needs and the spec
 * with field names as the dataset spells them. Called on creation, and on every run,
 * so that a reload that removes a field is reported rather than failing in SQL.
 */
export function resolveWidget(spec: WidgetSpec, fields: readonly Field[], datasetName: string): PlanResult {
  try {
    return { ok: true, ...planOrThrow(spec, fields, datasetName) };
  } catch (e) {
    if (e instanceof SpecError) return { ok: false, message: e.message };
    throw e;
  }
}

function planOrThrow(
  spec: WidgetSpec,
  fields: readonly Field[],
  datasetName: string,
): { plan: WidgetPlan; spec: WidgetSpec } {
  const field = (name: string, where: string): Field => {
    const f = findField(name, fields);
    if (f) return f;
    const names = fields.length > 0 ? fields.map((x) => x.name).join(', ') : '(none)';
    return fail(`${where} names field ${q(name)}, which dataset ${q(datasetName)} does not have; fields are: ${names}`);
  };
  const result = (name: string, type: FieldType, column: string): Field => Object.freeze({ name, type, column });

  const dimensions = spec.dimensions.map((d, i): PlannedDimension => {
    const where = `dimensions[${i}]`;
    const f = field(d.field, where);
    if (d.bucket && f.type !== 'DATE' && f.type !== 'DATETIME') {
      fail(
        `${where} buckets field ${q(f.name)} by ${d.bucket}, but only DATE and DATETIME fields have ` +
          `buckets; ${q(f.name)} is ${f.type}`,
      );
    }
    return Object.freeze({
      column: result(d.label, d.bucket ? 'DATE' : f.type, `d${i}`),
      field: f,
      bucket: d.bucket ?? null,
    });
  });
  const measures = spec.measures.map((m, i): PlannedMeasure => {
    const where = `measures[${i}]`;
    const f = m.field === undefined ? null : field(m.field, where);
    if (f && NUMERIC_AGGS.has(m.agg) && f.type !== 'NUMBER') {
      fail(
        `${where} (${m.agg}) needs a NUMBER field; ${q(f.name)} is ${f.type} (count and count_distinct take any field)`,
      );
    }
    return Object.freeze({ column: result(m.label, 'NUMBER', `m${i}`), agg: m.agg, field: f });
  });

  const params = filterParams(spec.filter);
  for (const name of Object.keys(params)) {
    if (name === 'current' || name === 'size' || name.startsWith('_')) {
      fail(`"filter" takes only filters on fields; ${q(name)} is a paging parameter or an option`);
    }
  }
  const parsed = parseQuery(params, fields, { maxSize: 1 });
  if (!parsed.ok) fail(`"filter" is invalid: ${parsed.message}`);

  const columns = Object.freeze([...dimensions.map((d) => d.column), ...measures.map((m) => m.column)]);
  const sort = sortItems(spec.sort).map((s) =>
    Object.freeze({ column: columns.find((c) => c.name === s.label)!, asc: s.asc }),
  );
  const plan: WidgetPlan = Object.freeze({
    dimensions: Object.freeze(dimensions),
    measures: Object.freeze(measures),
    filters: parsed.query.filters,
    sort: Object.freeze(sort),
    limit: spec.limit,
    columns,
  });
  const canonical: WidgetSpec = {
    ...spec,
    dimensions: spec.dimensions.map((d, i) => ({ ...d, field: dimensions[i].field.name })),
    measures: spec.measures.map((m, i) => (measures[i].field ? { ...m, field: measures[i].field!.name } : m)),
  };
  return { plan, spec: canonical };
}

/**
 * The result columns with their types, as far as the dataset's current fields tell:
 * a dimension whose field is gone has type null. For listings, which show stale widgets too.
 */
export function widgetColumns(spec: WidgetSpec, fields: readonly Field[]): { name: string; type: FieldType | null }[] {
  return [
    ...spec.dimensions.map((d) => ({
      name: d.label,
      type: d.bucket ? ('DATE' as const) : (findField(d.field, fields)?.type ?? null),
    })),
    ...spec.measures.map((m) => ({ name: m.label, type: 'NUMBER' as const })),
  ];
}
