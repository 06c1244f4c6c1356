import { DomainError } from './errors.ts';

/**
 * Text that no database column can hold. PostgreSQL's text type refuses U+0000 (SQLite
 * stores it), so every backend refuses it at the edge, where the client can be told which
 * parameter, property, line or field holds it.
 */
export const NUL_REASON = 'contains a NUL character (U+0000), which text values cannot hold';

/** Whether `s` holds U+0000. */
export function hasNul(s: string): boolean {
  return s.indexOf('\0') !== -1;
}

/**
 * The path of the first string, or object key, holding U+0000 inside a JSON-like value
 * (`name`, `dimensions[0].label`), or null when there is none. `root` prefixes the path;
 * a value that is itself such a string has the path `root`.
 *
 * @example nulPath({ a: ['x', 'y\0'] }, 'body') === 'body.a[1]'
 */
export function nulPath(value: unknown, root = ''): string | null {
  if (typeof value === 'string') return hasNul(value) ? root : null;
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${root}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  // Buffers and streams (uploads) are bytes, not JSON values. Other objects are walked
  // whatever their prototype: parsed query strings have a prototype of their own.
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === 'function') return null;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const here = root === '' ? key : `${root}.${key}`;
    // A key holding NUL is reported by its own path, which then shows the NUL (JSON-quoted).
    if (hasNul(key)) return here;
    const found = nulPath(v, here);
    if (found !== null) return found;
  }
  return null;
}

/**
 * A value the database refused as text it cannot store, when no check before it caught
 * the value: still a client's mistake. `statusCode` makes HTTP edges answer it with a 400.
 */
export class UnstorableTextError extends DomainError {
  readonly statusCode = 400;

  constructor() {
    super('INVALID_INPUT', `A value ${NUL_REASON}`);
    this.name = 'UnstorableTextError';
  }
}
