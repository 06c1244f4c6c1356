import type { Field, FieldType } from '../../catalog/index.ts';
import { formatDateTime, objectsJson, type Encoder } from './records-json.ts';

const isMissing = (v: unknown) => v === null || v === undefined;

/** A number as text: bigint digits exactly, a double in its shortest round-trip form ("3", "12.5"). */
function numberText(v: unknown): string | null {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  return isMissing(v) ? null : String(v);
}

/** Every value as the JSON text of a string, or `null` (spec section 4, widget success). */
const ENCODERS: Record<FieldType, Encoder> = {
  TEXT: (v) => (isMissing(v) ? 'null' : JSON.stringify(String(v))),
  NUMBER: (v) => {
    const s = numberText(v);
    return s === null ? 'null' : JSON.stringify(s);
  },
  BOOLEAN: (v) => (isMissing(v) ? 'null' : v === 1n || v === 1 || v === true ? '"true"' : '"false"'),
  DATE: (v) => (isMissing(v) ? 'null' : JSON.stringify(String(v))),
  DATETIME: (v) => (isMissing(v) ? 'null' : `"${formatDateTime(Number(v))}"`),
};

/** How each column type's value is written in a widget's result rows. */
export const WIDGET_ENCODERS: Readonly<Record<FieldType, Encoder>> = ENCODERS;

/**
 * Serialises raw result rows as a JSON array of objects keyed by column label, in
 * column order, every value a string or null.
 */
export function widgetRowsJson(columns: readonly Field[], rows: readonly unknown[][]): string {
  return objectsJson(
    columns.map((c) => c.name),
    columns.map((c) => ENCODERS[c.type]),
    rows,
  );
}
