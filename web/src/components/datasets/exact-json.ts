// Reads an admin API answer whose rows may hold 64-bit integers (ids such as
// 1534956341424005122). JSON.parse would round them to the nearest double; here an
// integer too large for a double keeps its exact digits, as a string, so the console
// shows what a client of the public API receives.
import { ApiError } from '../../api.ts';

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const keepBigIntegers: Reviver = (_key, value, context) => {
  // `context.source` is the value's JSON text (JSON.parse source text access; Chrome 114+,
  // Firefox 135+, Safari 18.4+). Without it the value stays a (rounded) number.
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)) {
    return context.source;
  }
  return value;
};

/** GET /admin/api{path} like `api('GET', path)`, keeping big integers exact. */
export async function getExact<T>(path: string): Promise<T> {
  const res = await fetch(`/admin/api${path}`, { credentials: 'same-origin' });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text, keepBigIntegers as (this: unknown, key: string, value: unknown) => unknown);
  } catch {
    /* not JSON */
  }
  if (!res.ok) {
    const e = body?.error;
    const err = new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `The server answered ${res.status} ${res.statusText}`,
      e?.requestId,
    );
    if (err.status === 401 && err.code === 'UNAUTHENTICATED')
      window.dispatchEvent(new CustomEvent('datagate:signed-out'));
    throw err;
  }
  return body as T;
}
