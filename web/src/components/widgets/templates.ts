// Template widgets: ready widget specs for common MSP data. An admin applies one to a
// dataset by mapping each template field to a field of the dataset (only fields of a
// fitting type are offered); the result is an ordinary widget spec. Pure, no I/O.
import type { Field, FieldType, WidgetSpec } from '../../api-types.ts';

/** A widget spec without its name and dataset. */
export type TemplateSpec = Pick<WidgetSpec, 'chart' | 'dimensions' | 'measures' | 'sort' | 'stacked'>;

/** A field a template needs: what it means, the types that fit, and names it is often called. */
export interface TemplateField {
  readonly key: string;
  readonly label: string;
  readonly types: readonly FieldType[];
  /** Lower-case names or name parts tried, in order, to pre-select a dataset field. */
  readonly guesses: readonly string[];
}

export interface WidgetTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** The kind of data it is for ("Tickets", "Devices"): a tag on its card. */
  readonly data: string;
  readonly chart: WidgetSpec['chart'];
  readonly fields: readonly TemplateField[];
  /** The spec, with the dataset's field names in place of the template's keys. */
  spec(f: Readonly<Record<string, string>>): TemplateSpec;
}

const DATES: FieldType[] = ['DATE', 'DATETIME'];
const NUMBER: FieldType[] = ['NUMBER'];
const LABEL: FieldType[] = ['TEXT', 'NUMBER', 'BOOLEAN'];

export const TEMPLATES: readonly WidgetTemplate[] = [
  {
    id: 'tickets-by-status-month',
    name: 'Tickets by status and month',
    description: 'How many tickets were opened each month, stacked by their status.',
    data: 'Tickets',
    chart: 'bar',
    fields: [
      { key: 'date', label: 'Opened on', types: DATES, guesses: ['opened', 'created', 'date_entered', 'date'] },
      { key: 'status', label: 'Status', types: LABEL, guesses: ['status', 'state'] },
    ],
    spec: (f) => ({
      chart: 'bar',
      dimensions: [
        { field: f.date, label: 'Month', bucket: 'month' },
        { field: f.status, label: 'Status' },
      ],
      measures: [{ agg: 'count', label: 'Tickets' }],
      sort: 'Month',
      stacked: true,
    }),
  },
  {
    id: 'hours-by-board',
    name: 'Hours by board',
    description: 'Hours logged on each service board, largest first.',
    data: 'Time entries',
    chart: 'bar',
    fields: [
      { key: 'board', label: 'Board', types: LABEL, guesses: ['board', 'queue', 'team'] },
      { key: 'hours', label: 'Hours', types: NUMBER, guesses: ['hours', 'actual_hours', 'duration', 'time'] },
    ],
    spec: (f) => ({
      chart: 'bar',
      dimensions: [{ field: f.board, label: 'Board' }],
      measures: [{ agg: 'sum', field: f.hours, label: 'Hours' }],
      sort: '-Hours',
    }),
  },
  {
    id: 'hours-by-technician-month',
    name: 'Hours by technician and month',
    description: 'Hours each technician logged per month, side by side.',
    data: 'Time entries',
    chart: 'bar',
    fields: [
      { key: 'date', label: 'Worked on', types: DATES, guesses: ['date', 'worked', 'start', 'created'] },
      { key: 'tech', label: 'Technician', types: LABEL, guesses: ['technician', 'member', 'tech', 'owner', 'user'] },
      { key: 'hours', label: 'Hours', types: NUMBER, guesses: ['hours', 'actual_hours', 'duration'] },
    ],
    spec: (f) => ({
      chart: 'bar',
      dimensions: [
        { field: f.date, label: 'Month', bucket: 'month' },
        { field: f.tech, label: 'Technician' },
      ],
      measures: [{ agg: 'sum', field: f.hours, label: 'Hours' }],
      sort: 'Month',
    }),
  },
  {
    id: 'devices-by-os',
    name: 'Devices by operating system',
    description: 'The share of managed devices on each operating system.',
    data: 'Devices',
    chart: 'pie',
    fields: [{ key: 'os', label: 'Operating system', types: LABEL, guesses: ['os', 'operating_system', 'platform'] }],
    spec: (f) => ({
      chart: 'pie',
      dimensions: [{ field: f.os, label: 'OS' }],
      measures: [{ agg: 'count', label: 'Devices' }],
      sort: '-Devices',
    }),
  },
  {
    id: 'invoices-by-month',
    name: 'Invoiced amount by month',
    description: 'The total invoiced each month, as a line.',
    data: 'Invoices',
    chart: 'line',
    fields: [
      { key: 'date', label: 'Invoice date', types: DATES, guesses: ['invoice_date', 'date', 'created', 'issued'] },
      { key: 'amount', label: 'Amount', types: NUMBER, guesses: ['amount', 'total', 'value', 'price'] },
    ],
    spec: (f) => ({
      chart: 'line',
      dimensions: [{ field: f.date, label: 'Month', bucket: 'month' }],
      measures: [{ agg: 'sum', field: f.amount, label: 'Amount' }],
      sort: 'Month',
    }),
  },
  {
    id: 'tickets-by-priority',
    name: 'Tickets by priority',
    description: 'How many tickets there are of each priority.',
    data: 'Tickets',
    chart: 'bar',
    fields: [{ key: 'priority', label: 'Priority', types: LABEL, guesses: ['priority', 'severity', 'urgency'] }],
    spec: (f) => ({
      chart: 'bar',
      dimensions: [{ field: f.priority, label: 'Priority' }],
      measures: [{ agg: 'count', label: 'Tickets' }],
      sort: 'Priority',
    }),
  },
  {
    id: 'ticket-count',
    name: 'Ticket count',
    description: 'One number: how many tickets the dataset holds.',
    data: 'Tickets',
    chart: 'number',
    fields: [],
    spec: () => ({ chart: 'number', dimensions: [], measures: [{ agg: 'count', label: 'Tickets' }] }),
  },
];

/** The dataset fields a template field can map to: those of a fitting type. */
export function fittingFields(tf: TemplateField, fields: readonly Field[]): Field[] {
  return fields.filter((f) => tf.types.includes(f.type));
}

/**
 * A first mapping: for each template field, the fitting dataset field whose name is a
 * guess (exactly, then containing it, case-insensitively); '' where none is. A dataset
 * field is used for one template field at most.
 */
export function guessMapping(t: WidgetTemplate, fields: readonly Field[]): Record<string, string> {
  const used = new Set<string>();
  const out: Record<string, string> = {};
  for (const tf of t.fields) {
    const fit = fittingFields(tf, fields).filter((f) => !used.has(f.name));
    const lower = (f: Field) => f.name.toLowerCase();
    let found: Field | undefined;
    for (const g of tf.guesses) {
      found = fit.find((f) => lower(f) === g) ?? fit.find((f) => lower(f).includes(g));
      if (found) break;
    }
    out[tf.key] = found?.name ?? '';
    if (found) used.add(found.name);
  }
  return out;
}

/** Why a mapping can't be applied yet (a field missing or of a type that doesn't fit), or null. */
export function mappingProblem(
  t: WidgetTemplate,
  mapping: Readonly<Record<string, string>>,
  fields: readonly Field[],
): string | null {
  for (const tf of t.fields) {
    const name = mapping[tf.key];
    if (!name) return `Choose the dataset field for “${tf.label}”`;
    const f = fields.find((x) => x.name === name);
    if (!f) return `The dataset has no field “${name}”`;
    if (!tf.types.includes(f.type))
      return `“${tf.label}” needs a ${tf.types.join(' or ')} field; “${name}” is ${f.type}`;
  }
  return null;
}

/** The widget spec of a template applied to a dataset with a mapping (check `mappingProblem` first). */
export function applyTemplate(
  t: WidgetTemplate,
  dataset: string,
  mapping: Readonly<Record<string, string>>,
  name = t.name,
): WidgetSpec {
  return { name, dataset, ...t.spec(mapping) };
}
