import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadServerSecret } from './server-secret.ts';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-secret-'));

describe('the server secret', () => {
  it('is generated once into the data folder with mode 0600, then reused', () => {
    const dir = path.join(tmp(), 'nested');
    const first = loadServerSecret(dir, undefined);
    assert.ok(first.length >= 32);
    const file = path.join(dir, 'secret.key');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(loadServerSecret(dir, undefined), first);
    assert.equal(loadServerSecret(dir, ''), first);
  });

  it('comes from DATAGATE_SECRET when set, and writes no file', () => {
    const dir = tmp();
    const s = 's'.repeat(32);
    assert.equal(loadServerSecret(dir, s), s);
    assert.equal(fs.existsSync(path.join(dir, 'secret.key')), false);
  });

  it('refuses a DATAGATE_SECRET shorter than 32 characters', () => {
    assert.throws(() => loadServerSecret(tmp(), 'short'), /at least 32 characters/);
  });
});
