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

/**
 * Seals and opens a cursor's text (authenticated encryption under a key of the server
 * secret, `v1.` and base64url): what every node sharing the secret can open, and no client.
 */
export interface CursorBox {
  encrypt(text: string): string;
  /** Throws when `box` was not sealed with this key or was changed. */
  decrypt(box: string): string;
}

// Inside the seal, format 1: `1.<dataset id>.<version>.<row>`. The format number lets a
// later format be told apart from this one.
const FORMAT = /^1\.([0-9]{1,20})\.([0-9]{1,15})\.([0-9]{1,15})$/;
const SEAL_PREFIX = 'v1.';
// Far longer than any cursor this module makes; longer text is refused before it is opened.
const MAX_CURSOR_CHARS = 200;

/**
 * The cursor as opaque base64url text. Sealed, so that a client can neither read the row
 * number (which would tell a scoped key how many rows outside its scope lie between its
 * own) nor make one up. The rows a page may hold (the key's scope, the filters) come
 * from the request, never from the cursor.
 */
export function encodeCursor(c: PageCursor, box: CursorBox): string {
  const sealed = box.encrypt(`1.${c.datasetId}.${c.version}.${c.row}`);
  return sealed.startsWith(SEAL_PREFIX) ? sealed.slice(SEAL_PREFIX.length) : sealed;
}

/** The cursor `text` names, or null when it is not one this service made. */
export function decodeCursor(text: string, box: CursorBox): PageCursor | null {
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let opened: string;
  try {
    opened = box.decrypt(SEAL_PREFIX + text);
  } catch {
    return null;
  }
  const m = FORMAT.exec(opened);
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
export function checkCursor(
  text: string,
  ds: { readonly id: string; readonly version: number },
  box: CursorBox,
): CursorCheck {
  if (text === '') return { ok: true, row: 0 };
  const c = decodeCursor(text, box);
  if (c === null) return { ok: false, reason: 'INVALID' };
  if (c.datasetId !== ds.id) return { ok: false, reason: 'OTHER_DATASET' };
  if (c.version !== ds.version) return { ok: false, reason: 'STALE', version: c.version };
  return { ok: true, row: c.row };
}
