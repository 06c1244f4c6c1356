import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { DateBucket, Field } from '../../shared/field-types.ts';
import { QueryTimeoutError } from '../../shared/errors.ts';
import { sqliteCapabilities as caps } from './sqlite-capabilities.ts';
import { openSqlite, type SqliteHandle } from './sqlite.ts';

const DAY = 86_400_000;

describe('SQLite date buckets', () => {
  let h: SqliteHandle;
  before(() => {
    h = openSqlite(':memory:');
  });
  after(() => h.raw.close());

  function bucket(type: 'DATE' | 'DATETIME', b: DateBucket, value: string | number | null): unknown {
    const q = h.data.selectNoFrom(sql<string>`${caps.dateBucket(sql`${value}`, type, b)}`.as('b')).compile();
    return (h.tables.rows(q) as unknown[][])[0][0];
  }

  // [value, day, week (Monday), month, quarter, year]
  const DATES: [string, string, string, string, string, string][] = [
    // a Sunday: its week began in 2022
    ['2023-01-01', '2023-01-01', '2022-12-26', '2023-01-01', '2023-01-01', '2023-01-01'],
    ['2022-12-26', '2022-12-26', '2022-12-26', '2022-12-01', '2022-10-01', '2022-01-01'], // a Monday
    ['2023-01-02', '2023-01-02', '2023-01-02', '2023-01-01', '2023-01-01', '2023-01-01'],
    ['2023-03-31', '2023-03-31', '2023-03-27', '2023-03-01', '2023-01-01', '2023-01-01'], // last day of Q1
    ['2023-04-01', '2023-04-01', '2023-03-27', '2023-04-01', '2023-04-01', '2023-01-01'], // first day of Q2
    ['2023-09-30', '2023-09-30', '2023-09-25', '2023-09-01', '2023-07-01', '2023-01-01'],
    ['2023-12-31', '2023-12-31', '2023-12-25', '2023-12-01', '2023-10-01', '2023-01-01'],
    ['2024-02-29', '2024-02-29', '2024-02-26', '2024-02-01', '2024-01-01', '2024-01-01'],
    ['1969-12-31', '1969-12-31', '1969-12-29', '1969-12-01', '1969-10-01', '1969-01-01'],
  ];
  const BUCKETS: DateBucket[] = ['day', 'week', 'month', 'quarter', 'year'];

  for (const [value, ...expected] of DATES) {
    it(`DATE ${value}`, () => {
      assert.deepEqual(
        BUCKETS.map((b) => bucket('DATE', b, value)),
        expected,
      );
    });
    it(`DATETIME ${value} at 00:00:00.000Z and 23:59:59.999Z`, () => {
      const midnight = Date.parse(`${value}T00:00:00Z`);
      assert.deepEqual(
        BUCKETS.map((b) => bucket('DATETIME', b, midnight)),
        expected,
      );
      assert.deepEqual(
        BUCKETS.map((b) => bucket('DATETIME', b, midnight + DAY - 1)),
        expected,
      );
    });
  }

  it('a moment just before 1970 stays on its own day', () => {
    assert.equal(bucket('DATETIME', 'day', -1), '1969-12-31');
    assert.equal(bucket('DATETIME', 'day', -DAY - 1), '1969-12-30');
  });

  it('null stays null in every bucket', () => {
    for (const b of BUCKETS) {
      assert.equal(bucket('DATE', b, null), null, b);
      assert.equal(bucket('DATETIME', b, null), null, b);
    }
  });

  it('uses no parameters, so that SELECT and GROUP BY carry the same expression', () => {
    for (const b of BUCKETS) {
      const q = h.data
        .selectFrom('t')
        .select(sql`${caps.dateBucket(sql.ref('c0'), 'DATETIME', b)}`.as('x'))
        .compile();
      assert.deepEqual(q.parameters, [], b);
    }
  });
});

describe('SQLite deadline guard', () => {
  let h: SqliteHandle;
  const fields: Field[] = [{ name: 'n', type: 'NUMBER', column: 'c0' }];
  const ROWS = 300_000;
  before(async () => {
    h = openSqlite(':memory:');
    await h.tables.create('ds_1_v1', fields);
    await h.tables.insert(
      'ds_1_v1',
      fields,
      Array.from({ length: ROWS }, (_, i) => [i]),
      1,
    );
  });
  after(() => h.raw.close());

  const guarded = () =>
    h.data
      .selectFrom('ds_1_v1')
      .select(sql<number>`count(*)`.as('n'))
      .where(caps.deadlineGuard()!)
      .where('c0', '>=', 0)
      .compile();

  it('lets a query run to the end before its deadline, or without one', () => {
    assert.deepEqual(h.tables.rows(guarded()), [[BigInt(ROWS)]]);
    assert.deepEqual(h.tables.rows(guarded(), { deadline: Date.now() + 60_000 }), [[BigInt(ROWS)]]);
  });

  it(
    'stops a query once its deadline has passed, with a ' +
      'QueryTimeoutError, and the statement runs again afterwards',
    () => {
      assert.throws(() => h.tables.rows(guarded(), { deadline: Date.now() - 1 }), QueryTimeoutError);
      assert.deepEqual(h.tables.rows(guarded()), [[BigInt(ROWS)]]);
    },
  );

  it('is checked on one row in 1024, whatever the filter rejects', async () => {
    const own = openSqlite(':memory:');
    try {
      await own.tables.create('ds_2_v1', fields);
      await own.tables.insert(
        'ds_2_v1',
        fields,
        Array.from({ length: ROWS }, (_, i) => [i]),
        1,
      );
      let calls = 0;
      // Replaces the guard's function on this connection only, to count its calls.
      own.raw.function('dg_alive', { deterministic: false, directOnly: true }, () => ++calls);
      const q = own.data
        .selectFrom('ds_2_v1')
        .select(sql<number>`count(*)`.as('n'))
        .where(caps.deadlineGuard()!)
        .where('c0', '<', 0)
        .compile();
      assert.deepEqual(own.tables.rows(q), [[0n]]);
      assert.equal(calls, Math.floor(ROWS / 1024));
    } finally {
      own.raw.close();
    }
  });
});
