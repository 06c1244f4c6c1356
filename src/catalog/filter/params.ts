import type { Field } from '../types.ts';

// What the parsers of a request's parameters share: the parameters, how a refusal is
// raised and worded, and how a name finds its field.

/** Request parameters after URL or body decoding; a repeated parameter is an array. */
export type Params = Record<string, string | string[] | undefined>;

/**
 * Echoed values are cut at 100 characters: enough to recognise any sensible value,
 * and a megabyte-long parameter does not become a megabyte-long error body.
 */
const MAX_ECHO = 100;

/** Quotes client text for a message; JSON escaping keeps quotes and control characters visible. */
export function q(s: string): string {
  return JSON.stringify(s.length > MAX_ECHO ? `${s.slice(0, MAX_ECHO)}…` : s);
}

/** A refusal of the client's parameters; `parseQuery` turns it into its answer. */
export class ParamError extends Error {}

/** Refuses the parameters with `message`, for an HTTP 400 body. */
export function fail(message: string): never {
  throw new ParamError(message);
}

/** The one value of a parameter that may be given only once. */
export function single(name: string, raw: string | string[]): string {
  return Array.isArray(raw) ? fail(`Parameter ${q(name)} is given more than once`) : raw;
}

/** The field `name` resolves to, the candidates when it is ambiguous, or undefined when none matches. */
export function findField<F extends Pick<Field, 'name'>>(
  name: string,
  fields: readonly F[],
): F | readonly F[] | undefined {
  const exact = fields.find((f) => f.name === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const matches = fields.filter((f) => f.name.toLowerCase() === lower);
  if (matches.length === 0) return undefined;
  return matches.length === 1 ? matches[0] : matches;
}

/** Exact name first; else the one field whose name matches case-insensitively. */
export function resolveField(name: string, fields: readonly Field[], where: string): Field {
  const exact = fields.find((f) => f.name === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const matches = fields.filter((f) => f.name.toLowerCase() === lower);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    fail(
      `Ambiguous field ${q(name)}${where}: it matches ${matches.map((f) => q(f.name)).join(', ')}; use the exact name`,
    );
  }
  const names = fields.length > 0 ? fields.map((f) => f.name).join(', ') : '(none)';
  return fail(`Unknown field ${q(name)}${where}; fields are: ${names}`);
}
