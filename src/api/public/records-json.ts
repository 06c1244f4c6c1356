import type { Field, FieldType } from '../../catalog/index.ts';

/** DATETIME as the contract writes it: UTC, milliseconds only when there are some. */
export function formatDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, -5) + 'Z' : iso;
}

const ENCODERS: Record<FieldType, Encoder> = {
  TEXT: (v) => (v === null || v === undefined ? 'null' : JSON.stringify(typeof v === 'string' ? v : String(v))),
  // bigint digits are written as they are: 64-bit integers stay exact in the JSON text.
  NUMBER: (v) =>
    typeof v === 'bigint' ? v.toString() : typeof v === 'number' && Number.isFinite(v) ? String(v) : 'null',
  BOOLEAN: (v) => (v === null || v === undefined ? 'null' : v === 1n || v === 1 || v === true ? 'true' : 'false'),
  DATE: (v) => (v === null || v === undefined ? 'null' : JSON.stringify(String(v))),
  DATETIME: (v) => (v === null || v === undefined ? 'null' : `"${formatDateTime(Number(v))}"`),
};

/** Writes a value as JSON text. */
export type Encoder = (v: unknown) => string;

/**
 * Serialises rows (arrays of values in column order) as a JSON array of objects keyed by
 * `names`, each value written by the encoder of its column. Only the first
 * `names.length` values of a row are read. Names that look like numbers keep their
 * place: the text is written by hand, not through an object.
 */
export function objectsJson(
  names: readonly string[],
  encoders: readonly Encoder[],
  rows: readonly unknown[][],
): string {
  return '[' + objectsText(names, encoders, rows, ',') + ']';
}

/**
 * The same objects, one a line, each line ended by `\n` (NDJSON): values exactly as
 * `objectsJson` writes them.
 */
export function objectLines(names: readonly string[], encoders: readonly Encoder[], rows: readonly unknown[][]) {
  return rows.length === 0 ? '' : objectsText(names, encoders, rows, '\n') + '\n';
}

function objectsText(
  names: readonly string[],
  encoders: readonly Encoder[],
  rows: readonly unknown[][],
  separator: string,
): string {
  const n = names.length;
  const prefixes = names.map((name, i) => (i === 0 ? '{' : ',') + JSON.stringify(name) + ':');
  let out = '';
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (r > 0) out += separator;
    if (n === 0) out += '{';
    for (let i = 0; i < n; i++) out += prefixes[i] + encoders[i](row[i]);
    out += '}';
  }
  return out;
}

/** NUMBER as a JSON string of its exact digits (`_numbers=string`); null stays null. */
const numberAsText: Encoder = (v) => {
  const s = ENCODERS.NUMBER(v);
  return s === 'null' ? s : `"${s}"`;
};

/** How each field type's value is written in a dataset's records; with `numbersAsText`, NUMBER as a string. */
export function recordEncoders(numbersAsText = false): Readonly<Record<FieldType, Encoder>> {
  return numbersAsText ? { ...ENCODERS, NUMBER: numberAsText } : ENCODERS;
}

/**
 * Serialises raw rows (arrays in `fields` order) as a JSON array of objects keyed by field
 * name; with `numbersAsText`, NUMBER values are strings (spec section 12).
 */
export function recordsJson(fields: readonly Field[], rows: readonly unknown[][], numbersAsText = false): string {
  return objectsJson(
    fields.map((f) => f.name),
    fields.map((f) => (numbersAsText && f.type === 'NUMBER' ? numberAsText : ENCODERS[f.type])),
    rows,
  );
}
