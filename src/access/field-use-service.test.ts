import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore, type Store } from '../store/index.ts';
import { createAccess } from './index.ts';
import {
  createFieldUseService,
  KEEP_MS,
  RECENT_MS,
  REWRITE_MS,
  type FieldUseRow,
  type UsedFieldNames,
} from './field-use-service.ts';

// 2026-11-28 10:00:00 UTC.
const T0 = Date.UTC(2026, 10, 28, 10, 0, 0);
const HOUR_MS = 3_600_000;
const used = (filter: string[] = [], sort: string[] = [], select: string[] = []): UsedFieldNames => ({
  filter,
  sort,
  select,
});
const brief = (rows: FieldUseRow[]) =>
  rows
    .map((r) => [r.keyId, r.datasetId, r.use, r.field, r.usedAt - T0])
    .sort((a, b) => String(a).localeCompare(String(b)));

describe('field uses in memory (fake clock)', () => {
  let now = T0;
  const clock = { now: () => now };
  // Noting never touches the store.
  const store = undefined as unknown as Store;
  beforeEach(() => {
    now = T0;
  });

  it('notes each field once per key, dataset and use; unwritten ones carry the time they are read', () => {
    const f = createFieldUseService({ store, clock });
    f.record('t1', 'k1', 'ds1', used(['status'], ['hours']));
    f.record('t1', 'k1', 'ds1', used(['status', 'board'], [], ['status']));
    f.record('t1', 'k2', 'ds1', used(['status']));
    f.record('t1', 'k1', 'ds2', used([], ['hours']));
    now = T0 + 5;
    assert.deepEqual(brief(f.unwritten()), [
      ['k1', 'ds1', 'filter', 'board', 5],
      ['k1', 'ds1', 'filter', 'status', 5],
      ['k1', 'ds1', 'select', 'status', 5],
      ['k1', 'ds1', 'sort', 'hours', 5],
      ['k1', 'ds2', 'sort', 'hours', 5],
      ['k2', 'ds1', 'filter', 'status', 5],
    ]);
  });

  it('the same names object again (a page-cache hit) is noted once; equal names in a new object too', () => {
    const f = createFieldUseService({ store, clock });
    const hit = used(['status']);
    f.record('t1', 'k1', 'ds1', hit);
    f.record('t1', 'k1', 'ds1', hit);
    f.record('t1', 'k1', 'ds1', used(['status']));
    f.record('t1', 'k1', 'ds1', used([], ['status']));
    f.record('t1', 'k1', 'ds1', hit);
    assert.deepEqual(brief(f.unwritten()), [
      ['k1', 'ds1', 'filter', 'status', 0],
      ['k1', 'ds1', 'sort', 'status', 0],
    ]);
  });

  it('a request naming no field notes nothing', () => {
    const f = createFieldUseService({ store, clock });
    f.record('t1', 'k1', 'ds1', used());
    assert.deepEqual(f.unwritten(), []);
  });

  it('holds at most maxEntries entries between flushes: new ones past the cap are dropped', () => {
    const f = createFieldUseService({ store, clock, maxEntries: 3 });
    f.record('t1', 'k1', 'ds1', used(['a', 'b']));
    // A client naming many fields at once (each would have to be a real field): room for one.
    f.record('t1', 'k1', 'ds1', used(['c', 'd', 'e']));
    // A new key or dataset past the cap is not even given a place.
    f.record('t1', 'k2', 'ds1', used(['a']));
    f.record('t1', 'k1', 'ds1', used(['a']));
    assert.deepEqual(brief(f.unwritten()), [
      ['k1', 'ds1', 'filter', 'a', 0],
      ['k1', 'ds1', 'filter', 'b', 0],
      ['k1', 'ds1', 'filter', 'c', 0],
    ]);
  });

  it('a hostile stream of distinct names stays within the cap', () => {
    const f = createFieldUseService({ store, clock, maxEntries: 1000 });
    for (let i = 0; i < 100_000; i++) f.record('t1', `k${i % 50}`, `ds${i % 7}`, used([`f${i}`], [`s${i}`]));
    assert.equal(f.unwritten().length, 1000);
  });
});

describe('field uses flushed and read back (SQLite in memory, fake clock)', () => {
  let store: Store;
  let now = T0;
  const clock = { now: () => now };
  let access: ReturnType<typeof createAccess>;
  let tenantId: string;
  let otherTenant: string;
  let keyA: string;
  let keyB: string;
  let foreignKey: string;

  const rows = async () =>
    (
      await store.db
        .selectFrom('fieldUses')
        .select(['keyId', 'datasetId', 'use', 'field', 'usedAt'])
        .orderBy('keyId')
        .orderBy('use')
        .orderBy('field')
        .execute()
    ).map((r) => [r.keyId, r.datasetId, r.use, r.field, Date.parse(r.usedAt) - T0]);

  before(async () => {
    store = await openStore('sqlite::memory:');
    access = createAccess({
      store,
      serverSecret: 'unit-test-secret-'.repeat(3),
      clock,
      resourceExists: async () => true,
    });
    tenantId = (await access.tenants.ensure('acme')).id;
    otherTenant = (await access.tenants.ensure('other')).id;
    keyA = (await access.keys.create(tenantId, { name: 'A' })).id;
    keyB = (await access.keys.create(tenantId, { name: 'B' })).id;
    foreignKey = (await access.keys.create(otherTenant, { name: 'Foreign' })).id;
  });
  after(() => store.close());
  beforeEach(async () => {
    now = T0;
    await store.db.deleteFrom('fieldUses').execute();
  });

  it('writes the noted uses and starts afresh; another node’s later time wins, an earlier one does not', async () => {
    const f = createFieldUseService({ store, clock });
    f.record(tenantId, keyA, 'ds1', used(['status'], ['hours']));
    assert.deepEqual(await f.flush(), { written: 2, dropped: 0 });
    assert.deepEqual(f.unwritten(), []);
    // A second node: a later use of the same field, and an older one of another.
    const other = createFieldUseService({ store, clock });
    now = T0 + 3 * REWRITE_MS;
    other.record(tenantId, keyA, 'ds1', used(['status']));
    await other.flush();
    const late = createFieldUseService({ store, clock });
    now = T0 + REWRITE_MS;
    late.record(tenantId, keyA, 'ds1', used(['status'], ['hours']));
    await late.flush();
    assert.deepEqual(await rows(), [
      [keyA, 'ds1', 'filter', 'status', 3 * REWRITE_MS],
      [keyA, 'ds1', 'sort', 'hours', REWRITE_MS],
    ]);
  });

  it('rewrites a row only once its time moved by REWRITE_MS', async () => {
    const f = createFieldUseService({ store, clock });
    f.record(tenantId, keyA, 'ds1', used(['status']));
    await f.flush();
    now = T0 + REWRITE_MS - 1;
    f.record(tenantId, keyA, 'ds1', used(['status']));
    assert.equal((await f.flush()).written, 0);
    assert.deepEqual(await rows(), [[keyA, 'ds1', 'filter', 'status', 0]]);
    now = T0 + REWRITE_MS;
    f.record(tenantId, keyA, 'ds1', used(['status']));
    assert.equal((await f.flush()).written, 1);
    assert.deepEqual(await rows(), [[keyA, 'ds1', 'filter', 'status', REWRITE_MS]]);
  });

  it('deletes rows older than two days at the hourly prune', async () => {
    const f = createFieldUseService({ store, clock });
    f.record(tenantId, keyA, 'ds1', used(['old']));
    await f.flush();
    now = T0 + KEEP_MS - HOUR_MS;
    f.record(tenantId, keyA, 'ds1', used(['recent']));
    // The first flush of this service prunes at once; nothing is two days old yet.
    await f.flush();
    assert.equal((await rows()).length, 2);
    now = T0 + KEEP_MS + 1;
    await f.flush();
    assert.deepEqual(await rows(), [[keyA, 'ds1', 'filter', 'recent', KEEP_MS - HOUR_MS]]);
  });

  it('keeps the rows when the write fails and writes them with the next flush', async () => {
    const f = createFieldUseService({ store, clock });
    f.record(tenantId, keyA, 'ds1', used(['status']));
    await sql`ALTER TABLE field_uses RENAME TO field_uses_away`.execute(store.db);
    try {
      const failed = await f.flush();
      assert.ok(failed.error instanceof Error);
      assert.deepEqual(brief(f.unwritten()), [[keyA, 'ds1', 'filter', 'status', 0]]);
      // Still listed by this node while unwritten.
      now = T0 + 1000;
      f.record(tenantId, keyB, 'ds1', used(['board']));
    } finally {
      await sql`ALTER TABLE field_uses_away RENAME TO field_uses`.execute(store.db);
    }
    assert.deepEqual(await f.flush(), { written: 2, dropped: 0 });
    const byKey = (r: unknown[]) => (r[0] === keyA ? 0 : 1);
    assert.deepEqual(
      (await rows()).sort((x, y) => byKey(x) - byKey(y)),
      [
        [keyA, 'ds1', 'filter', 'status', 0],
        [keyB, 'ds1', 'filter', 'board', 1000],
      ],
    );
  });

  it('recent: the last day’s uses of a dataset, stored and unwritten, by key and field, one tenant', async () => {
    const f = createFieldUseService({ store, clock });
    f.record(tenantId, keyA, 'ds1', used(['gone']));
    await f.flush();
    now = T0 + RECENT_MS + 1;
    f.record(tenantId, keyB, 'ds1', used(['status'], ['status', 'hours']));
    await f.flush();
    now += 10;
    f.record(tenantId, keyA, 'ds1', used([], [], ['status']));
    f.record(tenantId, keyA, 'ds2', used(['elsewhere']));
    f.record(otherTenant, foreignKey, 'ds1', used(['status']));
    const at = (ms: number) => new Date(ms).toISOString();
    assert.deepEqual(await f.recent(tenantId, 'ds1'), [
      { keyId: keyA, keyName: 'A', field: 'status', uses: ['select'], lastUsedAt: at(now) },
      { keyId: keyB, keyName: 'B', field: 'hours', uses: ['sort'], lastUsedAt: at(T0 + RECENT_MS + 1) },
      { keyId: keyB, keyName: 'B', field: 'status', uses: ['filter', 'sort'], lastUsedAt: at(T0 + RECENT_MS + 1) },
    ]);
    assert.deepEqual(
      (await f.recent(otherTenant, 'ds1')).map((u) => [u.keyName, u.field]),
      [['Foreign', 'status']],
    );
  });

  it('recent leaves out removed keys', async () => {
    const gone = (await access.keys.create(tenantId, { name: 'Gone' })).id;
    const f = createFieldUseService({ store, clock });
    f.record(tenantId, gone, 'ds1', used(['status']));
    await f.flush();
    await access.keys.remove(tenantId, gone);
    assert.deepEqual(await f.recent(tenantId, 'ds1'), []);
  });
});
