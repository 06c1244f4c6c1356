import type { FastifyReply } from 'fastify';

/**
 * Sends JSON text written by hand (as the public API writes records, so that 64-bit
 * integers stay exact); the route's response schema still documents its shape.
 */
export function sendJsonText(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(text);
}
