import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openModules, type Modules } from '../modules.ts';
import { DomainError } from '../shared/errors.ts';

// Real parts (a SQLite file, the modules as openModules wires them) and a clock the test moves.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-key-lifecycle-'));
const START = Date.UTC(2026, 10, 28, 10, 0, 0);
let now = START;
const clock = { now: () => now };
const HOUR = 3_600_000;
let m: Modules;
let tenant: string;

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
});
after(async () => {
  await m.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const auth = (secret: string, at = now) => m.access.registry.authenticate(secret, at);
const reason = (secret: string, at = now) => {
  const r = auth(secret, at);
  return r.ok ? 'OK' : r.reason;
};

describe('key expiry in the access registry', () => {
  it('accepts a key up to its expiry and refuses it as expired from then on', async () => {
    now = START;
    const expiresAt = new Date(START + HOUR).toISOString();
    const k = await m.access.keys.create(tenant, { name: 'expiring', expiresAt });
    assert.equal(k.expiresAt, expiresAt);
    await m.access.registry.reload();
    assert.equal(reason(k.key, START + HOUR - 1), 'OK');
    assert.equal(reason(k.key, START + HOUR), 'EXPIRED');
    const r = auth(k.key, START);
    assert.ok(r.ok && r.principal.keyId === k.id);
  });

  it('refuses an expiry that is not a future ISO date/time, naming the field', async () => {
    now = START;
    for (const bad of ['yesterday', new Date(START - 1).toISOString(), '2026-02-30']) {
      await assert.rejects(
        m.access.keys.create(tenant, { name: 'x', expiresAt: bad }),
        (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && /expiresAt/.test(e.message),
        bad,
      );
    }
  });

  it('update moves or removes the expiry; the id and the secret stay', async () => {
    now = START;
    const k = await m.access.keys.create(tenant, { name: 'moved', expiresAt: new Date(START + HOUR).toISOString() });
    const { after: moved } = await m.access.keys.update(tenant, k.id, {
      expiresAt: new Date(START + 5 * HOUR).toISOString(),
    });
    assert.equal(moved.id, k.id);
    await m.access.registry.reload();
    assert.equal(reason(k.key, START + 2 * HOUR), 'OK');
    assert.equal(reason(k.key, START + 5 * HOUR), 'EXPIRED');
    const { after: never } = await m.access.keys.update(tenant, k.id, { expiresAt: null });
    assert.equal(never.expiresAt, null);
    await m.access.registry.reload();
    assert.equal(reason(k.key, START + 1000 * HOUR), 'OK');
  });
});

describe('disabling a key', () => {
  it('refuses it as disabled (before expired) and enabling restores it with its bindings', async () => {
    now = START;
    const k = await m.access.keys.create(tenant, { name: 'switch', expiresAt: new Date(START + HOUR).toISOString() });
    const disabled = await m.access.keys.setDisabled(tenant, k.id, true);
    assert.equal(disabled.disabled, true);
    await m.access.registry.reload();
    assert.equal(reason(k.key), 'DISABLED');
    assert.equal(reason(k.key, START + 2 * HOUR), 'DISABLED', 'disabled wins over expired');
    const enabled = await m.access.keys.setDisabled(tenant, k.id, false);
    assert.equal(enabled.disabled, false);
    await m.access.registry.reload();
    assert.equal(reason(k.key), 'OK');
  });
});

describe('rotating a key', () => {
  it('keeps the previous secret until the grace ends, for the same key', async () => {
    now = START;
    const k = await m.access.keys.create(tenant, { name: 'rotated', rateLimit: 7 });
    const r = await m.access.keys.rotate(tenant, k.id, 2 * HOUR);
    assert.equal(r.id, k.id);
    assert.notEqual(r.key, k.key);
    assert.equal(r.previousValidUntil, new Date(START + 2 * HOUR).toISOString());
    assert.deepEqual(await m.access.keys.reveal(tenant, k.id), { id: k.id, key: r.key });
    await m.access.registry.reload();
    const oldAuth = auth(k.key);
    const newAuth = auth(r.key);
    assert.ok(oldAuth.ok && newAuth.ok);
    assert.equal(oldAuth.principal, newAuth.principal, 'one principal: one key, one rate-limit bucket');
    assert.equal(reason(k.key, START + 2 * HOUR - 1), 'OK');
    assert.equal(reason(k.key, START + 2 * HOUR), 'INVALID', 'after the grace the old secret is unknown');
    assert.equal(reason(r.key, START + 2 * HOUR), 'OK');
    assert.equal((await m.access.keys.get(tenant, k.id)).previousValidUntil, r.previousValidUntil);
    now = START + 2 * HOUR;
    assert.equal((await m.access.keys.get(tenant, k.id)).previousValidUntil, null, 'shown only while it runs');
  });

  it('with no grace the old secret stops at once; a second rotation ends the first grace', async () => {
    now = START;
    const k = await m.access.keys.create(tenant, { name: 'rotated twice' });
    const first = await m.access.keys.rotate(tenant, k.id, HOUR);
    const second = await m.access.keys.rotate(tenant, k.id, 0);
    assert.equal(second.previousValidUntil, new Date(START).toISOString());
    await m.access.registry.reload();
    assert.equal(reason(k.key), 'INVALID');
    assert.equal(reason(first.key), 'INVALID');
    assert.equal(reason(second.key), 'OK');
    assert.equal((await m.access.keys.get(tenant, k.id)).previousValidUntil, null);
  });

  it('a disabled key is refused through its previous secret too', async () => {
    now = START;
    const k = await m.access.keys.create(tenant, { name: 'rotated, disabled' });
    await m.access.keys.rotate(tenant, k.id, HOUR);
    await m.access.keys.setDisabled(tenant, k.id, true);
    await m.access.registry.reload();
    assert.equal(reason(k.key), 'DISABLED');
  });

  it('refuses a grace outside 0 to 30 days', async () => {
    const k = await m.access.keys.create(tenant, { name: 'grace' });
    for (const bad of [-1, 31 * 24 * HOUR, 1.5]) {
      await assert.rejects(m.access.keys.rotate(tenant, k.id, bad), /grace must be from 0 to 30 days/);
    }
  });
});
