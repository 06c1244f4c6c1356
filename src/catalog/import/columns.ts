import type { FieldType } from '../types.ts';
import type { DateFormat } from '../values/values.ts';
import { ImportError } from './import-error.ts';
import { TypeGuess } from './infer.ts';

/**
 * The most fields a file may have: below PostgreSQL's 1,600 columns per table and SQLite's
 * default of 2,000, so any accepted file can be stored; it also stops a JSON file whose keys
 * are data (a new key per object) from growing the field list without bound.
 */
export const MAX_FIELDS = 1000;

/** Pass 1's view of one field: a type forced by the caller, or a guess built from the values. */
export interface ColumnCheck {
  readonly name: string;
  readonly forced: FieldType | null;
  readonly guess: TypeGuess | null;
}

/** Creates the check for a field, forced when `types` names it; `dates` is a date format read besides ISO 8601. */
export function columnCheck(
  name: string,
  types: ReadonlyMap<string, FieldType>,
  dates: DateFormat | null = null,
): ColumnCheck {
  const forced = types.get(name) ?? null;
  return { name, forced, guess: forced === null ? new TypeGuess(dates) : null };
}

/** The field's final type. */
export function typeOf(column: ColumnCheck): FieldType {
  return column.forced ?? column.guess?.type ?? 'TEXT';
}

/** Refuses a `types` entry that names no field of the file. */
export function checkTypesKnown(file: string, names: readonly string[], types: ReadonlyMap<string, FieldType>): void {
  const known = new Set(names);
  for (const name of types.keys()) {
    if (!known.has(name)) {
      // A wide file would make an unreadable message; the first fields are enough to spot a typo.
      const shown =
        names
          .slice(0, 20)
          .map((n) => `"${n}"`)
          .join(', ') + (names.length > 20 ? ', ...' : '');
      throw new ImportError(file, null, `a type is given for unknown field "${name}"; the fields are ${shown}`);
    }
  }
}
