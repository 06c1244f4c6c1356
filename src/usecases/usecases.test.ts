import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openModules, type Modules } from '../modules.ts';
import { DomainError } from '../shared/errors.ts';

// Real parts: a SQLite file, the modules as openModules wires them, an upload folder.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-usecases-'));
// Each reading of the clock a millisecond later: bindings keep the order they were made in.
let now = Date.UTC(2026, 10, 28, 10, 0, 0);
const clock = { now: () => now++ };
let m: Modules;
let tenant: string;
let other: string;

before(async () => {
  m = await openModules(
    {
      database: `sqlite:${path.join(dir, 'test.db')}`,
      secret: 'unit-test-secret-'.repeat(3),
      admin: { uploadDir: path.join(dir, 'uploads'), uploadLimitMb: 1 },
    },
    clock,
  );
  tenant = (await m.access.tenants.ensure('acme')).id;
  other = (await m.access.tenants.ensure('other')).id;
});
after(async () => {
  await m.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let files = 0;
async function dataset(tenantId: string, name: string) {
  const file = path.join(dir, `d${files++}.csv`);
  fs.writeFileSync(file, 'board,hours\nA,1\nB,2\n');
  return m.catalog.datasets.importFile(tenantId, { file, name });
}
const widget = (tenantId: string, datasetId: string, name: string) =>
  m.catalog.widgets.create(tenantId, {
    name,
    dataset: datasetId,
    chart: 'number',
    measures: [{ agg: 'count', label: 'N' }],
  });
const reload = () =>
  Promise.all([m.access.registry.reload(), m.catalog.registry.reload(), m.catalog.widgetRegistry.reload()]);
const bindingsTo = async (ids: string[]) =>
  (
    await m.store.db
      .selectFrom('bindings')
      .select(['keyId', 'resourceType', 'resourceId'])
      .where('resourceId', 'in', ids)
      .execute()
  ).length;
const exists = async (table: 'datasets' | 'widgets', id: string) =>
  (await m.store.db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
const notFound = (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND';

describe('deleteDataset', () => {
  it('removes the dataset, its widgets and every binding to either; other resources and bindings stay', async () => {
    const ds = await dataset(tenant, 'Tickets');
    const keep = await dataset(tenant, 'Kept');
    const w1 = await widget(tenant, ds.id, 'B');
    const w2 = await widget(tenant, ds.id, 'A');
    const w3 = await widget(tenant, keep.id, 'Kept widget');
    const key = await m.access.keys.create(tenant, { name: 'k' });
    await m.access.keys.bindAll(tenant, key.id, [
      { type: 'dataset', id: ds.id },
      { type: 'widget', id: w1.id },
      { type: 'widget', id: w2.id },
      { type: 'dataset', id: keep.id },
      { type: 'widget', id: w3.id },
    ]);
    const generation = await m.store.readGeneration();

    const removed = await m.usecases.deleteDataset(tenant, ds.id);

    assert.equal(removed.dataset.id, ds.id);
    assert.deepEqual(removed.widgets, [
      { id: w2.id, name: 'A' },
      { id: w1.id, name: 'B' },
    ]);
    assert.equal(await exists('datasets', ds.id), false);
    assert.equal(await exists('widgets', w1.id), false);
    assert.equal(await exists('widgets', w2.id), false);
    assert.equal(await bindingsTo([ds.id, w1.id, w2.id]), 0);
    assert.equal(await exists('datasets', keep.id), true);
    assert.equal(await exists('widgets', w3.id), true);
    assert.equal(await bindingsTo([keep.id, w3.id]), 2);
    const retired = await m.store.db
      .selectFrom('retiredTables')
      .select('tableName')
      .where('tableName', '=', ds.tableName)
      .execute();
    assert.equal(retired.length, 1, 'its table waits for the sweep, as a replaced one does');
    assert.ok((await m.store.readGeneration()) > generation, 'the change counter moved');
  });

  it('a failure half-way leaves the dataset, its widgets and every binding as they were', async () => {
    const ds = await dataset(tenant, 'Half');
    const w = await widget(tenant, ds.id, 'W');
    const key = await m.access.keys.create(tenant, { name: 'k2' });
    await m.access.keys.bindAll(tenant, key.id, [
      { type: 'dataset', id: ds.id },
      { type: 'widget', id: w.id },
    ]);
    const generation = await m.store.readGeneration();
    // The last statement but one fails: bindings and widgets are deleted by then.
    await sql
      .raw(
        `CREATE TRIGGER refuse_dataset_delete BEFORE DELETE ON datasets ` +
          `BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      )
      .execute(m.store.db);
    try {
      await assert.rejects(m.usecases.deleteDataset(tenant, ds.id), /refused by the test/);
    } finally {
      await sql`DROP TRIGGER refuse_dataset_delete`.execute(m.store.db);
    }
    assert.equal(await exists('datasets', ds.id), true);
    assert.equal(await exists('widgets', w.id), true);
    assert.equal(await bindingsTo([ds.id, w.id]), 2);
    assert.equal(await m.store.readGeneration(), generation);

    await m.usecases.deleteDataset(tenant, ds.id);
    assert.equal(await exists('datasets', ds.id), false);
    assert.equal(await bindingsTo([ds.id, w.id]), 0);
  });

  it("is NOT_FOUND for an unknown id and for another tenant's dataset, which stays", async () => {
    const theirs = await dataset(other, 'Theirs');
    await assert.rejects(m.usecases.deleteDataset(tenant, 'nope'), notFound);
    await assert.rejects(
      m.usecases.deleteDataset(tenant, theirs.id),
      (e) => notFound(e) && /no dataset ".+" in this tenant/.test((e as Error).message),
    );
    assert.equal(await exists('datasets', theirs.id), true);
  });
});

describe('deleteWidget', () => {
  it('removes the widget and its bindings; a failure half-way leaves both', async () => {
    const ds = await dataset(tenant, 'For widgets');
    const w = await widget(tenant, ds.id, 'Doomed');
    const key = await m.access.keys.create(tenant, { name: 'k3' });
    await m.access.keys.bind(tenant, key.id, 'widget', w.id);
    await sql
      .raw(
        `CREATE TRIGGER refuse_widget_delete BEFORE DELETE ON widgets ` +
          `BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
      )
      .execute(m.store.db);
    try {
      await assert.rejects(m.usecases.deleteWidget(tenant, w.id), /refused by the test/);
    } finally {
      await sql`DROP TRIGGER refuse_widget_delete`.execute(m.store.db);
    }
    assert.equal(await bindingsTo([w.id]), 1);

    assert.equal((await m.usecases.deleteWidget(tenant, w.id)).name, 'Doomed');
    assert.equal(await exists('widgets', w.id), false);
    assert.equal(await bindingsTo([w.id]), 0);
    assert.equal(await exists('datasets', ds.id), true);
    await assert.rejects(m.usecases.deleteWidget(tenant, w.id), notFound);
  });
});

describe('resources of a key (in memory)', () => {
  it(
    'answers NOT_FOUND, UNBOUND, STALE or the resource with its binding, and lists bound ' +
      'resources in binding order',
    async () => {
      const a = await dataset(tenant, 'A');
      const b = await dataset(tenant, 'B');
      const unbound = await dataset(tenant, 'Unbound');
      const theirs = await dataset(other, 'Theirs');
      const gone = await dataset(tenant, 'Gone');
      const w = await widget(tenant, a.id, 'On A');
      const stale = await widget(tenant, gone.id, 'On gone');
      const key = (await m.access.keys.create(tenant, { name: 'reader' })).id;
      await m.access.keys.bind(tenant, key, 'dataset', b.id);
      await m.access.keys.bind(tenant, key, 'dataset', a.id);
      await m.access.keys.bind(tenant, key, 'widget', stale.id);
      await m.access.keys.bind(tenant, key, 'widget', w.id);
      // A widget whose dataset is gone: what a registry sees between two reloads.
      await m.store.db.deleteFrom('datasets').where('id', '=', gone.id).execute();
      await reload();
      const r = m.usecases.resources;
      const p = { tenantId: tenant, keyId: key };

      const found = r.dataset(p, a.id);
      assert.ok(found.ok);
      assert.equal(found.dataset.id, a.id);
      assert.deepEqual(
        { ...found.binding },
        { keyId: key, type: 'dataset', resourceId: a.id, where: '', whereTypes: {} },
      );
      const again = r.dataset(p, a.id);
      assert.ok(again.ok);
      assert.equal(again.binding, found.binding, 'one binding object until the next reload');
      assert.deepEqual(r.dataset(p, 'nope'), { ok: false, reason: 'NOT_FOUND' });
      assert.deepEqual(
        r.dataset(p, theirs.id),
        { ok: false, reason: 'NOT_FOUND' },
        "another tenant's dataset is not found",
      );
      assert.deepEqual(r.dataset(p, unbound.id), { ok: false, reason: 'UNBOUND' });
      assert.deepEqual(r.dataset(p, w.id), { ok: false, reason: 'NOT_FOUND' }, 'a widget id is no dataset');

      const fw = r.widget(p, w.id);
      assert.ok(fw.ok);
      assert.equal(fw.widget.id, w.id);
      assert.equal(fw.dataset.id, a.id);
      assert.deepEqual({ ...fw.binding }, { keyId: key, type: 'widget', resourceId: w.id, where: '', whereTypes: {} });
      const st = r.widget(p, stale.id);
      assert.ok(!st.ok && st.reason === 'STALE');
      assert.equal(st.widget.datasetId, gone.id);
      assert.deepEqual(r.widget(p, a.id), { ok: false, reason: 'NOT_FOUND' });
      assert.deepEqual(r.widget({ tenantId: other, keyId: key }, w.id), { ok: false, reason: 'NOT_FOUND' });

      assert.deepEqual(
        r.boundDatasets(p).map((x) => x.dataset.name),
        ['B', 'A'],
      );
      assert.deepEqual(
        r.boundWidgets(p).map((x) => [x.widget.name, x.dataset?.name]),
        [
          ['On gone', undefined],
          ['On A', 'A'],
        ],
      );
      assert.deepEqual(r.boundDatasets({ tenantId: tenant, keyId: 'no key' }), []);

      await m.access.keys.unbind(tenant, key, 'dataset', a.id);
      await reload();
      assert.deepEqual(r.dataset(p, a.id), { ok: false, reason: 'UNBOUND' });
      assert.deepEqual(
        r.boundDatasets(p).map((x) => x.dataset.name),
        ['B'],
      );
    },
  );
});

describe('the access snapshot of a request', () => {
  it('a principal authenticated before a reload keeps the bindings of its own snapshot after it', async () => {
    const a = await dataset(tenant, 'Snapshot');
    const created = await m.access.keys.create(tenant, { name: 'snapshot reader' });
    await m.access.keys.bind(tenant, created.id, 'dataset', a.id);
    await reload();
    const auth = m.access.registry.authenticate(created.key, Date.now());
    assert.ok(auth.ok);
    // Removed (bindings and key) while the request waited, then a reload, then the
    // request resolves its resource: what it was authenticated with still holds, it
    // does not turn into "present but unbound".
    await m.access.keys.remove(tenant, created.id);
    await reload();
    const r = m.usecases.resources.dataset(auth.principal, a.id);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(
      m.access.registry.authenticate(created.key, Date.now()),
      { ok: false, reason: 'INVALID' },
      'a new request is refused',
    );
  });
});

describe('loading an upload', () => {
  const body = (text: string) => Readable.from([Buffer.from(text)]);
  const staged = async (text = 'board,hours\nA,1\nB,x\n') => {
    const s = await m.usecases.uploads.stage(tenant, 'tickets.csv', body(text), { sampleSize: 1 });
    assert.ok(s.ok);
    return s;
  };

  it('stages a file with its fields and first rows; one above the limit is refused before it is read', async () => {
    const s = await staged();
    assert.deepEqual(s.fields, [
      { name: 'board', type: 'TEXT', column: 'c0' },
      { name: 'hours', type: 'TEXT', column: 'c1' },
    ]);
    assert.deepEqual(s.sample, [['A', '1']]);
    assert.equal(m.usecases.uploads.limitBytes, 1024 * 1024);
    assert.deepEqual(
      await m.usecases.uploads.stage(tenant, 'big.csv', body('a\n1\n'), {
        declaredBytes: 2 * 1024 * 1024,
        sampleSize: 1,
      }),
      { ok: false, reason: 'TOO_LARGE' },
    );
  });

  it(
    'a refused load keeps the upload for a retry; ' + 'a load uses it up; a second confirmation at once is a CONFLICT',
    async () => {
      const s = await staged();
      await assert.rejects(
        m.usecases.uploads.create(tenant, {
          uploadId: s.upload.id,
          name: 'T',
          owner: 'a@x',
          types: { hours: 'NUMBER' },
        }),
        (e) => e instanceof DomainError && e.code === 'IMPORT_INVALID',
      );
      const both = await Promise.allSettled([
        m.usecases.uploads.create(tenant, { uploadId: s.upload.id, name: 'T', owner: 'a@x' }),
        m.usecases.uploads.create(tenant, { uploadId: s.upload.id, name: 'T', owner: 'a@x' }),
      ]);
      const first = both.find((x) => x.status === 'fulfilled');
      const second = both.find((x) => x.status === 'rejected');
      assert.ok(first && second, 'one loads, the other is refused');
      assert.equal(first.value.filename, 'tickets.csv');
      assert.equal(first.value.dataset.owner, 'a@x');
      assert.ok(second.reason instanceof DomainError && second.reason.code === 'CONFLICT', String(second.reason));
      await assert.rejects(
        m.usecases.uploads.create(tenant, { uploadId: s.upload.id, name: 'T', owner: 'a@x' }),
        notFound,
      );

      const r = await staged('board,hours\nA,1\nB,2\nC,3\n');
      await assert.rejects(
        m.usecases.uploads.reload(tenant, 'nope', { uploadId: 'not an upload' }),
        (e) => notFound(e) && /dataset/.test((e as Error).message),
      );
      const reloaded = await m.usecases.uploads.reload(tenant, first.value.dataset.id, {
        uploadId: r.upload.id,
        types: { hours: 'NUMBER' },
      });
      assert.equal(reloaded.dataset.version, 2);
      assert.equal(reloaded.dataset.rowCount, 3);
      await assert.rejects(
        m.usecases.uploads.reload(tenant, first.value.dataset.id, { uploadId: r.upload.id }),
        notFound,
      );
    },
  );
});
