/**
 * Checks each answer against the contract. The error catalogs are read from the code
 * in the one place below (CATALOG), so that this module follows them when they move.
 */
import { ADMIN_ERRORS } from '../../src/api/admin/admin-context.ts';
import { publicErrorBody } from '../../src/http/public-replies.ts';
import { PUBLIC_ERRORS, type PublicErrorCode } from '../../src/shared/errors.ts';
import type { Fixture, FxKey } from './fixture.ts';
import { REQUEST_ID } from './generate.ts';
import type { WireAnswer } from './wire.ts';

// ---- The catalogs (the only imports from the server's code) -------------------------

interface PublicShape {
  readonly code: string;
  readonly status: number;
  /** The exact body, when the contract fixes it; otherwise the envelope's `code`. */
  readonly exact?: string;
  readonly envelopeCode?: number;
}

const PUBLIC_SHAPES: readonly PublicShape[] = (Object.keys(PUBLIC_ERRORS) as PublicErrorCode[]).map((code) => {
  const a = publicErrorBody(code, 'one');
  const b = publicErrorBody(code, 'two');
  const status = PUBLIC_ERRORS[code].status;
  return a === b
    ? { code, status, exact: a }
    : { code, status, envelopeCode: (JSON.parse(a) as { code: number }).code };
});

const ADMIN_CODES = new Map<string, number>(Object.entries(ADMIN_ERRORS).map(([code, v]) => [code, v.status]));

// ---- What a request was, as the generator knows it -----------------------------------

export interface Intent {
  /** Which API answers: its error bodies differ. `other`: console, ops routes. */
  readonly area: 'public' | 'admin' | 'odata' | 'other';
  readonly method: string;
  /** The key the request carries correctly (apikey header or Bearer), if any. */
  readonly key?: FxKey;
  /** The resource a public read names (as the server will decode it). */
  readonly target?: { readonly type: 'dataset' | 'widget'; readonly id: string };
  /** A public listing route. */
  readonly listing?: 'datasets' | 'widgets' | 'openapi';
}

export interface Violation {
  readonly kind: '5xx' | 'no-request-id' | 'bad-request-id' | 'body-outside-catalog' | 'leak' | 'no-answer';
  readonly detail: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function parse(body: Buffer): Json | undefined {
  try {
    return JSON.parse(body.toString('utf8')) as Json;
  } catch {
    return undefined;
  }
}

const isObj = (v: Json | undefined): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const excerpt = (b: Buffer) => JSON.stringify(b.toString('utf8').slice(0, 200));

function checkPublicError(status: number, body: Buffer): string | undefined {
  const text = body.toString('utf8');
  const shapes = PUBLIC_SHAPES.filter((s) => s.status === status);
  if (shapes.length === 0) return `status ${status} is not in the public catalog: ${excerpt(body)}`;
  if (shapes.some((s) => s.exact === text)) return undefined;
  const v = parse(body);
  if (
    isObj(v) &&
    Object.keys(v).join() === 'code,msg,data' &&
    typeof v.msg === 'string' &&
    v.msg.length > 0 &&
    Array.isArray(v.data) &&
    v.data.length === 0
  ) {
    if (shapes.some((s) => s.envelopeCode !== undefined && s.envelopeCode === v.code)) return undefined;
  }
  return `public ${status} body is none of the catalog's: ${excerpt(body)}`;
}

function checkAdminError(status: number, body: Buffer, requestId: string): string | undefined {
  const v = parse(body);
  if (!isObj(v) || Object.keys(v).join() !== 'error' || !isObj(v.error))
    return `admin ${status} body is not the envelope: ${excerpt(body)}`;
  const e = v.error;
  if (Object.keys(e).sort().join() !== 'code,message,requestId')
    return `admin error has keys ${Object.keys(e).join()}: ${excerpt(body)}`;
  if (typeof e.code !== 'string' || ADMIN_CODES.get(e.code) !== status)
    return `admin code ${JSON.stringify(e.code)} is not the catalog's for ${status}: ${excerpt(body)}`;
  if (typeof e.message !== 'string' || e.message.length === 0) return `admin error without a message: ${excerpt(body)}`;
  if (e.requestId !== requestId)
    return `admin error's requestId ${JSON.stringify(e.requestId)} is not the header's ${requestId}`;
  return undefined;
}

/** Leaks in a public 2xx: a resource not bound to the key, a row of another dataset. */
function checkPublicSuccess(intent: Intent, fx: Fixture, body: Buffer): Violation[] {
  const out: Violation[] = [];
  const v = parse(body);
  const key = intent.key;
  if (!key) return [{ kind: 'leak', detail: `2xx without a valid key: ${excerpt(body)}` }];
  if (intent.target) {
    const { type, id } = intent.target;
    const bound = type === 'dataset' ? key.datasets.has(id) : key.widgets.has(id);
    if (!bound) out.push({ kind: 'leak', detail: `key ${key.name} read ${type} ${id}, not bound to it` });
    const marker = (type === 'dataset' ? fx.datasets : fx.widgets).find((r) => r.id === id)?.marker;
    if (!isObj(v) || v.code !== 0 || v.msg !== 'success')
      return [
        ...out,
        { kind: 'body-outside-catalog', detail: `${type} 200 not in the success envelope: ${excerpt(body)}` },
      ];
    const rows = type === 'dataset' ? (isObj(v.data) ? v.data.records : undefined) : v.data;
    if (!Array.isArray(rows))
      return [...out, { kind: 'body-outside-catalog', detail: `${type} 200 without rows: ${excerpt(body)}` }];
    for (const r of rows) {
      if (!isObj(r)) continue;
      const m = type === 'dataset' ? r.marker : r.Marker;
      if (m !== undefined && m !== marker)
        out.push({ kind: 'leak', detail: `${type} ${id} gave a row marked ${JSON.stringify(m)} to key ${key.name}` });
    }
    return out;
  }
  // Listings: only the key's own resources.
  const text = body.toString('utf8');
  for (const d of fx.datasets)
    if (!key.datasets.has(d.id) && text.includes(d.id))
      out.push({ kind: 'leak', detail: `${intent.listing} of key ${key.name} names dataset ${d.id}` });
  for (const w of fx.widgets)
    if (!key.widgets.has(w.id) && text.includes(w.id))
      out.push({ kind: 'leak', detail: `${intent.listing} of key ${key.name} names widget ${w.id}` });
  if (v === undefined) out.push({ kind: 'body-outside-catalog', detail: `listing 200 is not JSON: ${excerpt(body)}` });
  return out;
}

/** Every violation of one answer. */
/**
 * The OData feed's errors: `{"error":{"code","message"}}` (OData JSON, section 21) with a
 * code of the public catalog at that code's status.
 */
function checkODataError(status: number, body: Buffer): string | undefined {
  const v = parse(body);
  const e = isObj(v) && Object.keys(v).join() === 'error' ? v.error : undefined;
  if (!isObj(e) || Object.keys(e).join() !== 'code,message' || typeof e.message !== 'string' || e.message === '')
    return `OData ${status} body is not an OData error: ${excerpt(body)}`;
  const entry = PUBLIC_ERRORS[e.code as PublicErrorCode] as { status: number } | undefined;
  if (!entry || entry.status !== status) return `OData ${status} error code is not the catalog's: ${excerpt(body)}`;
  return undefined;
}

export function check(intent: Intent, answer: WireAnswer, fx: Fixture): Violation[] {
  if (answer.kind === 'unsent') return [];
  if (answer.kind === 'no-answer') return [{ kind: 'no-answer', detail: answer.error }];
  const out: Violation[] = [];
  const { status, headers, body } = answer;
  if (status >= 500) out.push({ kind: '5xx', detail: `${status} ${excerpt(body)}` });
  const rid = headers['x-request-id'];
  if (typeof rid !== 'string' || rid === '') out.push({ kind: 'no-request-id', detail: `${status} ${excerpt(body)}` });
  else if (!REQUEST_ID.test(rid))
    out.push({ kind: 'bad-request-id', detail: `X-Request-Id ${JSON.stringify(rid.slice(0, 140))}` });
  const hasBody = intent.method !== 'HEAD' && status !== 204 && status !== 304;
  if (!hasBody) return out;
  if (intent.area === 'public') {
    if (status >= 400) {
      const e = checkPublicError(status, body);
      if (e) out.push({ kind: 'body-outside-catalog', detail: e });
    } else if (status >= 200 && status < 300) {
      out.push(...checkPublicSuccess(intent, fx, body));
    }
  } else if (intent.area === 'odata') {
    if (status >= 400) {
      // A request refused before routing (not valid HTTP) gets the edge's public body.
      const e = checkODataError(status, body);
      if (e && checkPublicError(status, body)) out.push({ kind: 'body-outside-catalog', detail: e });
    } else if (status < 300) {
      // The service document is JSON; $metadata is CSDL XML.
      const text = body.toString('utf8');
      if (parse(body) === undefined && !text.startsWith('<?xml'))
        out.push({ kind: 'body-outside-catalog', detail: `OData ${status} is neither JSON nor XML: ${excerpt(body)}` });
      const seen = fx.admin.foreign.find((s) => text.includes(s));
      if (seen) out.push({ kind: 'leak', detail: `the OData feed showed another tenant's ${seen}` });
    }
  } else if (intent.area === 'admin') {
    if (status >= 400) {
      const e = checkAdminError(status, body, typeof rid === 'string' ? rid : '');
      if (e) out.push({ kind: 'body-outside-catalog', detail: e });
    } else if (status < 300) {
      const text = body.toString('utf8');
      const seen = fx.admin.foreign.find((s) => text.includes(s));
      if (seen)
        out.push({ kind: 'leak', detail: `the admin of ${fx.admin.tenant} was shown another tenant's ${seen}` });
      if (parse(body) === undefined)
        out.push({ kind: 'body-outside-catalog', detail: `admin ${status} is not JSON: ${excerpt(body)}` });
    }
  } else if (status >= 400) {
    // Console and ops routes: their errors are the public API's (the not-found handler).
    const e = checkPublicError(status, body);
    if (e) out.push({ kind: 'body-outside-catalog', detail: e });
  }
  return out;
}
