import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { createUploadStore, FIELD_TYPES, type Field } from '../../catalog/index.ts';
import { recordsJson } from '../public/records-json.ts';
import { AdminError, adminOf, type AdminApp, type AdminDeps } from './admin-context.ts';

/**
 * Rows shown with an upload: enough to see what each column holds and whether the
 * types fit, few enough that the console shows them without paging.
 */
export const SAMPLE_ROWS = 20;

const uploadSchema = z.object({
  uploadId: z.string().describe('Pass it to POST /datasets or POST /datasets/{id}/reload within the hour'),
  filename: z.string(),
  format: z.enum(['csv', 'json', 'ndjson']),
  bytes: z.number().int(),
  fields: z.array(z.object({ name: z.string(), type: z.enum(FIELD_TYPES) })).describe('In file order, types inferred from every record'),
  sample: z.array(z.record(z.string(), z.unknown())).describe(`The first ${SAMPLE_ROWS} rows, values as the public API gives them`),
});

/**
 * Sends JSON text written by hand (as the public API writes records, so that 64-bit
 * integers stay exact); the route's response schema still documents its shape.
 */
export function sendJsonText(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(text);
}

/** The upload store both upload and dataset routes use: files in the admin's upload folder. */
export function uploadsOf(deps: AdminDeps) {
  return createUploadStore({ dir: deps.uploadDir, limitBytes: deps.uploadLimitBytes, clock: deps.clock });
}

/** `POST /uploads`: stages a file, infers its fields and shows a sample, before it becomes a dataset. */
export function registerUploadRoutes(admin: AdminApp, deps: AdminDeps): void {
  const uploads = uploadsOf(deps);
  // The body reaches the handler as the raw stream: the route counts bytes against the
  // upload limit itself, so Fastify's body limit (meant for JSON) does not apply.
  admin.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  admin.post(
    '/uploads',
    {
      schema: {
        tags: ['datasets'],
        summary: 'Uploads a .csv, .json, .ndjson or .jsonl file (the raw bytes, application/octet-stream); answers its inferred fields and first rows',
        querystring: z.object({ filename: z.string().min(1).max(1000).describe('The file’s name; its extension gives the format') }),
        response: { 201: uploadSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const body = req.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') throw new AdminError('INVALID_INPUT', 'Send the file’s bytes as the body, with Content-Type application/octet-stream');
      await uploads.sweep();
      const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
      const saved = await uploads.save(a.tenantId, req.query.filename, body, declared);
      if (!saved.ok) {
        // The rest of the body is not read; the connection closes after the answer.
        reply.header('connection', 'close');
        const mb = Math.round((deps.uploadLimitBytes / 1024 / 1024) * 10) / 10;
        throw new AdminError('PAYLOAD_TOO_LARGE', `The file is larger than the upload limit of ${mb} MB (DATAGATE_UPLOAD_LIMIT_MB)`);
      }
      const upload = saved.upload;
      let inspected;
      try {
        inspected = await deps.catalog.datasets.inspect(upload.file, { sampleSize: SAMPLE_ROWS, sourceName: upload.filename });
      } catch (e) {
        await uploads.remove(upload.id);
        throw e;
      }
      const { plan, sample } = inspected;
      const fields: Field[] = plan.fields.map((f, i) => ({ name: f.name, type: f.type, column: `c${i}` }));
      const head = JSON.stringify({
        uploadId: upload.id,
        filename: upload.filename,
        format: upload.format,
        bytes: upload.bytes,
        fields: fields.map((f) => ({ name: f.name, type: f.type })),
      });
      return sendJsonText(reply, `${head.slice(0, -1)},"sample":${recordsJson(fields, sample)}}`, 201);
    },
  );
}
