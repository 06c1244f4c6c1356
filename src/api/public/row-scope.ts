// What the public routes share about a binding's row scope: how it names cached pages and
// how a scope that no longer compiles is reported.

/**
 * What names a page in the page cache: the table and, for a scoped binding, the scope,
 * so that two keys with different scopes never share a page. The key's parameters
 * follow as `\u0000[`, which a scope's JSON (`\u0000scope"`) can't be confused with.
 */
export function scopedCacheName(name: string, where: string): string {
  return where === '' ? name : `${name}\u0000scope${JSON.stringify(where)}`;
}

/** The 409's message: names the binding and its broken field, never the scope's values. */
export function scopeBrokenMessage(type: 'dataset' | 'widget', id: string, field: string): string {
  return (
    `The row scope of this key's binding to ${type} "${id}" no longer fits the dataset: its field ` +
    `${JSON.stringify(field)} is gone or of another type; an admin must fix or remove the scope`
  );
}
