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
  // Depth first with a stack of its own: a body nested thousands deep must neither
  // overflow the call stack nor build a path string per level (a path is a linked list
  // of steps, spelled out only for the holder found). Children are pushed last first,
  // so the first holder found is the first in document order.
  interface Step {
    readonly parent: Step | null;
    readonly key: string | number;
  }
  const spell = (step: Step | null): string => {
    const keys: (string | number)[] = [];
    for (let s = step; s !== null; s = s.parent) keys.push(s.key);
    let out = root;
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i];
      out = typeof k === 'number' ? `${out}[${k}]` : out === '' ? k : `${out}.${k}`;
    }
    return out;
  };
  const stack: [unknown, Step | null][] = [[value, null]];
  while (stack.length > 0) {
    const [v, step] = stack.pop()!;
    if (typeof v === 'string') {
      if (hasNul(v)) return spell(step);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { parent: step, key: i }]);
      continue;
    }
    // Buffers and streams (uploads) are bytes, not JSON values. Other objects are walked
    // whatever their prototype: parsed query strings have a prototype of their own.
    if (ArrayBuffer.isView(v) || typeof (v as { pipe?: unknown }).pipe === 'function') continue;
    const entries = Object.entries(v as Record<string, unknown>);
    // A key holding NUL is reported by its own path, which then shows the NUL (JSON-quoted).
    for (const [key] of entries) if (hasNul(key)) return spell({ parent: step, key });
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i][1], { parent: step, key: entries[i][0] }]);
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

/**
 * Lower-cases text one code point at a time with Unicode's simple mapping, as
 * PostgreSQL's lower() does under a UTF-8 locale: "É" is "é", "İ" is "i", "Σ" is
 * always "σ" (never the final "ς"), "ẞ" is "ß", and no character becomes two.
 * JavaScript's toLowerCase() agrees on everything but "İ" and a final "Σ".
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (!/[\u0130\u03a3]/.test(text)) return lower;
  let out = '';
  for (const ch of text) out += ch === '\u0130' ? 'i' : ch === '\u03a3' ? '\u03c3' : ch.toLowerCase();
  return out;
}
