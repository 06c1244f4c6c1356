import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/test-server.ts';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes as they are (no client fixes the URL up) and reads the answer until the server closes or it is complete.
 */
function raw(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    const chunks: Buffer[] = [];
    const finish = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(split + 4) });
    };
    socket.on('data', (d) => {
      chunks.push(d);
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split))?.[1];
      if (split >= 0 && length !== undefined && Buffer.byteLength(text) - split - 4 >= Number(length)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('end', finish);
    socket.on('error', reject);
  });
}

const get = (path: string, headers = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`;
const UUID = /^[0-9a-f-]{36}$/;

describe('requests that never reach a route', () => {
  let t: TestServer;
  let port: number;
  before(async () => {
    t = await startTestServer();
    await t.server.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.server.app.server.address() as net.AddressInfo).port;
  });
  after(() => t.close());

  it(
    'a malformed percent-encoding in a public path is a 400 in the public body, with a request ' +
      'id, not echoing the URL',
    async () => {
      const a = await raw(port, get('/api/dataset/%FF'));
      assert.equal(a.status, 400);
      assert.equal(a.body, '{"code":400,"msg":"The request path is not valid percent-encoding","data":[]}');
      assert.match(a.headers['x-request-id'], UUID);
      assert.match(a.headers['content-type'], /^application\/json/);
    },
  );

  it('keeps a valid X-Request-Id the client sent', async () => {
    const a = await raw(port, get('/api/dataset/%E0%A4%A', 'X-Request-Id: trace-123\r\n'));
    assert.equal(a.status, 400);
    assert.equal(a.headers['x-request-id'], 'trace-123');
  });

  for (const path of ['/admin/%FF', '/admin/api/%FF', '/admin/api/datasets/%FF/rows']) {
    it(`a malformed percent-encoding under ${path} is a 400 in the admin envelope`, async () => {
      const a = await raw(port, get(path));
      assert.equal(a.status, 400);
      const id = a.headers['x-request-id'];
      assert.match(id, UUID);
      assert.deepEqual(JSON.parse(a.body), {
        error: { code: 'INVALID_INPUT', message: 'The request path is not valid percent-encoding', requestId: id },
      });
    });
  }

  it('a console path whose decoded form holds a percent sign is served, not a failure', async () => {
    const a = await raw(port, get('/admin/%25FF'));
    assert.ok(a.status === 200 || a.status === 503, `status ${a.status}`);
    assert.match(a.headers['content-type'], /^text\/html/);
    const api = await raw(port, get('/admin/api/%25FF'));
    assert.equal(api.status, 404);
    assert.equal(JSON.parse(api.body).error.code, 'NOT_FOUND');
  });

  it('an over-long URL is a 414 from the catalog with a request id', async () => {
    const a = await raw(port, get(`/api/dataset/x?id=${'1'.repeat(20_000)}`));
    assert.equal(a.status, 414);
    assert.equal(
      a.body,
      '{"code":414,"msg":"The request line is too long; send long filters in a POST body","data":[]}',
    );
    assert.match(a.headers['x-request-id'], UUID);
    const admin = await raw(port, get(`/admin/api/datasets?q=${'1'.repeat(20_000)}`));
    assert.equal(admin.status, 414);
    assert.deepEqual(JSON.parse(admin.body), {
      error: {
        code: 'URI_TOO_LONG',
        message: 'The request line is too long; send long filters in a POST body',
        requestId: admin.headers['x-request-id'],
      },
    });
  });

  it('too-large headers are a 431 from the catalog with a request id', async () => {
    const a = await raw(port, get('/api/datasets', `X-Padding: ${'p'.repeat(20_000)}\r\n`));
    assert.equal(a.status, 431);
    assert.equal(a.body, '{"code":431,"msg":"The request headers are too large","data":[]}');
    assert.match(a.headers['x-request-id'], UUID);
  });

  it(
    'a HEAD request with too-large headers gets the status and headers only: a body would be ' +
      'read as the next answer',
    async () => {
      const a = await raw(
        port,
        `HEAD /api/datasets HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`,
      );
      assert.equal(a.status, 431);
      assert.equal(a.body, '');
      assert.match(a.headers['x-request-id'], UUID);
    },
  );

  it('an X-Request-Id that is not a plain token is replaced, not echoed', async () => {
    for (const junk of ['with space', 'one, two', 'x'.repeat(129)]) {
      const a = await raw(port, get('/api/dataset/%41', `X-Request-Id: ${junk}\r\n`));
      assert.equal(a.status, 401);
      assert.match(a.headers['x-request-id'], UUID, junk);
    }
  });

  it("/admin/api/ is the admin API's 404, not a console page", async () => {
    const a = await raw(port, get('/admin/api/'));
    assert.equal(a.status, 404);
    assert.equal(JSON.parse(a.body).error.code, 'NOT_FOUND');
    assert.equal(JSON.parse(a.body).error.requestId, a.headers['x-request-id']);
  });

  it('bytes that are not HTTP get a 400 from the catalog', async () => {
    const a = await raw(port, 'HELLO\r\n\r\n');
    assert.equal(a.status, 400);
    assert.equal(a.body, '{"code":400,"msg":"The request is not valid HTTP/1.1","data":[]}');
    assert.match(a.headers['x-request-id'], UUID);
  });

  it('a well-formed request on the same server is still answered normally', async () => {
    const a = await raw(port, get('/api/dataset/%41'));
    assert.equal(a.status, 401);
    assert.equal(a.body, '{"message":"Missing API key in request"}');
    assert.match(a.headers['x-request-id'], UUID);
  });
});
