import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { DomainError } from '../shared/errors.ts';
import { createUploadStore, UPLOAD_TTL_MS } from './upload-store.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-upload-store-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let now = Date.now();
const store = createUploadStore({ dir: path.join(dir, 'uploads'), limitBytes: 100, clock: { now: () => now } });
const files = () => fs.readdirSync(path.join(dir, 'uploads')).sort();

async function saved(tenant: string, name: string, text: string) {
  const r = await store.save(tenant, name, Readable.from([Buffer.from(text)]));
  assert.ok(r.ok);
  return r.upload;
}

describe('upload store', () => {
  it('keeps only the base name of what the client calls the file; the stored name is its own', async () => {
    const u = await saved('t1', '..\\..\\secret/../Tickets.CSV', 'a\n1\n');
    assert.equal(u.filename, 'Tickets.CSV');
    assert.equal(u.format, 'csv');
    assert.equal(u.bytes, 4);
    assert.equal(path.dirname(u.file), path.join(dir, 'uploads'));
    assert.equal(path.basename(u.file), `${u.id}.csv`);
    assert.equal(fs.readFileSync(u.file, 'utf8'), 'a\n1\n');
    assert.deepEqual(await store.get('t1', u.id), u);
  });

  it('refuses names with control characters and types it cannot read', async () => {
    for (const name of ['a\nb.csv', 'notes.txt', 'csv', '']) {
      await assert.rejects(
        store.save('t1', name, Readable.from([Buffer.from('x')])),
        (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT',
        name,
      );
    }
  });

  it('refuses a body above the limit, declared or counted, and keeps no part of it', async () => {
    const before = files();
    assert.deepEqual(await store.save('t1', 'a.csv', Readable.from([Buffer.alloc(10)]), 101), {
      ok: false,
      reason: 'TOO_LARGE',
    });
    assert.deepEqual(await store.save('t1', 'a.csv', Readable.from([Buffer.alloc(60), Buffer.alloc(60)])), {
      ok: false,
      reason: 'TOO_LARGE',
    });
    assert.ok(
      (await store.save('t1', 'a.csv', Readable.from([Buffer.alloc(60), Buffer.alloc(40)]))).ok,
      'exactly the limit fits',
    );
    assert.equal(files().length, before.length + 2);
  });

  it('deletes the partial file when the body fails half-way', async () => {
    const before = files();
    const failing = new Readable({
      read() {
        this.push(Buffer.from('a\n'));
        this.destroy(new Error('client went away'));
      },
    });
    await assert.rejects(store.save('t1', 'a.csv', failing), /client went away/);
    assert.deepEqual(files(), before);
  });

  it("another tenant's, a malformed and a removed id are not found", async () => {
    const u = await saved('t1', 'b.csv', 'a\n1\n');
    const notFound = (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND';
    await assert.rejects(store.get('t2', u.id), notFound);
    await assert.rejects(store.get('t1', '../uploads/x'), notFound);
    await store.remove(u.id);
    await assert.rejects(store.get('t1', u.id), notFound);
  });

  it('expires uploads after the TTL, and the sweep deletes them but nothing it did not write', async () => {
    const u = await saved('t1', 'c.csv', 'a\n1\n');
    const foreign = path.join(dir, 'uploads', 'README.txt');
    fs.writeFileSync(foreign, 'not ours');
    now += UPLOAD_TTL_MS + 1000;
    await assert.rejects(store.get('t1', u.id), (e: unknown) => e instanceof DomainError && e.code === 'NOT_FOUND');
    await store.sweep();
    assert.deepEqual(files(), ['README.txt']);
  });
});
