// The keyset cursor of dataset pages (`_after`, `data.next`): where the next page starts
// in natural order. Pure.

/** What a cursor carries: the dataset and the version of its rows, and the `_row` the page starts after. */
export interface PageCursor {
  readonly datasetId: string;
  readonly version: number;
  /** The last row of the previous page; the page holds rows with a greater `_row`. */
  readonly row: number;
}

/** How a cursor text relates to the dataset it is used on. */
export type CursorCheck =
  | { readonly ok: true; readonly row: number }
  | { readonly ok: false; readonly reason: 'INVALID' | 'OTHER_DATASET' }
  | { readonly ok: false; readonly reason: 'STALE'; readonly version: number };

// Format 1: `1.<dataset id>.<version>.<row>`, base64url. The format number lets a later
// format be told apart from this one.
const FORMAT = /^1\.([0-9]{1,20})\.([0-9]{1,15})\.([0-9]{1,15})$/;
// Far longer than any cursor this module makes; longer text is refused before it is decoded.
const MAX_CURSOR_CHARS = 100;

/**
 * The cursor as base64url text. Opaque to clients, but not secret and not signed: it
 * holds only a position that paging reaches anyway, and the rows a page may hold (the
 * key's scope, the filters) come from the request, never from the cursor.
 */
export function encodeCursor(c: PageCursor): string {
  return Buffer.from(`1.${c.datasetId}.${c.version}.${c.row}`, 'utf8').toString('base64url');
}

/** The cursor `text` names, or null when it is not one this service made. */
export function decodeCursor(text: string): PageCursor | null {
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const m = FORMAT.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (m === null) return null;
  const version = Number(m[2]);
  const row = Number(m[3]);
  if (!Number.isSafeInteger(version) || !Number.isSafeInteger(row)) return null;
  return { datasetId: m[1], version, row };
}

/**
 * Checks `_after` against the dataset read: `''` starts at the first row; a cursor of
 * another dataset is refused, one of another version of this dataset is stale (its
 * positions are those of other rows).
 */
export function checkCursor(text: string, ds: { readonly id: string; readonly version: number }): CursorCheck {
  if (text === '') return { ok: true, row: 0 };
  const c = decodeCursor(text);
  if (c === null) return { ok: false, reason: 'INVALID' };
  if (c.datasetId !== ds.id) return { ok: false, reason: 'OTHER_DATASET' };
  if (c.version !== ds.version) return { ok: false, reason: 'STALE', version: c.version };
  return { ok: true, row: c.row };
}
