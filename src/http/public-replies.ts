import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { PublicErrorCode } from '../shared/errors.ts';
import { PUBLIC_ERRORS } from '../shared/errors.ts';
import { classify } from './error-handler.ts';

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
    case 'KEY_EXPIRED':
      return '{"message":"API key expired"}';
    case 'KEY_DISABLED':
      return envelope(403, 'This API key is disabled.');
    case 'KEY_ADDRESS_REFUSED':
      return envelope(403, 'This address is not allowed for this API key.');
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

/**
 * Sets a public error's status, the catalog's headers for it and the JSON type, and
 * returns its body: for an answer replaced after the route ran (an `onSend` hook).
 */
export function publicErrorReply(reply: FastifyReply, code: PublicErrorCode, msg?: string): string {
  const entry = PUBLIC_ERRORS[code];
  if ('headers' in entry) reply.headers(entry.headers);
  reply.code(entry.status).type(JSON_TYPE);
  return publicErrorBody(code, msg);
}

/** Sends a public error with its status, the catalog's headers for it, and its body. */
export function sendPublicError(reply: FastifyReply, code: PublicErrorCode, msg?: string): FastifyReply {
  return reply.send(publicErrorReply(reply, code, msg));
}

/** Sends a pre-serialised JSON body. */
export function sendJson(reply: FastifyReply, body: string): FastifyReply {
  return reply.type(JSON_TYPE).send(body);
}

/** "30 s", "1.5 s", "250 ms": the time limit as a person reads it. */
function duration(ms: number): string {
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`;
}

/** The public API's error handler: a thrown error, classified, in the contract's bodies (or `send`'s). */
export function publicErrorHandler(
  limits: { bodyLimit: number; queryTimeoutMs: number },
  send: (reply: FastifyReply, code: PublicErrorCode, msg?: string) => FastifyReply = sendPublicError,
) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const failure = classify(err);
    switch (failure.kind) {
      case 'unavailable':
        req.log.warn({ err: failure.message }, 'database unavailable');
        return send(reply, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry in a few seconds.');
      case 'timeout':
        req.log.warn({ url: req.url.split('?')[0], limitMs: limits.queryTimeoutMs }, 'query stopped at the time limit');
        return send(
          reply,
          'QUERY_TIMEOUT',
          `The query ran longer than ${duration(limits.queryTimeoutMs)} and was stopped; narrow the filters or ` +
            `ask for a smaller page`,
        );
      case 'unsupported-media':
        return send(
          reply,
          'UNSUPPORTED_MEDIA_TYPE',
          'The request body must be application/x-www-form-urlencoded or application/json',
        );
      case 'too-large':
        return send(reply, 'PAYLOAD_TOO_LARGE', `The request body is larger than ${limits.bodyLimit} bytes`);
      case 'invalid-json':
        return send(reply, 'BAD_PARAMETER', 'The request body is not valid JSON');
      case 'bad-request':
      case 'schema':
        return send(reply, 'BAD_PARAMETER', failure.message);
      case 'domain':
        // A service's failure of the client's making (a 400 in the catalog) is a bad parameter here;
        // a public route has no other domain failure to expect.
        if (failure.status === PUBLIC_ERRORS.BAD_PARAMETER.status) return send(reply, 'BAD_PARAMETER', failure.message);
        req.log.error({ err }, 'unexpected failure');
        return send(reply, 'INTERNAL', `Internal error (ref ${req.id})`);
      case 'admin':
      case 'internal':
        req.log.error({ err }, 'unexpected failure');
        return send(reply, 'INTERNAL', `Internal error (ref ${req.id})`);
    }
  };
}
