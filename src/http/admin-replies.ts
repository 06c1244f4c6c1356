import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ERRORS, type AdminErrorCode } from '../shared/errors.ts';
import { classify } from './error-handler.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The admin API's error envelope: `{"error":{"code","message","requestId"}}`. */
export function adminErrorBody(code: AdminErrorCode, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, requestId } });
}

/** Sends an admin error with its status, the catalog's headers for it, and the envelope. */
export function sendAdminError(reply: FastifyReply, code: AdminErrorCode, message: string): FastifyReply {
  const entry = ADMIN_ERRORS[code];
  if ('headers' in entry) reply.headers(entry.headers);
  return reply
    .code(entry.status)
    .type(JSON_TYPE)
    .send(adminErrorBody(code, message, reply.request.id));
}

/** The admin API's error handler: a thrown error, classified, in the admin envelope. */
export function adminErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const failure = classify(err);
  switch (failure.kind) {
    case 'admin':
      return sendAdminError(reply, failure.code, failure.message);
    case 'domain':
      return sendAdminError(reply, failure.code, failure.message);
    case 'schema':
      return sendAdminError(reply, 'INVALID_INPUT', failure.problems.join('; '));
    case 'unavailable':
      return sendAdminError(reply, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry in a few seconds');
    case 'timeout':
      return sendAdminError(
        reply,
        'QUERY_TIMEOUT',
        'The query ran past the time limit and was stopped; narrow the filters',
      );
    case 'too-large':
      return sendAdminError(reply, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'unsupported-media':
      return sendAdminError(reply, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json');
    case 'invalid-json':
      return sendAdminError(reply, 'INVALID_INPUT', 'The request body is not valid JSON');
    case 'bad-request':
      return sendAdminError(reply, 'INVALID_INPUT', failure.message);
    case 'internal':
      req.log.error({ err }, 'unexpected failure in the admin API');
      return sendAdminError(reply, 'INTERNAL', `Internal error (ref ${req.id})`);
  }
}
