import type { FastifyRequest } from 'fastify';

/** The public API's base URL: configured, or the origin this request came to. */
export function baseUrlOf(publicUrl: string | undefined, req: FastifyRequest): string {
  return publicUrl ? publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`;
}
