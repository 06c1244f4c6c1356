import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCursor, decodeCursor, encodeCursor } from './page-cursor.ts';

describe('the keyset cursor of dataset pages', () => {
  const ds = { id: '1534956341424005122', version: 7 };

  it('round-trips as base64url text', () => {
    const text = encodeCursor({ datasetId: ds.id, version: 7, row: 123_456 });
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(text), { datasetId: ds.id, version: 7, row: 123_456 });
    assert.deepEqual(checkCursor(text, ds), { ok: true, row: 123_456 });
  });

  it('starts at the first row when empty', () => {
    assert.deepEqual(checkCursor('', ds), { ok: true, row: 0 });
  });

  it('refuses text it did not make, however it is changed', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const text of [
      'x',
      '!!!',
      b64(`2.${ds.id}.7.1`),
      b64(`1.${ds.id}.7.-1`),
      b64(`1.${ds.id}.7.1.5`),
      b64(`1.${ds.id}.7.1e3`),
      b64(`1.${ds.id}.7.${'9'.repeat(16)}`),
      b64(`1.abc.7.1`),
      b64(`1.${ds.id}.7.1\n`),
      'A'.repeat(101),
    ]) {
      assert.equal(decodeCursor(text), null, text);
      assert.deepEqual(checkCursor(text, ds), { ok: false, reason: 'INVALID' }, text);
    }
  });

  it('tells a cursor of another dataset from one of another version of this one', () => {
    const other = encodeCursor({ datasetId: '1000000000000000001', version: 7, row: 3 });
    assert.deepEqual(checkCursor(other, ds), { ok: false, reason: 'OTHER_DATASET' });
    const stale = encodeCursor({ datasetId: ds.id, version: 6, row: 3 });
    assert.deepEqual(checkCursor(stale, ds), { ok: false, reason: 'STALE', version: 6 });
  });
});
