import type { FastifyRequest } from 'fastify';
import type { Params } from '../../catalog/index.ts';

export type ParamsResult = { ok: true; params: Params } | { ok: false; message: string };

function fromBodyValue(name: string, v: unknown): string | string[] | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return '';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) {
    return v.map(String);
  }
  return null;
}

/**
 * The request's parameters: the query string, then a form or JSON body whose values win
 * over query values of the same name (spec section 2).
 */
export function requestParams(req: FastifyRequest): ParamsResult {
  const params: Params = { ...(req.query as Params) };
  const body = req.body;
  if (body === undefined || body === null || body === '') return { ok: true, params };
  if (typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'The request body must be an object of parameter names to string values' };
  }
  for (const [name, v] of Object.entries(body as Record<string, unknown>)) {
    const value = fromBodyValue(name, v);
    if (value === null) {
      return {
        ok: false,
        message: `Body parameter "${name}" must be a string, got ${Array.isArray(v) ? 'a nested array' : typeof v}`,
      };
    }
    params[name] = value;
  }
  return { ok: true, params };
}
