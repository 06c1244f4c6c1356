import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signedInAdmin, type AdminClient } from './support/admin-client.ts';
import { boundKey, createWidget, importDataset } from './support/fixtures.ts';
import { startTestServer, type TestServer } from './support/test-server.ts';

const V1 = 'board,status,hours\nDesk,open,1\nProjects,closed,2\n';
const RENAMED = 'board,state,hours\nDesk,open,1\nProjects,closed,2\n';

describe('admin API: what a reload’s new fields break', () => {
  let t: TestServer;
  let a: AdminClient;
  let other: AdminClient;
  let uploadDir: string;
  let dsId: string;
  let byStatus: string;
  let byBoard: string;
  let key: { id: string; key: string };

  const upload = (client: AdminClient, query: string, body: string) =>
    client.call('POST', `/admin/api/uploads?${query}`, Buffer.from(body), {
      'content-type': 'application/octet-stream',
    });

  before(async () => {
    uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-drift-'));
    t = await startTestServer({ DATAGATE_UPLOAD_DIR: uploadDir });
    a = await signedInAdmin(t);
    other = await signedInAdmin(t, { tenantSlug: 'other' });
    dsId = (await importDataset(t, 'tickets.csv', V1, 'Tickets')).id;
    const spec = (name: string, field: string) => ({
      name,
      dataset: dsId,
      chart: 'table',
      dimensions: [{ field, label: field }],
    });
    byStatus = (await createWidget(t, spec('By status', 'status'))).id;
    byBoard = (await createWidget(t, spec('By board', 'board'))).id;
    key = await boundKey(t, { name: 'partner', rateLimit: 100_000, widgets: [byStatus] });
    await t.modules.access.keys.bind(t.tenant.id, key.id, 'dataset', dsId, 'status[eq]=open');
    await t.modules.access.keys.bind(t.tenant.id, key.id, 'widget', byBoard, 'board[eq]=Desk');
  });
  after(async () => {
    await t.close();
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });

  it('inspect with ?reload=ID tells what the inferred fields would break; without it, nothing', async () => {
    const plain = await upload(a, 'filename=r.csv', RENAMED);
    assert.equal(plain.statusCode, 201, plain.body);
    assert.equal(plain.json().breaks, undefined);

    const same = await upload(a, `filename=s.csv&reload=${dsId}`, V1);
    assert.deepEqual(same.json().breaks, []);

    const res = await upload(a, `filename=r.csv&reload=${dsId}`, RENAMED);
    assert.equal(res.statusCode, 201, res.body);
    const breaks = res.json().breaks;
    assert.deepEqual(
      breaks.map((b: { kind: string; id: string; key?: { id: string } }) => [b.kind, b.id, b.key?.id]),
      [
        ['widget', byStatus, undefined],
        ['scope', dsId, key.id],
      ],
    );
    for (const b of breaks) assert.match(b.reason, /"status"/);
    // Nothing was loaded yet.
    assert.equal((await t.modules.catalog.datasets.get(t.tenant.id, dsId)).version, 1);
  });

  it('inspect for an unknown dataset, or another tenant’s, is 404 and stages nothing', async () => {
    const before = fs.readdirSync(uploadDir).length;
    assert.equal((await upload(a, 'filename=r.csv&reload=123', RENAMED)).statusCode, 404);
    const foreign = await upload(other, `filename=r.csv&reload=${dsId}`, RENAMED);
    assert.equal(foreign.statusCode, 404);
    assert.doesNotMatch(foreign.body, /status|partner|By status/);
    assert.equal(fs.readdirSync(uploadDir).length, before);
  });

  it('the reload applies and answers the same breaks; the widget then answers 409 and is marked broken', async () => {
    const staged = (await upload(a, 'filename=r.csv', RENAMED)).json().uploadId;
    const ds = await a.ok('POST', `/admin/api/datasets/${dsId}/reload`, { uploadId: staged }, 200);
    assert.equal(ds.version, 2);
    assert.deepEqual(
      ds.breaks.map((b: { kind: string; name: string; key?: { name: string } }) => [b.kind, b.name, b.key?.name]),
      [
        ['widget', 'By status', undefined],
        ['scope', 'Tickets', 'partner'],
      ],
    );
    const pub = await t.server.app.inject({
      method: 'GET',
      url: `/api/widget/${byStatus}`,
      headers: { apikey: key.key },
    });
    assert.equal(pub.statusCode, 409);

    const items = (await a.ok('GET', '/admin/api/widgets')).items;
    const w = (id: string) => items.find((x: { id: string }) => x.id === id);
    assert.match(w(byStatus).broken, /"status"/);
    assert.equal(w(byBoard).broken, null);
    assert.match((await a.ok('GET', `/admin/api/widgets/${byStatus}`)).broken, /"status"/);
    // The key's bindings say so too: the Public API page marks them.
    const bound = (await a.ok('GET', `/admin/api/keys/${key.id}`)).bindings;
    const b = (id: string) => bound.widgets.find((x: { id: string }) => x.id === id);
    assert.match(b(byStatus).broken, /"status"/);
    assert.equal(b(byBoard).broken, null);
    assert.equal(bound.datasets[0].broken, null, 'a dataset binding is never a broken widget');

    // A second reload with the same fields breaks nothing new.
    const again = (await upload(a, 'filename=r.csv', RENAMED)).json().uploadId;
    assert.deepEqual((await a.ok('POST', `/admin/api/datasets/${dsId}/reload`, { uploadId: again }, 200)).breaks, []);
  });
});
