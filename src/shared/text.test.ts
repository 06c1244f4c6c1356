import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { nulPath } from './text.ts';

describe('nulPath', () => {
  it('finds the first string holding U+0000 and names its path', () => {
    assert.equal(nulPath({ a: 'x', b: [1, 'ok', { c: 'y\0' }] }, 'body'), 'body.b[2].c');
    assert.equal(nulPath(['\0']), '[0]');
    assert.equal(nulPath('a\0', 'value'), 'value');
  });

  it('names a property whose name holds U+0000 by that name', () => {
    assert.equal(nulPath({ 'k\0': 'v' }, 'query'), 'query.k\0');
  });

  it('walks objects of any prototype, as parsed query strings are', () => {
    const query = Object.create(Object.create(null));
    query.search = 'a\0';
    assert.equal(nulPath(query, 'query'), 'query.search');
  });

  it('walks a body nested thousands deep without overflowing the stack', () => {
    const depth = 20_000;
    const deep = JSON.parse('{"a":'.repeat(depth) + '"x\\u0000"' + '}'.repeat(depth));
    const path = nulPath(deep, 'body');
    assert.equal(path, 'body' + '.a'.repeat(depth));
    assert.equal(nulPath(JSON.parse('['.repeat(depth) + '1' + ']'.repeat(depth))), null);
  });

  it('ignores clean values, bytes and streams', () => {
    assert.equal(nulPath({ a: 'x', b: [1, true, null, { c: 'y\u0001' }] }), null);
    assert.equal(nulPath(Buffer.from('a\0b')), null);
    assert.equal(nulPath(Readable.from(['a\0b'])), null);
    assert.equal(nulPath(undefined), null);
  });
});
