import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../store/index.ts';
import { createAccess } from './index.ts';
import { createUsageService, MINUTE_MS, type UsageBucket } from './usage-service.ts';

const HOUR_MS = 60 * MINUTE_MS;
// 2026-11-28 10:00:00 UTC, on the hour.
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const M0 = T0 / MINUTE_MS;

const sorted = (b: UsageBucket[]) =>
  [...b].sort((x, y) => x.keyId.localeCompare(y.keyId) || x.minute - y.minute || x.status - y.status);

describe('usage counting (in memory, fake clock)', () => {
  let store: Store;
  let now = T0;
  const clock = { now: () => now };
  before(async () => {
    store = await openStore('sqlite::memory:');
  });
  after(() => store.close());
  beforeEach(() => {
    now = T0;
  });

  it('counts per key, minute and status', () => {
    const u = createUsageService({ store, clock });
    u.count('t1', 'k1', 200);
    u.count('t1', 'k1', 200);
    u.count('t1', 'k1', 429);
    u.count('t1', 'k2', 200);
    assert.deepEqual(sorted(u.unwrittenBuckets()), [
      { tenantId: 't1', keyId: 'k1', minute: M0, status: 200, count: 2 },
      { tenantId: 't1', keyId: 'k1', minute: M0, status: 429, count: 1 },
      { tenantId: 't1', keyId: 'k2', minute: M0, status: 200, count: 1 },
    ]);
  });

  it('starts a new bucket when the minute rolls over, not a millisecond before', () => {
    const u = createUsageService({ store, clock });
    now = T0 + MINUTE_MS - 1;
    u.count('t1', 'k1', 200);
    now = T0 + MINUTE_MS;
    u.count('t1', 'k1', 200);
    u.count('t1', 'k1', 200);
    assert.deepEqual(sorted(u.unwrittenBuckets()), [
      { tenantId: 't1', keyId: 'k1', minute: M0, status: 200, count: 1 },
      { tenantId: 't1', keyId: 'k1', minute: M0 + 1, status: 200, count: 2 },
    ]);
  });
});

describe('usage flush and report (SQLite in memory, fake clock)', () => {
  let store: Store;
  let now = T0;
  const clock = { now: () => now };
  let access: ReturnType<typeof createAccess>;
  let tenantId: string;
  let keyA: string;
  let keyB: string;

  const rows = () =>
    store.db
      .selectFrom('usageMinutes')
      .select(['tenantId', 'keyId', 'minute', 'status', 'count'])
      .orderBy('keyId')
      .orderBy('minute')
      .orderBy('status')
      .execute();

  before(async () => {
    store = await openStore('sqlite::memory:');
    access = createAccess({
      store,
      serverSecret: 'unit-test-secret-'.repeat(3),
      clock,
      resourceExists: async () => true,
    });
    tenantId = (await access.tenants.ensure('acme')).id;
    keyA = (await access.keys.create(tenantId, { name: 'A' })).id;
    keyB = (await access.keys.create(tenantId, { name: 'B' })).id;
  });
  after(() => store.close());
  beforeEach(async () => {
    now = T0;
    await store.db.deleteFrom('usageMinutes').execute();
  });

  it('adds to the rows at each flush instead of overwriting them, also from another node', async () => {
    const u = access.usage;
    u.count(tenantId, keyA, 200);
    u.count(tenantId, keyA, 200);
    u.count(tenantId, keyA, 404);
    assert.deepEqual(await u.flush(), { written: 2, kept: 0, dropped: 0 });
    assert.deepEqual(u.unwrittenBuckets(), []);
    u.count(tenantId, keyA, 200);
    await u.flush();
    // A second server process on the same database, counting the same key and minute.
    const other = createUsageService({ store, clock });
    for (let i = 0; i < 5; i++) other.count(tenantId, keyA, 200);
    await other.flush();
    assert.deepEqual(
      (await rows()).map((r) => [r.keyId, Number(r.minute), r.status, Number(r.count)]),
      [
        [keyA, M0, 200, 8],
        [keyA, M0, 404, 1],
      ],
    );
  });

  it('keeps the counts when the write fails and adds them with the next flush', async () => {
    const u = access.usage;
    u.count(tenantId, keyA, 200);
    u.count(tenantId, keyB, 429);
    // The table gone for a while: every write fails, as with the database down.
    await sql`ALTER TABLE usage_minutes RENAME TO usage_minutes_away`.execute(store.db);
    try {
      const failed = await u.flush();
      assert.ok(failed.error instanceof Error);
      assert.deepEqual([failed.written, failed.kept, failed.dropped], [0, 2, 0]);
      now = T0 + MINUTE_MS;
      u.count(tenantId, keyA, 200);
      u.count(tenantId, keyB, 429);
      assert.equal((await u.flush()).kept, 4);
      // Counted while failing, in the minute of a kept bucket: added to it at the next flush.
      u.count(tenantId, keyA, 200);
      assert.equal(u.unwrittenBuckets().length, 5);
    } finally {
      await sql`ALTER TABLE usage_minutes_away RENAME TO usage_minutes`.execute(store.db);
    }
    assert.deepEqual(await u.flush(), { written: 4, kept: 0, dropped: 0 });
    assert.deepEqual(
      (await rows()).map((r) => [r.keyId, Number(r.minute), r.status, Number(r.count)]),
      [
        [keyA, M0, 200, 1],
        [keyA, M0 + 1, 200, 2],
        [keyB, M0, 429, 1],
        [keyB, M0 + 1, 429, 1],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    assert.deepEqual(u.unwrittenBuckets(), []);
  });

  it('gives up kept counts older than a day, keeping the newer ones', async () => {
    const u = createUsageService({ store, clock });
    u.count(tenantId, keyA, 200);
    await sql`ALTER TABLE usage_minutes RENAME TO usage_minutes_away`.execute(store.db);
    try {
      assert.equal((await u.flush()).kept, 1);
      now = T0 + 24 * HOUR_MS;
      u.count(tenantId, keyA, 200);
      // The first bucket is exactly a day old: still kept.
      assert.deepEqual([(await u.flush()).kept, (await u.flush()).dropped], [2, 0]);
      now += MINUTE_MS;
      const r = await u.flush();
      assert.deepEqual([r.kept, r.dropped], [1, 1]);
    } finally {
      await sql`ALTER TABLE usage_minutes_away RENAME TO usage_minutes`.execute(store.db);
    }
    await u.flush();
    assert.deepEqual(
      (await rows()).map((r) => Number(r.minute)),
      [M0 + 24 * 60],
    );
  });

  it('deletes buckets older than 30 days at a flush, once an hour', async () => {
    const u = createUsageService({ store, clock });
    await store.db
      .insertInto('usageMinutes')
      .values([
        { tenantId, keyId: keyA, minute: M0 - 30 * 24 * 60 - 1, status: 200, count: 1 },
        { tenantId, keyId: keyA, minute: M0 - 30 * 24 * 60, status: 200, count: 1 },
      ])
      .execute();
    await u.flush();
    assert.deepEqual(
      (await rows()).map((r) => Number(r.minute)),
      [M0 - 30 * 24 * 60],
    );
    // Half an hour on, the next 30-day-old bucket stays until the hourly delete.
    now = T0 + 30 * MINUTE_MS;
    await u.flush();
    assert.equal((await rows()).length, 1);
    now = T0 + HOUR_MS;
    await u.flush();
    assert.deepEqual(await rows(), []);
  });

  it('reports every key of the tenant per hour, with the counts not yet written', async () => {
    const u = access.usage;
    // 10:00 and 10:59 fall in one hour; 09:59 in the hour before.
    now = T0 - MINUTE_MS;
    u.count(tenantId, keyA, 200);
    await u.flush();
    now = T0;
    u.count(tenantId, keyA, 200);
    u.count(tenantId, keyA, 403);
    await u.flush();
    now = T0 + 59 * MINUTE_MS;
    u.count(tenantId, keyA, 200);
    u.count(tenantId, keyA, 429);
    // Another tenant's key, and a removed key: neither is listed.
    u.count('another-tenant', 'their-key', 200);
    u.count(tenantId, 'removed-key', 200);
    now = T0 + 59 * MINUTE_MS + 30_000;

    const r = await u.report(tenantId, 24);
    assert.equal(r.from, new Date(T0 - 23 * HOUR_MS).toISOString());
    assert.equal(r.to, new Date(now).toISOString());
    assert.deepEqual(
      r.keys.map((k) => k.keyName),
      ['A', 'B'],
    );
    const [a, b] = r.keys;
    assert.equal(a.keyId, keyA);
    assert.equal(a.requests, 5);
    assert.deepEqual(a.byStatus, { 200: 3, 403: 1, 429: 1 });
    assert.equal(a.series.length, 24);
    assert.deepEqual(a.series.at(-1), { at: new Date(T0).toISOString(), requests: 4, errors: 2 });
    assert.deepEqual(a.series.at(-2), { at: new Date(T0 - HOUR_MS).toISOString(), requests: 1, errors: 0 });
    assert.equal(
      a.series.reduce((n, p) => n + p.requests, 0),
      a.requests,
    );
    assert.deepEqual(
      [b.requests, b.byStatus, b.series.length, b.series.every((p) => p.requests === 0 && p.errors === 0)],
      [0, {}, 24, true],
    );

    // One hour: 09:59 falls out of the window; still the unwritten ones in.
    const one = await u.report(tenantId, 1);
    assert.equal(one.from, new Date(T0).toISOString());
    assert.deepEqual([one.keys[0].requests, one.keys[0].series.length], [4, 1]);

    // Written now: the same report, nothing counted twice.
    await u.flush();
    assert.deepEqual(await u.report(tenantId, 24), r);
  });
});
