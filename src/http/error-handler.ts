import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import {
  ADMIN_ERRORS,
  AdminError,
  DomainError,
  QueryTimeoutError,
  StoreUnavailableError,
  TableGoneError,
  type AdminErrorCode,
  type DomainErrorCode,
} from '../shared/errors.ts';

/**
 * What went wrong with a request, in the HTTP edge's terms: decided once here, then
 * answered by the public renderer (public-replies.ts) or the admin one (admin-replies.ts),
 * each with its own codes and words.
 */
export type Failure =
  /** A service's own failure, safe to show, with its code's status in the catalog (400 for the client's mistakes). */
  | { kind: 'domain'; code: DomainErrorCode; status: number; message: string }
  /** An admin route's failure with its admin code. */
  | { kind: 'admin'; code: AdminErrorCode; message: string }
  /** A body, query or path that failed its schema; `problems` in words, one per failure. */
  | { kind: 'schema'; problems: string[]; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'timeout' }
  | { kind: 'unsupported-media' }
  | { kind: 'too-large' }
  | { kind: 'invalid-json' }
  /** Another client mistake Fastify found (its message names it). */
  | { kind: 'bad-request'; message: string }
  | { kind: 'internal' };

/** The one classification of a thrown error at the HTTP edge. */
export function classify(err: FastifyError | Error): Failure {
  if (err instanceof AdminError) return { kind: 'admin', code: err.code, message: err.message };
  if (err instanceof DomainError)
    return { kind: 'domain', code: err.code, status: ADMIN_ERRORS[err.code].status, message: err.message };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'request';
    const problems = err.validation.map((v) => {
      if (!v.instancePath && /expected object/.test(v.message ?? '')) return `the ${where} must be a JSON object`;
      return `${where}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}: ${v.message}`;
    });
    return { kind: 'schema', problems, message: err.message };
  }
  if (err instanceof StoreUnavailableError) return { kind: 'unavailable', message: err.message };
  if (err instanceof QueryTimeoutError) return { kind: 'timeout' };
  if (err instanceof TableGoneError)
    return {
      kind: 'domain',
      code: 'NOT_FOUND',
      status: ADMIN_ERRORS.NOT_FOUND.status,
      message: 'the dataset was removed while it was being read',
    };
  const status = (err as FastifyError).statusCode ?? 500;
  if (status === 415) return { kind: 'unsupported-media' };
  if (status === 413) return { kind: 'too-large' };
  if (status >= 400 && status < 500) {
    if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError)
      return { kind: 'invalid-json' };
    return { kind: 'bad-request', message: err.message };
  }
  return { kind: 'internal' };
}
