import type { FastifyReply } from 'fastify';
import type { PublicErrorCode } from '../shared/errors.ts';
import { PUBLIC_ERRORS } from '../shared/errors.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The exact bodies the contract fixes for each public error (spec section 6). */
export function publicErrorBody(code: PublicErrorCode, msg = ''): string {
  switch (code) {
    case 'ROUTE_NOT_FOUND':
      return '{"error_msg":"404 Route Not Found"}';
    case 'KEY_MISSING':
      return '{"message":"Missing API key in request"}';
    case 'KEY_INVALID':
      return '{"message":"Invalid API key in request"}';
    case 'API_DISABLED':
      return envelope(403, 'The Public API is disabled for this account.');
    case 'RESOURCE_UNBOUND':
      return envelope(500, 'The resourceId is invalid.');
    case 'DATASET_NOT_FOUND':
      return envelope(-1, "Can't find dataset");
    case 'WIDGET_NOT_FOUND':
      return envelope(-1, "Can't find widget");
    default:
      return envelope(PUBLIC_ERRORS[code].status, msg);
  }
}

function envelope(code: number, msg: string): string {
  return `{"code":${code},"msg":${JSON.stringify(msg)},"data":[]}`;
}

/** Sends a public error with its status and body. */
export function sendPublicError(reply: FastifyReply, code: PublicErrorCode, msg?: string): FastifyReply {
  return reply.code(PUBLIC_ERRORS[code].status).type(JSON_TYPE).send(publicErrorBody(code, msg));
}

/** Sends a pre-serialised JSON body. */
export function sendJson(reply: FastifyReply, body: string): FastifyReply {
  return reply.type(JSON_TYPE).send(body);
}
