import type { FastifyReply } from 'fastify';
import { ADMIN_ERRORS, type AdminErrorCode } from '../shared/errors.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The admin API's error envelope: `{"error":{"code","message","requestId"}}`. */
export function adminErrorBody(code: AdminErrorCode, message: string, requestId: string): string {
  return JSON.stringify({ error: { code, message, requestId } });
}

/** Sends an admin error with its status and envelope. */
export function sendAdminError(reply: FastifyReply, code: AdminErrorCode, message: string): FastifyReply {
  return reply.code(ADMIN_ERRORS[code].status).type(JSON_TYPE).send(adminErrorBody(code, message, reply.request.id));
}
