import type { EdmType } from '../../catalog/index.ts';
import { formatDateTime, objectsJson, type Encoder } from '../public/records-json.ts';

// Entity values in the OData JSON format (OData JSON Format 4.0, section 7.1): Int64 and
// Decimal as JSON numbers with their exact digits, or as strings when the client asked
// for IEEE754Compatible=true; Date "YYYY-MM-DD"; DateTimeOffset ISO 8601 in UTC.

const isNull = (v: unknown) => v === null || v === undefined;

function digits(v: unknown): string | null {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return v;
  return null;
}

const number =
  (quoted: boolean): Encoder =>
  (v) => {
    const d = digits(v);
    return d === null ? 'null' : quoted ? `"${d}"` : d;
  };

function encoders(ieee754: boolean): Record<EdmType, Encoder> {
  return {
    'Edm.String': (v) => (isNull(v) ? 'null' : JSON.stringify(typeof v === 'string' ? v : String(v))),
    'Edm.Int64': number(ieee754),
    'Edm.Decimal': number(ieee754),
    'Edm.Boolean': (v) => (isNull(v) ? 'null' : v === 1n || v === 1 || v === true ? 'true' : 'false'),
    'Edm.Date': (v) => (isNull(v) ? 'null' : JSON.stringify(String(v))),
    'Edm.DateTimeOffset': (v) => (isNull(v) ? 'null' : `"${formatDateTime(Number(v))}"`),
  };
}

const PLAIN = encoders(false);
const IEEE754 = encoders(true);

/** Rows (arrays in `types` order) as a JSON array of entities keyed by `names`. */
export function entitiesJson(
  names: readonly string[],
  types: readonly EdmType[],
  rows: readonly unknown[][],
  ieee754: boolean,
): string {
  const table = ieee754 ? IEEE754 : PLAIN;
  return objectsJson(
    names,
    types.map((t) => table[t]),
    rows,
  );
}
