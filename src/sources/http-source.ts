import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import makeParser from 'stream-json/parser.js';
import pick from 'stream-json/filters/pick.js';
import stringer from 'stream-json/stringer.js';
import type { HttpFormat, SourceSpec } from './source-spec.ts';
import { SourceError } from './source-error.ts';

export interface HttpLimits {
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Longest the whole request, body included, may take. */
  readonly timeoutMs: number;
}

const BY_TYPE: Record<string, HttpFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
};
const BY_EXTENSION: Record<string, HttpFormat> = { csv: 'csv', json: 'json', ndjson: 'ndjson', jsonl: 'ndjson' };

/** The format of a response: as given, else by Content-Type, else by the URL's extension. */
function formatOf(spec: SourceSpec, contentType: string | null): HttpFormat {
  if (spec.format) return spec.format;
  if (spec.recordsPath) return 'json';
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const byType = BY_TYPE[type];
  if (byType) return byType;
  const ext = /\.([a-z]+)$/i.exec(new URL(spec.url).pathname)?.[1]?.toLowerCase();
  const byExt = ext ? BY_EXTENSION[ext] : undefined;
  if (byExt) return byExt;
  throw new SourceError(
    `can't tell the format of the response (Content-Type "${type || 'none'}"); say --format csv, json or ndjson`,
  );
}

/**
 * The URL without its user and password, which fetch refuses, and those sent as HTTP Basic
 * credentials instead (unless an Authorization header is given).
 */
function withBasicAuth(spec: SourceSpec): { url: string; headers: Record<string, string> } {
  const parsed = new URL(spec.url);
  const headers: Record<string, string> = { ...spec.headers };
  if (!parsed.username && !parsed.password) return { url: spec.url, headers };
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization'))
    headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return { url: parsed.toString(), headers };
}

/** Counts the bytes going through and fails once they pass `max`. */
function byteLimit(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > max) done(new SourceError(`the source sent more than the ${max / 1024 / 1024} MB allowed`));
      else done(null, chunk);
    },
  });
}

/**
 * Streams an HTTP(S) source's body into `fileBase` + its format's extension, never holding
 * the body in memory; with a records path, only that array of the JSON document is kept.
 * Returns the file written.
 */
export async function downloadHttp(spec: SourceSpec, fileBase: string, limits: HttpLimits): Promise<string> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let res: Response;
  try {
    // Redirects are followed (to http and https only, as fetch does); see docs/architecture.md.
    const { url, headers } = withBasicAuth(spec);
    res = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (e) {
    throw fetchFailure(e, limits);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new SourceError(`the source answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limits.maxBytes) {
    await res.body.cancel().catch(() => undefined);
    throw new SourceError(
      `the source's body is ${declared} bytes, more than the ${limits.maxBytes / 1024 / 1024} MB allowed`,
    );
  }
  const format = formatOf(spec, res.headers.get('content-type'));
  const file = `${fileBase}.${format}`;
  const body = Readable.fromWeb(res.body as never);
  const out = createWriteStream(file);
  try {
    if (format === 'json' && spec.recordsPath) {
      let picked = 0;
      const count = new Transform({
        objectMode: true,
        transform(token, _enc, done) {
          picked++;
          done(null, token);
        },
      });
      await pipeline(
        body,
        byteLimit(limits.maxBytes),
        makeParser.asStream(),
        pick.asStream({ filter: spec.recordsPath, once: true }),
        count,
        stringer.asStream(),
        out,
      );
      if (picked === 0)
        throw new SourceError(`the JSON document has nothing at the records path "${spec.recordsPath}"`);
    } else {
      await pipeline(body, byteLimit(limits.maxBytes), out);
    }
  } catch (e) {
    // A body cut short leaves no file behind.
    await rm(file, { force: true });
    throw fetchFailure(e, limits);
  }
  return file;
}

function fetchFailure(e: unknown, limits: HttpLimits): Error {
  if (e instanceof SourceError) return e;
  const err = e as Error & { cause?: Error & { code?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return new SourceError(`the source did not answer in full within ${limits.timeoutMs / 1000} s`);
  if (err.message?.includes('Parser') || err.message?.includes('JSON'))
    return new SourceError(`the JSON document is malformed: ${err.message}`);
  const cause = err.cause ? `: ${err.cause.code ?? err.cause.message}` : '';
  return new SourceError(`the source could not be read (${err.message}${cause})`);
}
