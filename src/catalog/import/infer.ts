import type { FieldType } from '../types.ts';
import {
  IMPORT_RULES,
  isNumberLiteral,
  isTrueFalse,
  parseDate,
  parseDateTime,
  parseFormattedDate,
  parseFormattedDateTime,
  type DateFormat,
} from '../values/values.ts';
import { K_FALSE, K_JSON, K_NULL, K_STRING, K_TRUE } from './convert.ts';
import type { RawKind } from './convert.ts';

// The types a column can still be. The classes are disjoint except that a DATE value is
// also acceptable in a DATETIME column, so a value narrows the set to its own class.
const NUM = 1;
const BOOL = 2;
const DATE = 4;
const DATETIME = 8;
const ANY = NUM | BOOL | DATE | DATETIME;

/** Infers one column's type from its non-null values, narrowing as values arrive. */
export class TypeGuess {
  private mask = ANY;

  /** `dates`: a date format read besides ISO 8601 (`--date-format`), or null. */
  constructor(private readonly dates: DateFormat | null = null) {}

  /** True once the column can only be TEXT, so its later values need no look. */
  get settled(): boolean {
    return this.mask === 0;
  }

  /** Takes a non-empty text value (a CSV cell or a JSON string). */
  observe(s: string): void {
    const m = this.mask;
    if ((m & NUM) !== 0 && isNumberLiteral(s)) this.mask = m & NUM;
    else if ((m & BOOL) !== 0 && isTrueFalse(s)) this.mask = m & BOOL;
    else if ((m & (DATE | DATETIME)) !== 0) {
      if (parseDate(s, IMPORT_RULES) !== null) this.mask = m & (DATE | DATETIME);
      else if (parseDateTime(s, IMPORT_RULES) !== null) this.mask = m & DATETIME;
      else if (this.dates !== null) this.observeFormatted(s, m);
      else this.mask = 0;
    } else this.mask = 0;
  }

  /** A value that is no ISO date, read in the chosen date format. */
  private observeFormatted(s: string, m: number): void {
    const f = this.dates!;
    if (parseFormattedDate(s, f) !== null) this.mask = m & (DATE | DATETIME);
    else if (parseFormattedDateTime(s, f, IMPORT_RULES) !== null) this.mask = m & DATETIME;
    else this.mask = 0;
  }

  /** Takes a raw JSON value; an empty string counts as missing, as it does when converting. */
  observeJson(kind: RawKind, text: string): void {
    if (kind === K_NULL || this.mask === 0) return;
    if (kind === K_STRING) {
      if (text !== '') this.observe(text);
    } else if (kind === K_TRUE || kind === K_FALSE) {
      this.mask &= BOOL;
    } else if (kind === K_JSON) {
      this.mask = 0;
    } else {
      // A JSON number's text is a JSON number literal, so the text rules agree with it.
      this.observe(text);
    }
  }

  /** The inferred type: TEXT for a column without values or with mixed ones. */
  get type(): FieldType {
    const m = this.mask;
    if (m === ANY || m === 0) return 'TEXT';
    if (m & NUM) return 'NUMBER';
    if (m & BOOL) return 'BOOLEAN';
    if (m & DATE) return 'DATE';
    return 'DATETIME';
  }
}
