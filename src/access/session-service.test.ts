import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../store/index.ts';
import { createSessionService, SESSION_IDLE_MS, SESSION_MAX_MS } from './session-service.ts';
import { createTenantService } from './tenant-service.ts';
import { createUserService } from './user-service.ts';

const HOUR = 3600_000;
const MINUTE = 60_000;
// 2026-11-28 08:00:00 UTC.
const T0 = Date.UTC(2026, 10, 28, 8, 0, 0);

describe('console sessions (fake clock)', () => {
  let store: Store;
  let now = T0;
  const clock = { now: () => now };
  let user: { id: string; tenantId: string };

  before(async () => {
    store = await openStore('sqlite::memory:');
    const tenant = await createTenantService({ store, clock }).ensure('acme');
    user = await createUserService({ store, clock }).create(tenant.id, {
      email: 'ada@acme.example',
      password: 'correct horse battery',
    });
  });
  after(() => store.close());

  async function fresh() {
    now = T0;
    const sessions = createSessionService({ store, clock });
    const { token } = await sessions.create(user);
    return { sessions, token };
  }

  it('finds a new session with its user, tenant and a CSRF token', async () => {
    const { sessions, token } = await fresh();
    const s = await sessions.find(token);
    assert.ok(s);
    assert.equal(s.email, 'ada@acme.example');
    assert.equal(s.tenantSlug, 'acme');
    assert.match(s.csrfToken, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(s.expiresAt, new Date(T0 + SESSION_IDLE_MS).toISOString());
    assert.equal(await sessions.find('not-a-token'), undefined);
  });

  it('ends after 12 idle hours, not before', async () => {
    const { sessions, token } = await fresh();
    now = T0 + SESSION_IDLE_MS - MINUTE;
    assert.ok(await sessions.find(token), 'alive a minute before the idle limit');
    // That use moved the last-seen time: 12 hours from it again.
    now += SESSION_IDLE_MS - MINUTE;
    assert.ok(await sessions.find(token), 'alive: each use restarts the idle time');
    now += SESSION_IDLE_MS;
    assert.equal(await sessions.find(token), undefined, 'idle for 12 hours');
    now -= SESSION_IDLE_MS;
    assert.equal(await sessions.find(token), undefined, 'an expired session is gone for good');
  });

  it('ends 7 days after sign-in even when used all the time', async () => {
    const { sessions, token } = await fresh();
    for (let t = T0; t < T0 + SESSION_MAX_MS; t += 6 * HOUR) {
      now = t;
      assert.ok(await sessions.find(token), `alive at +${(t - T0) / HOUR} h`);
    }
    now = T0 + SESSION_MAX_MS - MINUTE;
    const last = await sessions.find(token);
    assert.ok(last);
    assert.equal(
      last.expiresAt,
      new Date(T0 + SESSION_MAX_MS).toISOString(),
      'expiresAt never passes the absolute end',
    );
    now = T0 + SESSION_MAX_MS;
    assert.equal(await sessions.find(token), undefined);
  });

  it('destroy ends a session; sweep deletes the expired ones only', async () => {
    const { sessions, token } = await fresh();
    await sessions.destroy(token);
    assert.equal(await sessions.find(token), undefined);

    const { token: old } = await fresh();
    now = T0 + 2 * HOUR;
    const { token: young } = await sessions.create(user);
    now = T0 + SESSION_IDLE_MS + HOUR;
    await sessions.sweep();
    const left = await store.db.selectFrom('sessions').select('lastSeenAt').execute();
    assert.deepEqual(
      left.map((r) => r.lastSeenAt),
      [new Date(T0 + 2 * HOUR).toISOString()],
    );
    assert.equal(await sessions.find(old), undefined);
    assert.ok(await sessions.find(young));
  });
});
