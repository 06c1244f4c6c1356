import type { Field, FieldType } from '../types.ts';

// The entity model of the OData feed: one entity set per dataset or widget bound to the
// key, each property a field (or a widget column) under a name that is an OData
// identifier. Pure: the routes gather the resources and which NUMBER fields hold only
// 64-bit integers; this file names and types them.

/** The EDM primitive types the feed uses. */
export type EdmType = 'Edm.String' | 'Edm.Int64' | 'Edm.Decimal' | 'Edm.Boolean' | 'Edm.Date' | 'Edm.DateTimeOffset';

/** One property of an entity type: its OData name, EDM type and the field it reads. */
export interface ODataProperty {
  readonly name: string;
  readonly edm: EdmType;
  readonly field: Field;
}

/** One entity set: its name (also its entity type's), key property and properties. */
export interface EntitySet {
  readonly name: string;
  readonly kind: 'dataset' | 'widget';
  readonly id: string;
  /** The synthetic key (an Edm.Int64 row number); never one of `properties`. */
  readonly key: string;
  /**
   * A dataset's key as a field over its `_row` column (the row's place in the load
   * order of the dataset's version), so that `$filter` and `$orderby` may name it;
   * null for a widget, whose row numbers are places in its result.
   */
  readonly keyField: Field | null;
  readonly properties: readonly ODataProperty[];
  /** Property name → field, for `$filter`, `$orderby` and `$select`. */
  readonly byName: ReadonlyMap<string, Field>;
}

/** What the routes know of a bound resource. */
export interface ModelSource {
  readonly kind: 'dataset' | 'widget';
  readonly id: string;
  readonly name: string;
  readonly fields: readonly Field[];
  /** Columns of the NUMBER fields whose every value is an integer within 64 bits (Edm.Int64). */
  readonly int64Columns: ReadonlySet<string>;
}

/** A dataset table's row number column: dense from 1 in load order (see catalog/query/README.md). */
const ROW_COLUMN = '_row';

/** OData identifiers (odataIdentifier in the ABNF) are at most 128 characters. */
const MAX_IDENTIFIER = 128;

/** The name of the synthetic key property, suffixed when a field already has it. */
export const ROW_KEY = 'RowNumber';

/**
 * `name` as an OData identifier: a letter or `_` first, then letters, digits and `_`;
 * every run of other characters becomes one `_`, and a name that starts with a digit
 * gets a leading `_`. Unique among `taken` with a suffix `_2`, `_3`, ….
 *
 * @example odataIdentifier('Real Name', new Set()) === 'Real_Name'
 */
export function odataIdentifier(name: string, taken: Set<string>): string {
  let id = name.normalize('NFC').replace(/[^\p{L}\p{Nl}\p{Nd}_]+/gu, '_');
  if (id === '' || id === '_') id = 'Field';
  if (!/^[\p{L}\p{Nl}_]/u.test(id)) id = `_${id}`;
  id = [...id].slice(0, MAX_IDENTIFIER - 6).join('');
  let unique = id;
  // Case-insensitively unique: Excel and Power BI treat column names without case.
  const lowerTaken = new Set([...taken].map((t) => t.toLowerCase()));
  for (let n = 2; lowerTaken.has(unique.toLowerCase()); n++) unique = `${id}_${n}`;
  taken.add(unique);
  return unique;
}

function edmType(type: FieldType, int64: boolean): EdmType {
  switch (type) {
    case 'TEXT':
      return 'Edm.String';
    case 'NUMBER':
      return int64 ? 'Edm.Int64' : 'Edm.Decimal';
    case 'BOOLEAN':
      return 'Edm.Boolean';
    case 'DATE':
      return 'Edm.Date';
    case 'DATETIME':
      return 'Edm.DateTimeOffset';
  }
}

/**
 * The entity sets for the key's resources, in the order given (datasets, then widgets):
 * set names unique across the service, property names unique within their type and
 * never the key's.
 */
export function buildModel(sources: readonly ModelSource[]): EntitySet[] {
  const setNames = new Set<string>();
  return sources.map((src) => {
    const taken = new Set<string>();
    const props = src.fields.map((f) => ({ f, name: odataIdentifier(f.name, taken) }));
    const key = odataIdentifier(ROW_KEY, taken);
    const properties = props.map(({ f, name }) =>
      Object.freeze({ name, field: f, edm: edmType(f.type, src.int64Columns.has(f.column)) }),
    );
    const keyField: Field | null =
      src.kind === 'dataset' ? Object.freeze({ name: key, type: 'NUMBER', column: ROW_COLUMN }) : null;
    const byName = new Map(properties.map((p) => [p.name, p.field]));
    if (keyField) byName.set(key, keyField);
    return Object.freeze({
      name: odataIdentifier(src.name, setNames),
      kind: src.kind,
      id: src.id,
      key,
      keyField,
      properties: Object.freeze(properties),
      byName,
    });
  });
}
