import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { LightMyRequestResponse } from 'fastify';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { cliWorkspace, type CliWorkspace } from './support/cli-workspace.ts';
import { importDataset } from './support/fixtures.ts';
import { serve } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const execFileP = promisify(execFile);
const TOKEN = /^dgt_[0-9a-f]{64}$/;
const BOUNDARY = '----datagate-test-boundary';

/** A multipart/form-data body as curl -F sends it: a text field, then the file part. */
function form(filename: string, content: string, field = 'file'): Buffer {
  return Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nnightly\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      `Content-Type: text/csv\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`,
  );
}

describe('admin tokens through the admin API', () => {
  let t: TestServer;
  let admin: AdminClient;
  let dsId: string;

  const withToken = (
    token: string,
    method: string,
    url: string,
    opts: { body?: unknown; payload?: Buffer; type?: string; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> =>
    t.server.app.inject({
      method: method as 'GET',
      url,
      headers: {
        authorization: `Bearer ${token}`,
        ...(opts.type ? { 'content-type': opts.type } : {}),
        ...opts.headers,
      },
      ...(opts.payload ? { payload: opts.payload } : opts.body === undefined ? {} : { payload: opts.body as object }),
    });

  const reloadForm = (token: string, id: string, body: Buffer) =>
    withToken(token, 'POST', `/admin/api/datasets/${id}/reload`, {
      payload: body,
      type: `multipart/form-data; boundary=${BOUNDARY}`,
    });

  const refused = (res: LightMyRequestResponse, pattern: RegExp) => {
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().error.code, 'UNAUTHENTICATED');
    assert.match(res.json().error.message, pattern);
  };

  before(async () => {
    t = await startTestServer();
    admin = await signedInAdmin(t);
    dsId = (await importDataset(t, 'tickets.csv', 'id,summary\n1,Printer\n', 'Tickets')).id;
  });
  after(() => t.close());

  it('creates a token: its secret once, then a list without it', async () => {
    const created = await admin.ok('POST', '/admin/api/tokens', { name: 'Nightly reload', expiresAt: '30d' });
    assert.match(created.token, TOKEN);
    assert.equal(created.name, 'Nightly reload');
    assert.equal(created.hint, `dgt_…${created.token.slice(-4)}`);
    assert.equal(created.createdBy, admin.email);
    assert.ok(Date.parse(created.expiresAt) > Date.now() + 29 * 86_400_000);
    const res = await admin.call('GET', '/admin/api/tokens');
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(created.token), 'the list shows the secret');
    assert.ok(!res.body.includes(created.token.slice(4, 60)), 'the list shows part of the secret');
    const listed = res.json().tokens.find((x: { id: string }) => x.id === created.id);
    assert.equal(listed.token, undefined);
    assert.deepEqual(Object.keys(listed).sort(), [
      'createdAt',
      'createdBy',
      'expiresAt',
      'hint',
      'id',
      'lastUsedAt',
      'name',
      'role',
    ]);
  });

  it('refuses a name that is empty or too long, and an expiry in the past or of junk: 400', async () => {
    for (const body of [
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(201) },
      { name: 'ok', expiresAt: '2001-01-01' },
      { name: 'ok', expiresAt: 'soon' },
      { name: 'ok', expiresAt: '0' },
    ]) {
      const res = await admin.call('POST', '/admin/api/tokens', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().error.code, 'INVALID_INPUT');
    }
  });

  it('stores only the SHA-256 of the secret: nothing in the table gives it back', async () => {
    const { token, id } = await admin.ok('POST', '/admin/api/tokens', { name: 'At rest' });
    const row = await t.modules.store.db.selectFrom('adminTokens').selectAll().where('id', '=', id).executeTakeFirst();
    assert.ok(row);
    assert.equal(row.tokenHash, createHash('sha256').update(token).digest('hex'));
    const stored = JSON.stringify(row);
    assert.ok(!stored.includes(token.slice(4)), 'the secret is stored');
    assert.ok(!stored.includes(token.slice(4, 20)), 'part of the secret is stored');
  });

  it('reloads a dataset with the file as a form and no CSRF token; the audit log names the token', async () => {
    const { token } = await admin.ok('POST', '/admin/api/tokens', { name: 'Nightly job' });
    const res = await reloadForm(token, dsId, form('tickets.csv', 'id,summary\n1,Printer\n2,VPN\n3,Mail\n'));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().rowCount, 3);
    assert.equal(res.json().version, 2);
    const rows = await admin.ok('GET', `/admin/api/datasets/${dsId}/rows`);
    assert.deepEqual(
      rows.records.map((r: { summary: string }) => r.summary),
      ['Printer', 'VPN', 'Mail'],
    );
    const audit = (await admin.ok('GET', '/admin/api/audit?action=dataset.reload')).items[0];
    assert.equal(audit.actor, 'Nightly job');
    assert.match(audit.detail, /3 rows, 2 fields from tickets\.csv/);
    assert.ok(!JSON.stringify(await admin.ok('GET', '/admin/api/audit?size=200')).includes(token.slice(4)));

    // Reads and JSON changes too, without a cookie or a CSRF token.
    assert.equal((await withToken(token, 'GET', '/admin/api/datasets')).json().total, 1);
    const patched = await withToken(token, 'PATCH', `/admin/api/datasets/${dsId}`, {
      body: { description: 'nightly' },
    });
    assert.equal(patched.statusCode, 200, patched.body);
    const listed = (await admin.ok('GET', '/admin/api/tokens')).tokens.find(
      (x: { name: string }) => x.name === 'Nightly job',
    );
    assert.ok(listed.lastUsedAt, 'the use is recorded');
  });

  it('refuses a form without a "file" part, or cut short, and a form on any other route', async () => {
    const { token } = await admin.ok('POST', '/admin/api/tokens', { name: 'Forms' });
    const noFile = await reloadForm(token, dsId, form('t.csv', 'id\n1\n', 'upload'));
    assert.equal(noFile.statusCode, 400, noFile.body);
    assert.match(noFile.json().error.message, /no file field "file"/);
    const cut = form('t.csv', 'id\n1\n');
    const short = await reloadForm(token, dsId, cut.subarray(0, cut.length - 20));
    assert.equal(short.statusCode, 400, short.body);
    assert.match(short.json().error.message, /cut short/);
    const elsewhere = await withToken(token, 'POST', '/admin/api/keys', {
      payload: form('t.csv', 'id\n1\n'),
      type: `multipart/form-data; boundary=${BOUNDARY}`,
    });
    assert.equal(elsewhere.statusCode, 415);
    const bad = await reloadForm(token, dsId, form('t.csv', 'id,summary\n1\n"unclosed\n'));
    assert.ok(bad.statusCode === 400, bad.body);
    assert.equal((await admin.ok('GET', `/admin/api/datasets/${dsId}`)).rowCount, 3, 'the rows stay');
  });

  it('still wants the CSRF token from a session that sends a form', async () => {
    const res = await t.server.app.inject({
      method: 'POST',
      url: `/admin/api/datasets/${dsId}/reload`,
      headers: { cookie: admin.cookie, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: form('t.csv', 'id\n9\n'),
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'CSRF_INVALID');
  });

  it('refuses garbage, unknown, revoked and expired tokens with 401, never falling back to the session', async () => {
    const { token, id } = await admin.ok('POST', '/admin/api/tokens', { name: 'Short lived' });
    assert.equal((await withToken(token, 'GET', '/admin/api/keys')).statusCode, 200);

    refused(await withToken('nonsense', 'GET', '/admin/api/keys'), /holds no admin token/);
    refused(await withToken('dgk_' + '0'.repeat(40), 'GET', '/admin/api/keys'), /holds no admin token/);
    refused(await withToken(`dgt_${'0'.repeat(64)}`, 'GET', '/admin/api/keys'), /unknown or was revoked/);
    // The session's cookie and CSRF token beside a bad token: still refused.
    refused(
      await withToken(`dgt_${'1'.repeat(64)}`, 'POST', '/admin/api/keys', {
        body: { name: 'Sneaky' },
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      }),
      /unknown or was revoked/,
    );
    // On the routes that need no session too.
    refused(await withToken('nonsense', 'GET', '/admin/api/session'), /holds no admin token/);

    await t.modules.store.db
      .updateTable('adminTokens')
      .set({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', id)
      .execute();
    refused(await withToken(token, 'GET', '/admin/api/keys'), /has expired/);

    const live = await admin.ok('POST', '/admin/api/tokens', { name: 'To revoke' });
    assert.equal((await withToken(live.token, 'GET', '/admin/api/keys')).statusCode, 200);
    await admin.ok('DELETE', `/admin/api/tokens/${live.id}`);
    refused(await withToken(live.token, 'GET', '/admin/api/keys'), /unknown or was revoked/);
    assert.ok(!(await admin.ok('GET', '/admin/api/tokens')).tokens.some((x: { id: string }) => x.id === live.id));
    const again = await admin.call('DELETE', `/admin/api/tokens/${live.id}`);
    assert.equal(again.statusCode, 404);
    const revokedEntry = (await admin.ok('GET', '/admin/api/audit?action=token.revoke')).items[0];
    assert.equal(revokedEntry.target, `To revoke (${live.id})`);
  });

  it('has no session to end', async () => {
    const { token } = await admin.ok('POST', '/admin/api/tokens', { name: 'No session' });
    const res = await withToken(token, 'DELETE', '/admin/api/session');
    assert.equal(res.statusCode, 409);
    assert.match(res.json().error.message, /revoke the token/);
  });

  it('acts for its own tenant only', async () => {
    const beta = await signedInAdmin(t, { tenantSlug: 'beta' });
    const { token } = await beta.ok('POST', '/admin/api/tokens', { name: 'Beta nightly' });
    const res = await reloadForm(token, dsId, form('t.csv', 'id,summary\n7,Stolen\n'));
    assert.equal(res.statusCode, 404, res.body);
    assert.equal((await withToken(token, 'GET', `/admin/api/datasets/${dsId}`)).statusCode, 404);
    assert.deepEqual(
      (await beta.ok('GET', '/admin/api/tokens')).tokens.map((x: { name: string }) => x.name),
      ['Beta nightly'],
    );
    assert.equal((await withToken(token, 'GET', '/admin/api/datasets')).json().total, 0);
    const alphaToken = (await admin.ok('GET', '/admin/api/tokens')).tokens[0];
    assert.equal((await beta.call('DELETE', `/admin/api/tokens/${alphaToken.id}`)).statusCode, 404);
    // A token is never an owner: tokens and users are not its to manage, in any tenant.
    const own = await withToken(token, 'GET', '/admin/api/tokens');
    assert.equal(own.statusCode, 403);
    assert.equal(own.json().error.code, 'ROLE_REQUIRED');
    assert.equal((await admin.ok('GET', `/admin/api/datasets/${dsId}`)).rowCount, 3);
  });
});

describe('datagate token create|list|revoke, and a nightly job with curl', () => {
  let ws: CliWorkspace;

  before(async () => {
    ws = await cliWorkspace('tokens');
  });
  after(() => ws.close());

  it('creates, lists without the secret and revokes; a curl -F reload with it; the log never has it', async () => {
    ws.write('tickets.csv', 'id,summary\n1,Printer\n');
    const ds = await ws.dg('dataset', 'import', 'tickets.csv', '--name', 'Tickets');
    const created = await ws.dg('token', 'create', '--name', 'nightly', '--expires', '90d');
    assert.match(created.token, TOKEN);
    assert.ok(Date.parse(created.expiresAt) > Date.now() + 89 * 86_400_000);
    const human = await ws.run(['token', 'create', '--name', 'second']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /shown only now:\ndgt_[0-9a-f]{64}\n$/);

    const listed = await ws.run(['token', 'list']);
    assert.equal(listed.code, 0);
    assert.ok(listed.stdout.includes('nightly') && listed.stdout.includes(created.id));
    assert.ok(!listed.stdout.includes(created.token.slice(4)), 'the list shows the secret');
    const json = await ws.dg('token', 'list');
    assert.equal(json.tokens.length, 2);
    assert.ok(!JSON.stringify(json).includes(created.token.slice(4)));

    const bad = await ws.dgFail('token', 'create', '--name', 'x', '--expires', 'yesterday');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expires/);

    // The server logs every request (debug), and must not log the token.
    const server = await serve({ ...ws.env, DATAGATE_LOG_LEVEL: 'debug' }, ws.dir);
    let log = '';
    server.child.stdout!.on('data', (d) => (log += d));
    server.child.stderr!.on('data', (d) => (log += d));
    try {
      ws.write('nightly.csv', 'id,summary\n1,Printer\n2,VPN\n');
      const { stdout } = await execFileP(
        'curl',
        [
          '-sS',
          '-w',
          '\n%{http_code}',
          '-H',
          `Authorization: Bearer ${created.token}`,
          '-F',
          'file=@nightly.csv',
          `${server.url}/admin/api/datasets/${ds.id}/reload`,
        ],
        { cwd: ws.dir },
      );
      const [body, status] = stdout.split('\n');
      assert.equal(status, '200', body);
      assert.equal(JSON.parse(body).rowCount, 2);

      const revoked = await ws.dg('token', 'revoke', created.id);
      assert.deepEqual(revoked, { revoked: created.id });
      const after = await fetch(`${server.url}/admin/api/datasets`, {
        headers: { authorization: `Bearer ${created.token}` },
      });
      assert.equal(after.status, 401);
    } finally {
      await server.stop();
    }
    assert.match(log, /datasets/, 'the server logged the requests');
    assert.ok(!log.includes(created.token.slice(4)), 'the log holds the token');
    const again = await ws.dgFail('token', 'revoke', created.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no token/);
  });
});
