import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ERRORS, PUBLIC_ERRORS, type AdminErrorCode, type PublicErrorCode } from '../shared/errors.ts';
import { adminErrorBody } from './admin-replies.ts';
import { publicErrorBody } from './public-replies.ts';

/**
 * Answers to requests that never reach a route: a path the router can't decode, and
 * requests Node's HTTP parser refuses (an over-long request line or header section, a
 * request not received in time, bytes that are not HTTP). Each comes from the error
 * catalog with an X-Request-Id, in the public API's body or, under /admin, the admin
 * envelope; none echoes the request back.
 */

type Early = { public: PublicErrorCode; admin: AdminErrorCode; message: string };

const BAD_URL: Early = {
  public: 'BAD_PARAMETER',
  admin: 'INVALID_INPUT',
  message: 'The request path is not valid percent-encoding',
};
const URI_TOO_LONG: Early = {
  public: 'URI_TOO_LONG',
  admin: 'URI_TOO_LONG',
  message: 'The request line is too long; send long filters in a POST body',
};
const HEADERS_TOO_LARGE: Early = {
  public: 'HEADERS_TOO_LARGE',
  admin: 'HEADERS_TOO_LARGE',
  message: 'The request headers are too large',
};
const REQUEST_TIMEOUT: Early = {
  public: 'REQUEST_TIMEOUT',
  admin: 'REQUEST_TIMEOUT',
  message: 'The request was not received in time',
};
const NOT_HTTP: Early = {
  public: 'BAD_PARAMETER',
  admin: 'INVALID_INPUT',
  message: 'The request is not valid HTTP/1.1',
};

const isAdminPath = (url: string) => url === '/admin' || url.startsWith('/admin/') || url.startsWith('/admin?');

function render(e: Early, url: string, requestId: string): { status: number; body: string } {
  if (isAdminPath(url))
    return { status: ADMIN_ERRORS[e.admin].status, body: adminErrorBody(e.admin, e.message, requestId) };
  return { status: PUBLIC_ERRORS[e.public].status, body: publicErrorBody(e.public, e.message) };
}

/** Fastify's `frameworkErrors`: router failures, before any hook has run. */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const e =
    err.code === 'FST_ERR_BAD_URL' ? BAD_URL : err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? URI_TOO_LONG : undefined;
  if (!e) {
    req.log.error({ err }, 'unexpected failure in the router');
  } else {
    req.log.info({ code: err.code }, 'request refused by the router');
  }
  const { status, body } = e
    ? render(e, req.url, req.id)
    : isAdminPath(req.url)
      ? { status: 500, body: adminErrorBody('INTERNAL', `Internal error (ref ${req.id})`, req.id) }
      : { status: 500, body: publicErrorBody('INTERNAL', `Internal error (ref ${req.id})`) };
  reply.code(status).header('x-request-id', req.id).type('application/json; charset=utf-8').send(body);
}

// The request line as the parser saw it, when the refused packet starts with one.
const REQUEST_LINE = /^[A-Z]{3,10} (\S*)/;

/**
 * Whether an over-long head is the URL's fault: the request line takes more than half
 * of Node's header limit (request line and headers count together), or never ends
 * within the packet.
 */
function urlTooLong(packet: Buffer | undefined): boolean {
  if (!packet) return false;
  const end = packet.indexOf('\r\n');
  const lineLength = end < 0 ? packet.length : end;
  return REQUEST_LINE.test(packet.subarray(0, 16).toString('latin1')) && lineLength > http.maxHeaderSize / 2;
}

/** Fastify's `clientErrorHandler`: what Node's HTTP parser refuses. */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  // Node gives the refused bytes as a Buffer; Fastify's type describes their JSON form.
  const err = error as unknown as NodeJS.ErrnoException & { rawPacket?: Buffer };
  // A reset connection, or one already gone: nobody to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? REQUEST_TIMEOUT
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? urlTooLong(err.rawPacket)
          ? URI_TOO_LONG
          : HEADERS_TOO_LARGE
        : NOT_HTTP;
  const url = REQUEST_LINE.exec(err.rawPacket?.subarray(0, 64).toString('latin1') ?? '')?.[1] ?? '';
  const requestId = randomUUID();
  const { status, body } = render(e, url, requestId);
  this.log.info({ reqId: requestId, code: err.code }, 'request refused by the HTTP parser');
  // As Node does: answer only when no response of this connection has begun.
  const pending = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !pending?.headersSent) {
    // A HEAD request's answer has headers only: a body there would be read as the next response.
    const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        `Connection: close\r\n\r\n${head ? '' : body}`,
    );
    return;
  }
  socket.destroy(err);
}
