import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { boundaryOf, MultipartError, multipartFile } from './multipart-file.ts';

const B = 'XyZ-boundary';

function body(parts: { name: string; filename?: string; content: string }[], epilogue = `--${B}--\r\n`): Buffer {
  let s = 'a preamble that is ignored\r\n';
  for (const p of parts) {
    const file = p.filename === undefined ? '' : `; filename="${p.filename}"`;
    s += `--${B}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n\r\n${p.content}\r\n`;
  }
  return Buffer.from(s + epilogue);
}

/** The bytes in chunks of `size`, so that a delimiter falls across chunk boundaries. */
function chunked(buf: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) chunks.push(buf.subarray(i, i + size));
  return Readable.from(chunks);
}

async function text(r: Readable): Promise<string> {
  let s = '';
  for await (const c of r) s += c;
  return s;
}

describe('multipartFile', () => {
  it('reads the file part whatever the chunk sizes, skipping other parts', async () => {
    // CRs and dashes inside the file that look like, but are not, a delimiter.
    const content = 'id,summary\r\n1,"a\r\n--XyZ"\r\n--XyZ-boundar\r\n2,end';
    const buf = body([
      { name: 'note', content: 'x'.repeat(50) },
      { name: 'file', filename: 'tickets.csv', content },
      { name: 'after', content: 'ignored' },
    ]);
    for (const size of [1, 2, 3, 7, 64, buf.length]) {
      const f = await multipartFile(chunked(buf, size), B, 'file');
      assert.equal(f.filename, 'tickets.csv');
      assert.equal(await text(f.body), content, `chunks of ${size}`);
    }
  });

  it('fails with a message when there is no such file part, or the body is cut short', async () => {
    await assert.rejects(
      multipartFile(chunked(body([{ name: 'file', content: 'not a file' }]), 5), B, 'file'),
      (e: Error) => e instanceof MultipartError && /no file field "file"/.test(e.message),
    );
    await assert.rejects(
      multipartFile(chunked(Buffer.from('no boundary here'), 5), B, 'file'),
      (e: Error) => e instanceof MultipartError && /cut short/.test(e.message),
    );
    const f = await multipartFile(
      chunked(body([{ name: 'file', filename: 'a.csv', content: 'id\n1\n' }], ''), 4),
      B,
      'file',
    );
    await assert.rejects(text(f.body), /cut short/);
  });

  it('takes the boundary from the content type, quoted or not', () => {
    assert.equal(boundaryOf('multipart/form-data; boundary=abc'), 'abc');
    assert.equal(boundaryOf('multipart/form-data; boundary="a b"'), 'a b');
    assert.equal(boundaryOf('multipart/form-data'), undefined);
  });
});
