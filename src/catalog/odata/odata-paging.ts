// Server-driven paging (OData 4.0 Part 1, section 11.2.5.7): the skip token of a next
// link and the page size a request's `Prefer` header asks for. Pure.

/**
 * The data a next link was made from: a dataset's version, or a widget's definition
 * version and its dataset's version. Rows and their row numbers are fixed within it.
 */
export type DataVersion = { readonly dataset: number; readonly widget?: number };

/** What a skip token carries: the data version, and how many entities of the window came before the page. */
export interface SkipToken {
  readonly version: DataVersion;
  readonly position: number;
}

/**
 * `d<dataset version>.<position>`, or `w<widget version>.d<dataset version>.<position>`.
 * Readable on purpose: it holds nothing a client may not know (the versions are in
 * `X-Dataset-Version` on /api/), and a client that edits it only pages differently.
 */
export function encodeSkipToken(t: SkipToken): string {
  const w = t.version.widget === undefined ? '' : `w${t.version.widget}.`;
  return `${w}d${t.version.dataset}.${t.position}`;
}

/** The token, or null when it is not one this service made. */
export function decodeSkipToken(text: string): SkipToken | null {
  const m = /^(?:w(\d{1,15})\.)?d(\d{1,15})\.(\d{1,15})$/.exec(text);
  if (m === null) return null;
  const version = m[1] === undefined ? { dataset: Number(m[2]) } : { dataset: Number(m[2]), widget: Number(m[1]) };
  return { version, position: Number(m[3]) };
}

/** Whether two data versions are the same. */
export function sameVersion(a: DataVersion, b: DataVersion): boolean {
  return a.dataset === b.dataset && a.widget === b.widget;
}

/** A data version as a person reads it, for the 410's message. */
export function describeVersion(v: DataVersion): string {
  return v.widget === undefined
    ? `dataset version ${v.dataset}`
    : `widget version ${v.widget}, dataset version ${v.dataset}`;
}

/**
 * The page size a `Prefer` header asks for (`odata.maxpagesize=N`, or 4.01's `maxpagesize`),
 * or undefined; a preference that is not a positive integer is ignored, as preferences may be.
 */
export function preferredPageSize(prefer: string | string[] | undefined): number | undefined {
  const text = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
  for (const part of text.split(',')) {
    const m = /^\s*(?:odata\.)?maxpagesize\s*=\s*"?(\d{1,9})"?\s*$/i.exec(part);
    if (m !== null && Number(m[1]) >= 1) return Number(m[1]);
  }
  return undefined;
}
