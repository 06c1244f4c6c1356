import type { Readable } from 'node:stream';
import { z } from 'zod';
import { FIELD_TYPES } from '../../catalog/index.ts';
import { recordsJson } from '../public/records-json.ts';
import { AdminError, adminOf, type AdminApp, type AdminDeps } from './admin-context.ts';
import { sendJsonText } from './admin-replies.ts';
import { breaksSchema, dateFormatSchema, SAMPLE_ROWS } from './admin-schemas.ts';

const uploadSchema = z.object({
  uploadId: z.string().describe('Pass it to POST /datasets or POST /datasets/{id}/reload within the hour'),
  filename: z.string(),
  format: z.enum(['csv', 'json', 'ndjson']),
  bytes: z.number().int(),
  fields: z
    .array(z.object({ name: z.string(), type: z.enum(FIELD_TYPES) }))
    .describe('In file order, types inferred from every record'),
  sample: z
    .array(z.record(z.string(), z.unknown()))
    .describe(`The first ${SAMPLE_ROWS} rows, values as the public API gives them`),
  breaks: breaksSchema
    .optional()
    .describe('With ?reload=ID: what loading these fields into that dataset would break (they would answer 409)'),
});

/** `POST /uploads`: stages a file, infers its fields and shows a sample, before it becomes a dataset. */
export function registerUploadRoutes(admin: AdminApp, deps: AdminDeps): void {
  const { uploads } = deps.usecases;
  // The body reaches the handler as the raw stream: the route counts bytes against the
  // upload limit itself, so Fastify's body limit (meant for JSON) does not apply.
  admin.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  admin.post(
    '/uploads',
    {
      schema: {
        tags: ['datasets'],
        summary:
          'Uploads a .csv, .json, .ndjson or .jsonl file (the raw bytes, application/octet-stream); answers its ' +
          'inferred fields and first rows',
        querystring: z.object({
          filename: z.string().min(1).max(1000).describe('The file’s name; its extension gives the format'),
          reload: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .describe('The dataset this upload is meant to reload: the answer then tells what its fields would break'),
          dateFormat: dateFormatSchema,
        }),
        response: { 201: uploadSchema },
      },
    },
    async (req, reply) => {
      const a = adminOf(req);
      const body = req.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function')
        throw new AdminError(
          'INVALID_INPUT',
          'Send the file’s bytes as the body, with Content-Type application/octet-stream',
        );
      // An unknown dataset is refused before the file is read.
      if (req.query.reload !== undefined) await deps.catalog.datasets.get(a.tenantId, req.query.reload);
      const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length']);
      const staged = await uploads.stage(a.tenantId, req.query.filename, body, {
        declaredBytes: declared,
        sampleSize: SAMPLE_ROWS,
        dateFormat: req.query.dateFormat,
      });
      if (!staged.ok) {
        // The rest of the body is not read; the connection closes after the answer.
        reply.header('connection', 'close');
        const mb = Math.round((uploads.limitBytes / 1024 / 1024) * 10) / 10;
        throw new AdminError(
          'PAYLOAD_TOO_LARGE',
          `The file is larger than the upload limit of ${mb} MB (DATAGATE_UPLOAD_LIMIT_MB)`,
        );
      }
      const { upload, fields, sample } = staged;
      const breaks =
        req.query.reload === undefined
          ? undefined
          : await deps.usecases.schema.breaks(a.tenantId, req.query.reload, fields);
      const head = JSON.stringify({
        uploadId: upload.id,
        filename: upload.filename,
        format: upload.format,
        bytes: upload.bytes,
        fields: fields.map((f) => ({ name: f.name, type: f.type })),
        ...(breaks === undefined ? {} : { breaks }),
      });
      return sendJsonText(reply, `${head.slice(0, -1)},"sample":${recordsJson(fields, sample)}}`, 201);
    },
  );
}
