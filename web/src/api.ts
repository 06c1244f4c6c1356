// The console's one door to the server: the admin API (docs/admin-api.md) and, for
// "Try it", the public API. Every state-changing call carries the session's CSRF token.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

// JSON.parse rounds integers beyond 2^53 (ids such as 1534956341424005122); with the
// source text (JSON.parse source text access, Chrome 114+, Firefox 135+, Safari 18.4+)
// they keep their exact digits, as strings, so the console shows what clients receive.
const keepBigIntegers: Reviver = (_key, value, context) =>
  typeof value === 'number' && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)
    ? context.source
    : value;

/** JSON.parse that keeps integers too large for a double exact (as strings). */
export function parseExact(text: string): any {
  return JSON.parse(text, keepBigIntegers as (this: unknown, key: string, value: unknown) => unknown);
}

/** Remembers the session's CSRF token (from GET/POST /admin/api/session). */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

type Query = Record<string, string | number | boolean | undefined | null>;

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.append(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

async function failure(res: Response): Promise<ApiError> {
  let body: any = null;
  try {
    body = parseExact(await res.text());
  } catch {
    /* not JSON */
  }
  const e = body?.error;
  return new ApiError(
    res.status,
    e?.code ?? `HTTP_${res.status}`,
    e?.message ?? `The server answered ${res.status} ${res.statusText}`,
    e?.requestId,
  );
}

/** Calls the admin API; `path` is relative to /admin/api. Throws ApiError with the server's message. */
export async function api<T = any>(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== 'GET' && method !== 'HEAD') headers['x-csrf-token'] = csrfToken;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(`/admin/api${path}`, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const err = await failure(res);
    if (err.status === 401 && err.code === 'UNAUTHENTICATED')
      window.dispatchEvent(new CustomEvent('datagate:signed-out'));
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return parseExact(await res.text()) as T;
}

/** Uploads a file's bytes with progress (fetch has no upload progress; XHR does), its dates read in `dateFormat`. */
export function upload<T = any>(
  file: File,
  onProgress: (fraction: number) => void,
  reload?: string,
  dateFormat?: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(
      'POST',
      withQuery('/admin/api/uploads', {
        filename: file.name,
        ...(reload ? { reload } : {}),
        ...(dateFormat ? { dateFormat } : {}),
      }),
    );
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: any = null;
      try {
        body = parseExact(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as T);
      const e = body?.error;
      reject(
        new ApiError(
          xhr.status,
          e?.code ?? `HTTP_${xhr.status}`,
          e?.message ?? `The upload failed with HTTP ${xhr.status}`,
          e?.requestId,
        ),
      );
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload could not reach the server'));
    xhr.send(file);
  });
}
