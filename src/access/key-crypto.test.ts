import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createKeyCipher, generateKeySecret, hashKey, keyHint, looksLikeKey } from './key-crypto.ts';

describe('key secrets', () => {
  it('are dgk_ and 160 random bits as hex, never twice the same', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateKeySecret));
    assert.equal(keys.size, 1000);
    for (const k of keys) assert.match(k, /^dgk_[0-9a-f]{40}$/);
    assert.ok([...keys].every(looksLikeKey));
  });

  it('refuse strings of any other shape before hashing', () => {
    for (const s of [
      '',
      'dgk_',
      'dgk_' + 'a'.repeat(39),
      'dgk_' + 'A'.repeat(40),
      'xyz_' + 'a'.repeat(40),
      'dgk_' + 'a'.repeat(41),
    ]) {
      assert.equal(looksLikeKey(s), false, s);
    }
  });

  it('hash to SHA-256 hex, the same for the same key', () => {
    const k = generateKeySecret();
    assert.equal(hashKey(k), hashKey(k));
    assert.match(hashKey(k), /^[0-9a-f]{64}$/);
    assert.notEqual(hashKey(k), hashKey(generateKeySecret()));
    assert.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('show a hint with the last four digits only', () => {
    const k = 'dgk_' + '0123456789'.repeat(4);
    assert.equal(keyHint(k), 'dgk_…6789');
  });
});

describe('the key cipher (AES-256-GCM)', () => {
  const secret = 'x'.repeat(40);

  it('round-trips, with a fresh IV each time', () => {
    const c = createKeyCipher(secret);
    const k = generateKeySecret();
    const a = c.encrypt(k);
    const b = c.encrypt(k);
    assert.notEqual(a, b);
    assert.equal(c.decrypt(a), k);
    assert.equal(c.decrypt(b), k);
    assert.equal(a.includes(k.slice(4)), false);
  });

  it('refuses a ciphertext under another server secret, or tampered with', () => {
    const box = createKeyCipher(secret).encrypt(generateKeySecret());
    assert.throws(() => createKeyCipher('y'.repeat(40)).decrypt(box));
    const raw = Buffer.from(box.slice(3), 'base64url');
    raw[raw.length - 1] ^= 1;
    assert.throws(() => createKeyCipher(secret).decrypt(`v1.${raw.toString('base64url')}`));
    assert.throws(() => createKeyCipher(secret).decrypt('v0.abc'), /unknown key cipher format/);
  });
});
