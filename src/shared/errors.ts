/**
 * The one error catalog: every code an HTTP answer can carry, with its status, what it
 * means (the docs list each one, checked by test/docs.test.ts) and the headers that go
 * with it. Two sets of codes, one per audience: the public API's (whose bodies the
 * contract fixes, spec section 6, rendered by http/public-replies.ts) and the admin
 * API's (one envelope, rendered by http/admin-replies.ts). Services report failures as
 * DomainError, the store as QueryTimeoutError, TableGoneError or StoreUnavailableError; http/error-handler.ts
 * classifies them once for both renderers.
 */
export interface CatalogEntry {
  readonly status: number;
  readonly doc: string;
  /** Headers every answer with this code carries. */
  readonly headers?: Readonly<Record<string, string>>;
}

// Five seconds: a restarting database is usually back by then, and clients that honour
// Retry-After don't pile on while it isn't.
const RETRY_SOON = { 'retry-after': '5' } as const;

/** What the HTTP parser refuses before any route, the same for both APIs (each renders it in its own body). */
const EDGE_ERRORS = {
  URI_TOO_LONG: { status: 414, doc: 'the request line is longer than the server reads' },
  HEADERS_TOO_LARGE: { status: 431, doc: 'the request headers are larger than the server reads' },
  REQUEST_TIMEOUT: { status: 408, doc: 'the request was not received in time' },
} as const satisfies Record<string, CatalogEntry>;

export const PUBLIC_ERRORS = {
  ROUTE_NOT_FOUND: { status: 404, doc: 'no such route or method' },
  KEY_MISSING: { status: 401, doc: 'no apikey header and no Bearer token' },
  KEY_INVALID: { status: 401, doc: 'unknown or removed key, or a rotated key’s previous secret after its grace' },
  KEY_EXPIRED: { status: 401, doc: 'the key is past its expiry time' },
  KEY_DISABLED: { status: 403, doc: 'an admin disabled the key (its bindings are kept)' },
  KEY_ADDRESS_REFUSED: { status: 403, doc: "the client's address is outside the key's allowlist" },
  API_DISABLED: { status: 403, doc: "the tenant's Enable Public API switch is off" },
  RATE_LIMITED: { status: 429, doc: "the key's requests per minute are used up; Retry-After says when to retry" },
  EXPORTS_LIMITED: {
    status: 429,
    doc: 'the key already runs its maximum of exports at once (2, per server node); Retry-After says when to retry',
    headers: RETRY_SOON,
  },
  KEY_ATTEMPTS_LIMITED: { status: 429, doc: 'too many invalid keys from this address; Retry-After says when to retry' },
  RESOURCE_UNBOUND: { status: 403, doc: 'the resource exists in the key’s tenant but is not bound to the key' },
  DATASET_NOT_FOUND: { status: 404, doc: 'no such dataset in the key’s tenant' },
  WIDGET_NOT_FOUND: { status: 404, doc: 'no such widget in the key’s tenant' },
  WIDGET_STALE: {
    status: 409,
    doc: 'the widget names a field its dataset no longer has (or no longer of a usable type) after a reload',
  },
  SCOPE_BROKEN: {
    status: 409,
    doc:
      "the row scope of the key's binding names a field its dataset no longer has (or not of that type) " +
      'after a reload',
  },
  BAD_PARAMETER: { status: 400, doc: 'a pagination, filter or option parameter, or the body, is invalid' },
  NOT_IMPLEMENTED: { status: 501, doc: 'an OData query option, function or operator the feed does not implement' },
  ENTITY_SET_NOT_FOUND: { status: 404, doc: 'no OData entity set of that name for the key' },
  SKIPTOKEN_STALE: {
    status: 410,
    doc: 'an OData next link made before the dataset (or the widget) changed; read again from the first page',
  },
  CURSOR_STALE: {
    status: 410,
    doc: 'a dataset page cursor (`_after`) made before the dataset was reloaded; walk again from the start',
  },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, doc: 'a POST body that is neither form-encoded nor JSON' },
  PAYLOAD_TOO_LARGE: { status: 413, doc: 'a POST body above the size limit' },
  ...EDGE_ERRORS,
  DATABASE_UNAVAILABLE: {
    status: 503,
    doc: 'the database cannot be reached; Retry-After says when to try again',
    headers: RETRY_SOON,
  },
  QUERY_TIMEOUT: { status: 504, doc: 'the query ran past the server’s time limit' },
  INTERNAL: { status: 500, doc: 'unexpected failure; the message carries the request id' },
} as const satisfies Record<string, CatalogEntry>;

export type PublicErrorCode = keyof typeof PUBLIC_ERRORS;

/** Admin API failures, one envelope: `{"error":{"code","message","requestId"}}`. */
export const ADMIN_ERRORS = {
  UNAUTHENTICATED: {
    status: 401,
    doc: 'no session, or it expired; or an admin token (Bearer dgt_…) that is malformed, unknown, revoked or expired',
  },
  INVALID_CREDENTIALS: { status: 401, doc: 'wrong email or password' },
  SIGNIN_LIMITED: {
    status: 429,
    doc: 'too many failed sign-ins for the address or the email; Retry-After says when to retry',
  },
  CSRF_INVALID: { status: 403, doc: "a state-changing request without the session's x-csrf-token header" },
  ROLE_REQUIRED: {
    status: 403,
    doc: 'the admin’s (or the token’s) role is below the one the route needs; the message names it',
  },
  SETUP_DONE: { status: 409, doc: 'the setup page was used after the tenant got its first user' },
  SETUP_CODE_INVALID: {
    status: 403,
    doc: "the first admin created from a remote address without the setup code the server's log shows",
  },
  NOT_FOUND: { status: 404, doc: "no such key, dataset, widget, user or upload in the admin's tenant" },
  INVALID_INPUT: { status: 400, doc: 'a body, query or path value is invalid' },
  IMPORT_INVALID: { status: 400, doc: "an uploaded file can't be loaded" },
  CONFLICT: { status: 409, doc: 'the change contradicts the current state' },
  SOURCE_FAILED: {
    status: 502,
    doc: "a live dataset's source could not be read or loaded; the dataset keeps its previous rows",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    doc: 'a request body that is not application/json (uploads: application/octet-stream)',
  },
  PAYLOAD_TOO_LARGE: { status: 413, doc: 'a body or upload above its size limit' },
  ...EDGE_ERRORS,
  DATABASE_UNAVAILABLE: { status: 503, doc: 'the database cannot be reached', headers: RETRY_SOON },
  QUERY_TIMEOUT: { status: 504, doc: 'a preview query ran past the time limit' },
  INTERNAL: { status: 500, doc: 'unexpected failure; the message carries the request id' },
} as const satisfies Record<string, CatalogEntry>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

/** A failure with its admin error code, thrown by admin routes and answered by the admin renderer. */
export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

/**
 * Codes of the failures that services report to the command line and both APIs. Each is
 * an admin code too, and takes its status from that catalog (http/error-handler.ts
 * carries it with the failure, so a renderer can tell a client's mistake from the rest).
 */
export type DomainErrorCode = Extract<
  AdminErrorCode,
  'NOT_FOUND' | 'INVALID_INPUT' | 'CONFLICT' | 'IMPORT_INVALID' | 'SOURCE_FAILED'
>;

/** A failure a caller can act on; its message is safe to show. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * A query ran past its deadline and was stopped. Thrown by the store, where the driver's
 * own error is recognised; the HTTP edge answers it with QUERY_TIMEOUT (504).
 */
export class QueryTimeoutError extends Error {
  constructor() {
    super('the query ran past its deadline and was stopped');
    this.name = 'QueryTimeoutError';
  }
}

/**
 * A dataset table was dropped between resolving its dataset and reading it (the
 * dataset was removed, or its old version swept). Thrown by the store; the public
 * routes answer it as the dataset they could not find.
 */
export class TableGoneError extends Error {
  constructor(readonly table: string) {
    super(`the dataset table ${table} no longer exists`);
    this.name = 'TableGoneError';
  }
}

/** The database can't be reached (down, restarting, or no free connection in time). */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the database is unavailable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'StoreUnavailableError';
  }
}
