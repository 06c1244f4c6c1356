import type { FastifyReply } from 'fastify';
import { PUBLIC_ERRORS, type PublicErrorCode } from '../shared/errors.ts';
import { publicErrorBody } from './public-replies.ts';

// The OData feed's answers (spec section 11): errors in the OData JSON error body
// `{"error":{"code","message"}}` (OData JSON Format, section 21), with the public API's
// codes and messages, and `OData-Version: 4.0` on everything.

/** The realm of the Basic challenge, which Excel and Power BI show beside the credential prompt. */
export const ODATA_REALM = 'datagate';

/** The OData error body for a code and message. */
export function odataErrorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** The message the public API gives a code, from its fixed body when `msg` is not given. */
function messageOf(code: PublicErrorCode, msg: string | undefined): string {
  if (msg !== undefined && msg !== '') return msg;
  const body = JSON.parse(publicErrorBody(code, '')) as { message?: string; msg?: string; error_msg?: string };
  return body.message ?? body.msg ?? body.error_msg ?? code;
}

/**
 * Sends a public error in the OData error body, with the catalog's status and headers; a
 * 401 challenges for Basic credentials so that Excel and Power BI ask for the key.
 */
export function sendODataError(reply: FastifyReply, code: PublicErrorCode, msg?: string): FastifyReply {
  const entry = PUBLIC_ERRORS[code];
  if ('headers' in entry) reply.headers(entry.headers);
  if (entry.status === 401) reply.header('www-authenticate', `Basic realm="${ODATA_REALM}"`);
  return reply
    .code(entry.status)
    .header('odata-version', '4.0')
    .type('application/json; charset=utf-8')
    .send(odataErrorBody(code, messageOf(code, msg)));
}
