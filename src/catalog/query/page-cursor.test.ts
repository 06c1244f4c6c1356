import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSecretBox } from '../../shared/secret-box.ts';
import { checkCursor, decodeCursor, encodeCursor } from './page-cursor.ts';

describe('the keyset cursor of dataset pages', () => {
  const ds = { id: '1534956341424005122', version: 7 };
  const box = createSecretBox('a server secret', 'page-cursor');

  it('round-trips as base64url text that holds no readable row number', () => {
    const text = encodeCursor({ datasetId: ds.id, version: 7, row: 123_456 }, box);
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.ok(!Buffer.from(text, 'base64url').toString('latin1').includes('123456'));
    assert.deepEqual(decodeCursor(text, box), { datasetId: ds.id, version: 7, row: 123_456 });
    assert.deepEqual(checkCursor(text, ds, box), { ok: true, row: 123_456 });
  });

  it('starts at the first row when empty', () => {
    assert.deepEqual(checkCursor('', ds, box), { ok: true, row: 0 });
  });

  it('refuses text it did not seal, however it is changed, and cursors of another secret', () => {
    const text = encodeCursor({ datasetId: ds.id, version: 7, row: 3 }, box);
    const flip = (i: number) => text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
    const plain = (s: string) => Buffer.from(s).toString('base64url');
    const other = createSecretBox('another secret', 'page-cursor');
    for (const bad of [
      'x',
      '!!!',
      flip(0),
      flip(20),
      flip(text.length - 1),
      text.slice(0, -2),
      `${text}AA`,
      plain(`1.${ds.id}.7.3`),
      encodeCursor({ datasetId: ds.id, version: 7, row: 3 }, other),
      // Sealed, but not a cursor inside.
      box.encrypt(`1.${ds.id}.7.-1`).slice(3),
      box.encrypt(`2.${ds.id}.7.1`).slice(3),
      box.encrypt(`1.${ds.id}.7.${'9'.repeat(16)}`).slice(3),
      'A'.repeat(201),
    ]) {
      assert.equal(decodeCursor(bad, box), null, bad);
      assert.deepEqual(checkCursor(bad, ds, box), { ok: false, reason: 'INVALID' }, bad);
    }
  });

  it('tells a cursor of another dataset from one of another version of this one', () => {
    const other = encodeCursor({ datasetId: '1000000000000000001', version: 7, row: 3 }, box);
    assert.deepEqual(checkCursor(other, ds, box), { ok: false, reason: 'OTHER_DATASET' });
    const stale = encodeCursor({ datasetId: ds.id, version: 6, row: 3 }, box);
    assert.deepEqual(checkCursor(stale, ds, box), { ok: false, reason: 'STALE', version: 6 });
  });
});
