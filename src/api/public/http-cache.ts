import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendJson } from '../../http/public-replies.ts';

// Conditional requests on the public API (spec section 12). A page's cache key already
// names everything its body depends on — the dataset's version (its table), the widget's
// definition, the binding's scope and the request's parameters — so the ETag is a digest
// of that key: it changes when any of them does, and it is known before the query runs,
// so a matching If-None-Match is answered 304 without reading a row. Weak, because the
// body may be sent compressed in more than one encoding.

/** The ETag of the response a cache key names. */
export function etagOf(cacheKey: string): string {
  return `W/"${createHash('sha256').update(cacheKey).digest('base64url').slice(0, 27)}"`;
}

/** Whether the request's If-None-Match names `etag` (weak comparison, RFC 9110 §13.1.2). */
export function notModified(req: FastifyRequest, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined || header === '') return false;
  const opaque = etag.slice(2);
  for (const item of header.split(',')) {
    const tag = item.trim();
    if (tag === '*' || tag === etag || tag === opaque || (tag.startsWith('W/') && tag.slice(2) === opaque)) return true;
  }
  return false;
}

/** Sets the validators that go with a 200 (and a 304). */
export function withValidators(reply: FastifyReply, etag: string): FastifyReply {
  return reply.header('etag', etag).header('cache-control', 'private, no-cache');
}

/** Answers 304 with no body when the client's copy is current; false when it is not. */
export function answeredNotModified(req: FastifyRequest, reply: FastifyReply, etag: string): boolean {
  if (!notModified(req, etag)) return false;
  withValidators(reply, etag).code(304).send();
  return true;
}

/**
 * Sends a JSON body tagged by a digest of itself (the lists, whose body is their only
 * version), or 304 when the client holds it.
 */
export function sendTagged(req: FastifyRequest, reply: FastifyReply, body: string): FastifyReply {
  const etag = etagOf(body);
  if (answeredNotModified(req, reply, etag)) return reply;
  return sendJson(withValidators(reply, etag), body);
}
