import { PassThrough, type Readable } from 'node:stream';

// The preamble and each part's headers are a few hundred bytes from curl or a browser;
// 16 KiB is far beyond that and bounds what is held before the file's bytes start.
const MAX_HEAD = 16 * 1024;

const CRLF2 = Buffer.from('\r\n\r\n');

/** A part's headers: its field name and file name from Content-Disposition. */
function dispositionOf(head: string): { name?: string; filename?: string } {
  const line = head.split('\r\n').find((l) => /^content-disposition\s*:/i.test(l)) ?? '';
  const param = (key: string) => {
    const m =
      new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(line) ??
      new RegExp(`;\\s*${key}=([^;\\s]+)`, 'i').exec(line);
    return m ? m[1].replace(/\\(.)/g, '$1') : undefined;
  };
  return { name: param('name'), filename: param('filename') };
}

/** The body is not the form it should be; its message is for people. */
export class MultipartError extends Error {}

/** The boundary of a `multipart/form-data; boundary=…` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * The file part named `field` of a multipart/form-data body, as a stream of its bytes
 * (never held whole in memory) and its file name, as `curl -F file=@tickets.csv` sends
 * it. Other parts are skipped; the rest of the body after the file is read and dropped.
 * Fails with a message for people when the body has no such part or is cut short.
 */
export function multipartFile(
  source: Readable,
  boundary: string,
  field: string,
): Promise<{ filename: string; body: Readable }> {
  const first = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  return new Promise((resolve, reject) => {
    let state: 'preamble' | 'head' | 'skip' | 'file' | 'done' = 'preamble';
    let buf: Buffer = Buffer.alloc(0);
    let out: PassThrough | undefined;
    let settled = false;

    const fail = (message: string) => {
      state = 'done';
      source.resume();
      if (!settled) {
        settled = true;
        reject(new MultipartError(message));
      } else out?.destroy(new MultipartError(message));
    };

    /** Consumes what `buf` holds as far as it can; returns when more bytes are needed. */
    const step = () => {
      for (;;) {
        if (state === 'preamble') {
          const at = buf.indexOf(first);
          if (at < 0) {
            if (buf.length > MAX_HEAD) return fail('the body is not multipart/form-data with the boundary it declares');
            return;
          }
          buf = buf.subarray(at + first.length);
          state = 'head';
        } else if (state === 'head') {
          // After a delimiter: "--" ends the body, CRLF starts a part's headers.
          if (buf.length < 2) return;
          if (buf[0] === 0x2d && buf[1] === 0x2d) return fail(`the form has no file field "${field}"`);
          const end = buf.indexOf(CRLF2);
          if (end < 0) {
            if (buf.length > MAX_HEAD) return fail('a part of the form has headers longer than 16 KiB');
            return;
          }
          const d = dispositionOf(buf.subarray(2, end).toString('utf8'));
          buf = buf.subarray(end + 4);
          if (d.name === field && d.filename !== undefined) {
            state = 'file';
            out = new PassThrough();
            // The reader sees a failure through its own listener; this one keeps a reader that
            // has stopped listening from turning it into an uncaught error.
            out.on('error', () => {});
            out.on('drain', () => source.resume());
            // The reader gave up (a file over the limit): drop the rest.
            out.on('close', () => {
              if (state === 'file') {
                state = 'done';
                source.resume();
              }
            });
            settled = true;
            resolve({ filename: d.filename, body: out });
          } else state = 'skip';
        } else if (state === 'skip' || state === 'file') {
          const at = buf.indexOf(delimiter);
          // Bytes that can't be the start of a delimiter go out now; the tail waits for more.
          const safe = at >= 0 ? at : Math.max(0, buf.length - delimiter.length + 1);
          if (state === 'file' && safe > 0 && !out!.write(buf.subarray(0, safe))) source.pause();
          if (at < 0) {
            buf = buf.subarray(safe);
            return;
          }
          buf = buf.subarray(at + delimiter.length);
          if (state === 'file') {
            state = 'done';
            out!.end();
          } else state = 'head';
        } else {
          buf = Buffer.alloc(0);
          return;
        }
      }
    };

    source.on('data', (chunk: Buffer) => {
      if (state === 'done') return;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      step();
    });
    source.on('end', () => {
      if (state !== 'done') fail('the form ends before its closing boundary: the body was cut short');
    });
    source.on('error', (err) => fail(`the body could not be read: ${err.message}`));
  });
}
