import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import pg from 'pg';
import {
  caseName,
  FIELDS,
  FILTER_CASES,
  loadFilterTable,
  parseFilterQuery,
  selectedRows,
} from '../../../test/support/filter-cases.ts';
import { ODATA_CASES, odataCaseName, odataSelectedRows } from '../../../test/support/odata-cases.ts';
import { createTestDatabase, type TestDatabase } from '../../../test/support/postgres.ts';
import { recordsJson } from '../../api/public/records-json.ts';
import { compileFilters } from '../../catalog/filter/filter-compiler.ts';
import type { Params } from '../../catalog/filter/params.ts';
import { parseQuery } from '../../catalog/filter/query-parser.ts';
import { buildCountQuery, buildPageQuery, type DatasetTable } from '../../catalog/query/dataset-query.ts';
import type { DateBucket, Field, Value } from '../../shared/field-types.ts';
import { QueryTimeoutError } from '../../shared/errors.ts';
import { dataDirFor, openStore } from '../index.ts';
import { migrateToLatest } from '../migrations.ts';
import type { DialectCapabilities } from './capabilities.ts';
import type { DatasetTables } from './dataset-tables.ts';
import { postgresCapabilities as caps } from './postgres-capabilities.ts';
import { parseDateText, parseIntegerText, parseNumericText, parseTimestampText } from './postgres-codecs.ts';
import { openPostgres, type PostgresHandle } from './postgres.ts';
import { openSqlite, type SqliteHandle } from './sqlite.ts';
import { sqliteCapabilities } from './sqlite-capabilities.ts';

const ms = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;

let tdb: TestDatabase;
let h: PostgresHandle;
let lite: SqliteHandle;
let liteDir: string;
const warnings: string[] = [];

before(async () => {
  tdb = await createTestDatabase();
  h = openPostgres(tdb.url, { warn: (m) => warnings.push(m) });
  await migrateToLatest(h.control);
  liteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-pg-compare-'));
  lite = openSqlite(path.join(liteDir, 'compare.db'));
  await migrateToLatest(lite.control);
});

after(async () => {
  await h?.close();
  lite?.raw.close();
  if (liteDir) fs.rmSync(liteDir, { recursive: true, force: true });
  await tdb?.drop();
});

describe('type parsers', () => {
  it('integers: numbers while safe, exact bigints beyond', () => {
    assert.equal(parseIntegerText('0'), 0);
    assert.equal(parseIntegerText('-42'), -42);
    assert.equal(parseIntegerText('9007199254740991'), 9007199254740991);
    assert.equal(parseIntegerText('-9007199254740991'), -9007199254740991);
    assert.equal(parseIntegerText('9007199254740992'), 9007199254740992n);
    assert.equal(parseIntegerText('1534956341424005122'), 1534956341424005122n);
    assert.equal(parseIntegerText('-9223372036854775808'), -9223372036854775808n);
    assert.equal(parseIntegerText('123456789012345678901234567890'), 123456789012345678901234567890n);
  });

  it('numeric: integral text exact, decimals as doubles', () => {
    assert.equal(parseNumericText('1534956341424005122'), 1534956341424005122n);
    assert.equal(parseNumericText('12.6'), 12.6);
    assert.equal(parseNumericText('-0.5'), -0.5);
    assert.equal(parseNumericText('3.0000000000000000'), 3);
    assert.equal(parseNumericText('0.30000000000000004'), 0.30000000000000004);
    assert.ok(Number.isNaN(parseNumericText('NaN')));
  });

  it('dates stay YYYY-MM-DD; 1 BC is year 0000', () => {
    assert.equal(parseDateText('2024-02-29'), '2024-02-29');
    assert.equal(parseDateText('0001-01-01 BC'), '0000-01-01');
    assert.equal(parseDateText('0002-12-31 BC'), '-0001-12-31');
  });

  it('timestamps: epoch milliseconds from any offset, microseconds cut', () => {
    assert.equal(parseTimestampText('2023-02-01 23:59:59.999+00'), ms('2023-02-01T23:59:59.999Z'));
    assert.equal(parseTimestampText('2023-02-01 10:00:00+02'), ms('2023-02-01T08:00:00Z'));
    assert.equal(parseTimestampText('2023-02-01 10:00:00.1234-05:30'), ms('2023-02-01T15:30:00.123Z'));
    assert.equal(parseTimestampText('1969-12-31 23:59:59.999999+00'), -1);
    assert.equal(parseTimestampText('0050-06-01 00:00:00+00'), ms('0050-06-01T00:00:00Z'));
    assert.equal(parseTimestampText('0001-03-01 00:00:00.001+00 BC'), ms('0000-03-01T00:00:00.001Z'));
    assert.equal(
      parseTimestampText('1900-01-01 00:00:00+00:53:28'),
      ms('1900-01-01T00:00:00Z') - (53 * 60 + 28) * 1000,
    );
    assert.equal(parseTimestampText('2023-02-01 00:00:00'), ms('2023-02-01T00:00:00Z'));
    assert.throws(() => parseTimestampText('01/02/2023 00:00:00 UTC'), /unexpected timestamp text/);
  });
});

describe('migrations on PostgreSQL', () => {
  it('create the same control tables as on SQLite', async () => {
    const pgTables = await h.pool.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`,
    );
    const liteTables = lite.raw
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all() as { name: string }[];
    assert.deepEqual(
      pgTables.rows.map((r) => r.tablename),
      liteTables.map((r) => r.name),
    );
    assert.ok(pgTables.rows.some((r) => r.tablename === 'meta'));
  });

  it('name the usage of keys removed before 0005 as removed keys, per tenant, on both dialects', async () => {
    const pgDb = await createTestDatabase();
    const pgH = openPostgres(pgDb.url);
    const liteH = openSqlite(path.join(liteDir, 'migrate-0005.db'));
    try {
      for (const db of [pgH.control, liteH.control]) {
        await migrateToLatest(db, '0003_admin');
        const now = new Date().toISOString();
        for (const t of ['ta', 'tb'])
          await db.insertInto('tenants').values({ id: t, slug: t, name: t, createdAt: now }).execute();
        await db
          .insertInto('apiKeys')
          .values({
            id: 'kept',
            tenantId: 'ta',
            name: 'kept',
            type: 'read',
            rateLimit: 1,
            keyHash: 'h',
            keyCipher: 'c',
            keyHint: 'x',
            createdAt: now,
          })
          .execute();
        await db
          .insertInto('usageMinutes')
          .values([
            { tenantId: 'ta', keyId: 'kept', minute: 1, status: 200, count: 5 },
            { tenantId: 'ta', keyId: 'gone', minute: 1, status: 200, count: 3 },
            { tenantId: 'ta', keyId: 'gone', minute: 2, status: 403, count: 1 },
            { tenantId: 'tb', keyId: 'other', minute: 1, status: 200, count: 2 },
          ])
          .execute();
        await migrateToLatest(db);
        const removed = await db.selectFrom('removedKeys').select(['id', 'tenantId', 'name']).orderBy('id').execute();
        assert.deepEqual(removed, [
          { id: 'gone', tenantId: 'ta', name: 'Removed key' },
          { id: 'other', tenantId: 'tb', name: 'Removed key' },
        ]);
      }
    } finally {
      await pgH.close();
      await pgDb.drop();
      liteH.raw.close();
    }
  });

  it('give bindings made before 0006 an empty row scope (every row), on both dialects', async () => {
    const pgDb = await createTestDatabase();
    const pgH = openPostgres(pgDb.url);
    const liteH = openSqlite(path.join(liteDir, 'migrate-0006.db'));
    try {
      for (const db of [pgH.control, liteH.control]) {
        await migrateToLatest(db, '0005_removed_keys');
        const now = new Date().toISOString();
        await db.insertInto('tenants').values({ id: 'ta', slug: 'ta', name: 'ta', createdAt: now }).execute();
        await db
          .insertInto('apiKeys')
          .values({
            id: 'k',
            tenantId: 'ta',
            name: 'k',
            type: 'Custom',
            rateLimit: 1,
            keyHash: 'h',
            keyCipher: 'c',
            keyHint: 'x',
            createdAt: now,
          })
          .execute();
        // Through `as any`: before 0006 the table has no scope columns.
        await (db as any)
          .insertInto('bindings')
          .values({ keyId: 'k', resourceType: 'dataset', resourceId: 'd', createdAt: now })
          .execute();
        await migrateToLatest(db);
        assert.deepEqual(await db.selectFrom('bindings').select(['resourceId', 'where', 'whereTypes']).execute(), [
          { resourceId: 'd', where: '', whereTypes: '{}' },
        ]);
      }
    } finally {
      await pgH.close();
      await pgDb.drop();
      liteH.raw.close();
    }
  });

  it('leave widgets made before 0013 without an owner, and start with no favourites, on both dialects', async () => {
    const pgDb = await createTestDatabase();
    const pgH = openPostgres(pgDb.url);
    const liteH = openSqlite(path.join(liteDir, 'migrate-0013.db'));
    try {
      for (const db of [pgH.control, liteH.control]) {
        await migrateToLatest(db, '0007_key_lifecycle');
        const now = new Date().toISOString();
        await db.insertInto('tenants').values({ id: 't', slug: 't', name: 't', createdAt: now }).execute();
        // Through `as any`: before 0013 the table has no owner columns.
        await (db as any)
          .insertInto('widgets')
          .values({
            id: 'w',
            tenantId: 't',
            name: 'W',
            datasetId: 'd',
            spec: '{}',
            version: 1,
            createdAt: now,
            modifiedAt: now,
          })
          .execute();
        await migrateToLatest(db);
        assert.deepEqual(await db.selectFrom('widgets').select(['id', 'createdBy', 'owner']).execute(), [
          { id: 'w', createdBy: null, owner: '' },
        ]);
        assert.deepEqual(await db.selectFrom('favourites').selectAll().execute(), []);
        // One star per user and resource: the key refuses a second row.
        const star = { userId: 'u', tenantId: 't', resourceType: 'widget', resourceId: 'w', createdAt: now };
        await db.insertInto('favourites').values(star).execute();
        await assert.rejects(db.insertInto('favourites').values(star).execute());
      }
    } finally {
      await pgH.close();
      await pgDb.drop();
      liteH.raw.close();
    }
  });

  it('run again as a no-op', async () => {
    const applied = async () => (await h.pool.query(`SELECT name FROM kysely_migration ORDER BY name`)).rows;
    const first = await applied();
    assert.ok(first.length >= 1);
    await migrateToLatest(h.control);
    assert.deepEqual(await applied(), first);
  });

  it('return numbers where the control schema says number (bigint columns included)', async () => {
    const now = new Date().toISOString();
    await h.control.insertInto('tenants').values({ id: 't1', slug: 'one', name: 'One', createdAt: now }).execute();
    // The tenant service's upsert.
    await h.control
      .insertInto('tenants')
      .values({ id: 't1b', slug: 'one', name: 'Dup', createdAt: now })
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    await h.control
      .insertInto('datasets')
      .values({
        id: 'd1',
        tenantId: 't1',
        name: 'D',
        createdAt: now,
        modifiedAt: now,
        syncedAt: now,
        version: 3,
        tableName: 'ds_d1_v3',
        fields: '[]',
        rowCount: 4_000_000_000_123,
      })
      .execute();
    const tenant = await h.control
      .selectFrom('tenants')
      .selectAll()
      .where('slug', '=', 'one')
      .executeTakeFirstOrThrow();
    assert.equal(tenant.id, 't1');
    assert.equal(tenant.publicApiEnabled, 1);
    const ds = await h.control.selectFrom('datasets').selectAll().where('id', '=', 'd1').executeTakeFirstOrThrow();
    assert.equal(ds.rowCount, 4_000_000_000_123);
    assert.equal(ds.version, 3);
    assert.equal(ds.description, '');
    const meta = await h.control.selectFrom('meta').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual(meta, { name: 'generation', value: 0 });
  });
});

describe('the change counter', () => {
  it('reads, bumps inside a transaction, and stays put when the transaction rolls back', async () => {
    const g0 = await h.readGeneration();
    assert.equal(typeof g0, 'number');
    await h.control.transaction().execute(async (trx) => h.bumpGeneration(trx));
    assert.equal(await h.readGeneration(), g0 + 1);
    await assert.rejects(
      h.control.transaction().execute(async (trx) => {
        await h.bumpGeneration(trx);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.equal(await h.readGeneration(), g0 + 1);
    await Promise.all([h.bumpGeneration(), h.bumpGeneration(), h.bumpGeneration()]);
    assert.equal(await h.readGeneration(), g0 + 4);
  });
});

/** Every field type, and every value shape the catalog hands a dialect. */
const ALL_TYPES: Field[] = [
  { name: 'Id', type: 'NUMBER', column: 'c0' },
  { name: 'text', type: 'TEXT', column: 'c1' },
  { name: 'flag', type: 'BOOLEAN', column: 'c2' },
  { name: 'day', type: 'DATE', column: 'c3' },
  { name: 'at', type: 'DATETIME', column: 'c4' },
];
const ALL_ROWS: Value[][] = [
  [1534956341424005122n, 'Printer offline', true, '2023-02-01', ms('2023-02-01T23:59:59.999Z')],
  [null, null, null, null, null],
  [12.6, '', false, '2024-02-29', 0],
  [-9223372036854775808n, 'NULL', true, '1969-12-31', -1],
  [
    9223372036854775807n,
    'quote " backslash \\ brace { } comma , end',
    false,
    '9999-12-31',
    ms('9999-12-31T23:59:59.999Z'),
  ],
  [0, '  spaces  ', true, '0000-01-01', ms('0000-03-01T00:00:00.001Z')],
  [-5, 'Zoë 🎉 line\nbreak\ttab', false, '1970-01-01', ms('2023-02-01T10:00:00.000Z')],
  [9007199254740991, "O'Brien; DROP TABLE x; --", null, '2000-02-29', ms('2000-02-29T12:34:56.789Z')],
  [0.30000000000000004, 'a', true, null, 1],
  [1e21, 'b', false, '2023-01-01', null],
];

/** Kysely-built SELECT of `fields`' columns in `_row` order, compiled for `db`. */
function selectAll(db: Kysely<any>, table: string, fields: readonly Field[]): CompiledQuery {
  return db
    .selectFrom(table)
    .select(fields.map((f) => f.column))
    .orderBy('_row')
    .compile();
}

describe('dataset tables: round trip', () => {
  before(async () => {
    for (const tables of [h.tables, lite.tables] as DatasetTables[]) {
      await tables.create('ds_rt_v1', ALL_TYPES);
      await tables.insert('ds_rt_v1', ALL_TYPES, ALL_ROWS.slice(0, 4), 1);
      await tables.insert('ds_rt_v1', ALL_TYPES, ALL_ROWS.slice(4), 5);
      await tables.index('ds_rt_v1', ALL_TYPES);
    }
  });

  it('columns have their PostgreSQL types; _row is the primary key', async () => {
    const r = await h.pool.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'ds_rt_v1' ORDER BY ` +
        `ordinal_position`,
    );
    assert.deepEqual(
      r.rows.map((c) => [c.column_name, c.data_type]),
      [
        ['_row', 'bigint'],
        ['c0', 'numeric'],
        ['c1', 'text'],
        ['c2', 'boolean'],
        ['c3', 'date'],
        ['c4', 'timestamp with time zone'],
      ],
    );
    const pk = await h.pool.query(
      `SELECT 1 FROM pg_indexes WHERE tablename = 'ds_rt_v1' AND indexdef LIKE '%UNIQUE%(_row)'`,
    );
    assert.equal(pk.rows.length, 1);
  });

  it('indexes: B-tree on NUMBER, DATE, DATETIME; trigram GIN on TEXT; none on BOOLEAN', async () => {
    const r = await h.pool.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ds_rt_v1' AND indexname <> 'ds_rt_v1_pkey' ` +
        `ORDER BY indexname`,
    );
    assert.deepEqual(
      r.rows.map((i) => i.indexname),
      ['ds_rt_v1_c0', 'ds_rt_v1_c1_trgm', 'ds_rt_v1_c3', 'ds_rt_v1_c4'],
    );
    assert.match(r.rows[1].indexdef, /USING gin \(c1 (public\.)?gin_trgm_ops\)/);
    assert.match(r.rows[0].indexdef, /USING btree \(c0\)/);
    assert.deepEqual(warnings, [], 'pg_trgm was there to create');
  });

  it('values come back in the catalog contract: exact integers, YYYY-MM-DD dates, epoch-ms times', async () => {
    const rows = await h.tables.rows(selectAll(h.data, 'ds_rt_v1', ALL_TYPES));
    const expected = ALL_ROWS.map((r) => [...r]);
    // 1e21 is an integer beyond 2^53: numeric gives its exact digits back.
    expected[9][0] = 1000000000000000000000n;
    assert.deepEqual(rows, expected);
    assert.equal(typeof rows[0][0], 'bigint');
    assert.equal(typeof rows[2][0], 'number');
    assert.equal(typeof rows[7][0], 'number');
    assert.equal(typeof rows[0][2], 'boolean');
    assert.equal(typeof rows[0][3], 'string');
    assert.equal(typeof rows[0][4], 'number');
  });

  it('serialise to the same JSON records as on SQLite', async () => {
    const fromPg = await h.tables.rows(selectAll(h.data, 'ds_rt_v1', ALL_TYPES));
    const fromLite = await lite.tables.rows(selectAll(lite.data, 'ds_rt_v1', ALL_TYPES));
    // SQLite keeps 1e21 as a double: the only row whose text differs (same number either way).
    const json = (rows: unknown[][]) => recordsJson(ALL_TYPES, rows.slice(0, 9));
    assert.equal(json(fromPg), json(fromLite));
    assert.match(json(fromPg), /"Id":1534956341424005122,/);
    assert.match(json(fromPg), /"Id":-9223372036854775808,/);
    assert.match(json(fromPg), /"at":"2023-02-01T23:59:59.999Z"/);
    assert.match(json(fromPg), /"day":"0000-01-01"/);
  });

  it('count(*) and _row come back as numbers', async () => {
    const q = h.data
      .selectFrom('ds_rt_v1')
      .select([sql<number>`count(*)`.as('n'), sql<number>`max("_row")`.as('m')])
      .compile();
    assert.deepEqual(await h.tables.rows(q), [[ALL_ROWS.length, ALL_ROWS.length]]);
  });

  it('loads many chunks in one call, in order, with their row numbers', async () => {
    const fields: Field[] = [
      { name: 'n', type: 'NUMBER', column: 'c0' },
      { name: 't', type: 'TEXT', column: 'c1' },
    ];
    const rows: Value[][] = Array.from({ length: 9_999 }, (_, i) => [i * 3, `row ${i}`]);
    await h.tables.create('ds_many_v1', fields);
    await h.tables.insert('ds_many_v1', fields, rows, 1);
    await h.tables.insert('ds_many_v1', fields, [[-1, 'last']], 10_000);
    const q = h.data
      .selectFrom('ds_many_v1')
      .select([
        sql<number>`count(*)`.as('n'),
        sql<number>`sum(c0)`.as('s'),
        sql<number>`min("_row")`.as('lo'),
        sql<number>`max("_row")`.as('hi'),
      ])
      .where(sql<boolean>`"_row" * 3 - 3 = c0 or c0 = -1`)
      .compile();
    assert.deepEqual(await h.tables.rows(q), [[10_000, (3 * 9_998 * 9_999) / 2 - 1, 1, 10_000]]);
    const last = await h.tables.rows(h.data.selectFrom('ds_many_v1').select('c1').where('_row', '=', 10_000).compile());
    assert.deepEqual(last, [['last']]);
  });

  it('an insert that fails leaves none of its rows (one transaction)', async () => {
    const fields: Field[] = [{ name: 't', type: 'TEXT', column: 'c0' }];
    await h.tables.create('ds_nul_v1', fields);
    const rows: Value[][] = Array.from({ length: 5_000 }, (_, i) => [i === 4_500 ? 'a\u0000b' : `ok ${i}`]);
    await assert.rejects(h.tables.insert('ds_nul_v1', fields, rows, 1), /NUL character \(U\+0000\)/);
    assert.deepEqual(
      await h.tables.rows(
        h.data
          .selectFrom('ds_nul_v1')
          .select(sql<number>`count(*)`.as('n'))
          .compile(),
      ),
      [[0]],
    );
    await h.tables.drop('ds_nul_v1');
  });

  it(
    'text PostgreSQL cannot hold is a 400-class input error ' + 'in reads and in Kysely queries, not a driver error',
    async () => {
      const isUnstorable = (e: Error & { code?: string; statusCode?: number }) =>
        e.name === 'UnstorableTextError' && e.code === 'INVALID_INPUT' && e.statusCode === 400;
      await assert.rejects(
        async () => h.tables.rows(h.data.selectNoFrom(sql<string>`${'a\u0000'}::text`.as('t')).compile()),
        isUnstorable,
      );
      await assert.rejects(h.control.selectNoFrom(sql<string>`${'a\u0000'}::text`.as('t')).execute(), isUnstorable);
    },
  );
  it('a row too wide for a PostgreSQL page fails with a message that says so', async () => {
    const fields: Field[] = Array.from({ length: 600 }, (_, i) => ({ name: `f${i}`, type: 'TEXT', column: `c${i}` }));
    await h.tables.create('ds_wide_v1', fields);
    await assert.rejects(
      h.tables.insert('ds_wide_v1', fields, [fields.map((f) => `a short value for ${f.name}`)], 1),
      /a row is too wide for PostgreSQL with 600 fields/,
    );
    await h.tables.drop('ds_wide_v1');
  });
});

describe('dataset tables: drop, exists, list', () => {
  it('lists by exact prefix (an underscore is not a wildcard), drops idempotently', async () => {
    const fields: Field[] = [{ name: 'n', type: 'NUMBER', column: 'c0' }];
    for (const t of ['ds_1_v1', 'ds_1_v2', 'ds_10_v1', 'ds_1xv1']) await h.tables.create(t, fields);
    assert.deepEqual(await h.tables.list('ds_1_'), ['ds_1_v1', 'ds_1_v2']);
    assert.equal(await h.tables.exists('ds_1_v2'), true);
    await h.tables.drop('ds_1_v2');
    await h.tables.drop('ds_1_v2');
    assert.equal(await h.tables.exists('ds_1_v2'), false);
    assert.deepEqual(await h.tables.list('ds_1_'), ['ds_1_v1']);
    assert.equal(await h.tables.exists('meta'), true, 'any table of the schema');
    assert.equal(await h.tables.exists('ds_rt_v1_c0'), false, 'an index is not a table');
    for (const t of ['ds_1_v1', 'ds_10_v1', 'ds_1xv1']) await h.tables.drop(t);
  });

  it('refuses a name it did not generate', async () => {
    await assert.rejects(h.tables.drop('x"; DROP TABLE meta; --'), /unsafe identifier/);
    assert.equal(await h.tables.exists('meta'), true);
  });
});

describe('the filter cases on PostgreSQL (filter-compiler.test.ts runs them on SQLite)', () => {
  let table: DatasetTable;

  before(async () => {
    table = await loadFilterTable(h.tables, 'ds_filters_v1');
    // The same table on SQLite, to compare whole pages below.
    await loadFilterTable(lite.tables, 'ds_filters_v1');
  });

  for (const c of FILTER_CASES) {
    it(caseName(c), async () => {
      assert.deepEqual(await selectedRows(h.data, caps, h.tables, table, c.params), {
        total: c.rows.length,
        rows: c.rows,
      });
    });
  }

  for (const c of ODATA_CASES) {
    it(odataCaseName(c), async () => {
      assert.deepEqual(await odataSelectedRows(h.data, caps, h.tables, table, c.filter), {
        total: c.rows.length,
        rows: c.rows,
      });
    });
  }

  it('keeps every value a parameter in the SQL', () => {
    const where = compileFilters(
      parseFilterQuery({ summary: "x' OR '1'='1", Id: '1534956341424005122', created_at: '2023-02-01' }).filters,
      caps,
    )!;
    const compiled = h.data.selectFrom(table.tableName).select('c7').where(where).compile();
    assert.equal(
      compiled.sql,
      `select "c7" from "ds_filters_v1" where ("c1" ilike $1 escape '\\' and "c0" = $2 and "c5" >= $3)`,
    );
    assert.deepEqual(compiled.parameters, ["%x' OR '1'='1%", '1534956341424005122', '2023-02-01T00:00:00.000Z']);
  });

  it('operators compile to =, <>, in and not with every value a parameter', () => {
    const params = {
      'summary[eq]': "x' OR '1'='1",
      'Id[ne]': '1534956341424005122',
      'date[in]': '2023-02-01,2023-02-02',
      'created_at[ne]': '2023-02-01',
    };
    const compiled = h.data
      .selectFrom(table.tableName)
      .select('c7')
      .where(compileFilters(parseFilterQuery(params).filters, caps)!)
      .compile();
    assert.equal(
      compiled.sql,
      `select "c7" from "ds_filters_v1" where ("c1" = $1 and "c0" <> $2 and "c4" in ($3, $4) and not ("c5" >= ` +
        `$5 and "c5" < $6))`,
    );
    assert.deepEqual(compiled.parameters, [
      "x' OR '1'='1",
      '1534956341424005122',
      '2023-02-01',
      '2023-02-02',
      '2023-02-01T00:00:00.000Z',
      '2023-02-02T00:00:00.000Z',
    ]);
  });

  const PAGES: Params[] = [
    { _sort: '-price', size: '4', current: '2' },
    { _sort: 'price', size: '5' },
    { _sort: 'summary,Id' },
    { _sort: '-Real Name', 'Real Name': 'o' },
    { _sort: 'is_default,-date' },
    { _sort: '-created_at', created_at: '2023-01-01,' },
    { _sort: 'Id', size: '3', current: '5' },
    { size: '3', current: '4' },
    { price: '1,', size: '2', current: '3' },
    { _sort: '-code[in]', 'code[in][ne]': 'A', size: '4', current: '2' },
    { _sort: 'date', 'Real Name[in]': 'Tod,Bob,bob,', 'created_at[ne]': '2023-02-02' },
  ];
  for (const params of PAGES) {
    it(`pages and sorts alike: ${JSON.stringify(params)}`, async () => {
      const r = parseQuery(params, FIELDS, { maxSize: 1000 });
      assert.ok(r.ok);
      const q = r.query;
      const page = async (db: Kysely<any>, dialect: DialectCapabilities, tables: DatasetTables) => {
        const count = buildCountQuery(db, dialect, table, q);
        const total = count ? Number((await tables.rows(count))[0][0]) : table.rowCount;
        return recordsJson(FIELDS, await tables.rows(buildPageQuery(db, dialect, table, q, total)));
      };
      const onPg = await page(h.data, caps, h.tables);
      assert.equal(onPg, await page(lite.data, sqliteCapabilities, lite.tables));
      assert.notEqual(onPg, '[]');
    });
  }
});

describe('contains is served by the trigram index', () => {
  const fields: Field[] = [
    { name: 'summary', type: 'TEXT', column: 'c0' },
    { name: 'n', type: 'NUMBER', column: 'c1' },
  ];
  const table: DatasetTable = { tableName: 'ds_trgm_v1', fields, rowCount: 20_000 };

  before(async () => {
    await h.tables.create(table.tableName, fields);
    const rows: Value[][] = Array.from({ length: table.rowCount }, (_, i) => [
      i % 500 === 0 ? `Ticket ${i}: Zebrafish tank leaking` : `Ticket ${i}: printer offline on floor ${i % 7}`,
      i,
    ]);
    await h.tables.insert(table.tableName, fields, rows, 1);
    await h.tables.index(table.tableName, fields);
  });

  async function plan(q: CompiledQuery): Promise<string> {
    const r = await h.pool.query({ text: `EXPLAIN (FORMAT JSON) ${q.sql}`, values: q.parameters as unknown[] });
    return JSON.stringify(r.rows[0]['QUERY PLAN']);
  }

  it('for the count and the page, case-insensitively', async () => {
    const parsed = parseQuery({ summary: 'ZEBRAfish' }, fields, { maxSize: 1000 });
    assert.ok(parsed.ok);
    const count = buildCountQuery(h.data, caps, table, parsed.query)!;
    assert.match(await plan(count), /"Index Name":"ds_trgm_v1_c0_trgm"/);
    assert.deepEqual(await h.tables.rows(count), [[40]]);
    const page = buildPageQuery(h.data, caps, table, parsed.query, 40);
    assert.match(await plan(page), /"Index Name":"ds_trgm_v1_c0_trgm"/);
    assert.deepEqual(
      (await h.tables.rows(page)).map((r) => r[1]),
      Array.from({ length: 10 }, (_, i) => i * 500),
    );
  });

  it('and a pattern with escaped % and _ still uses it and stays literal', async () => {
    const parsed = parseQuery({ summary: 'fish_tank' }, fields, { maxSize: 1000 });
    assert.ok(parsed.ok);
    const count = buildCountQuery(h.data, caps, table, parsed.query)!;
    assert.match(await plan(count), /ds_trgm_v1_c0_trgm/);
    assert.deepEqual(await h.tables.rows(count), [[0]]);
  });
});

describe('without pg_trgm', () => {
  let db: TestDatabase;
  let role: string;
  let limited: PostgresHandle;
  const seen: string[] = [];

  before(async () => {
    // A user who may create tables but not extensions (no CREATE on the database).
    db = await createTestDatabase();
    role = db.name;
    const admin = new pg.Client(db.url);
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE "${role}" LOGIN`);
      await admin.query(`REVOKE CREATE ON DATABASE "${db.name}" FROM PUBLIC`);
      await admin.query(`GRANT USAGE, CREATE ON SCHEMA public TO "${role}"`);
    } finally {
      await admin.end();
    }
    const url = new URL(db.url);
    url.username = role;
    limited = openPostgres(url.toString(), { warn: (m) => seen.push(m) });
  });

  after(async () => {
    await limited?.close();
    await db?.drop();
    const admin = new pg.Client(tdb.url);
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS "${role}"`).finally(() => admin.end());
  });

  it('indexes without a trigram index, warns once, and contains still works', async () => {
    const fields: Field[] = [
      { name: 't', type: 'TEXT', column: 'c0' },
      { name: 'n', type: 'NUMBER', column: 'c1' },
    ];
    for (const t of ['ds_a_v1', 'ds_b_v1']) {
      await limited.tables.create(t, fields);
      await limited.tables.insert(
        t,
        fields,
        [
          ['Alpha', 1],
          ['beta', 2],
        ],
        1,
      );
      await limited.tables.index(t, fields);
    }
    assert.equal(seen.length, 1, seen.join('\n'));
    assert.match(seen[0], /pg_trgm is unavailable/);
    const idx = await limited.pool.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'ds_a_v1' ORDER BY 1`);
    assert.deepEqual(
      idx.rows.map((r) => r.indexname),
      ['ds_a_v1_c1', 'ds_a_v1_pkey'],
    );
    const parsed = parseQuery({ t: 'ALPH' }, fields, { maxSize: 10 });
    assert.ok(parsed.ok);
    const count = buildCountQuery(limited.data, caps, { tableName: 'ds_a_v1', fields, rowCount: 2 }, parsed.query)!;
    assert.deepEqual(await limited.tables.rows(count), [[1]]);
  });
});

describe('date buckets (UTC; weeks from Monday)', () => {
  // [value, day, week, month, quarter, year], as in the SQLite test.
  const DATES: [string, string, string, string, string, string][] = [
    ['2023-01-01', '2023-01-01', '2022-12-26', '2023-01-01', '2023-01-01', '2023-01-01'],
    ['2022-12-26', '2022-12-26', '2022-12-26', '2022-12-01', '2022-10-01', '2022-01-01'],
    ['2023-01-02', '2023-01-02', '2023-01-02', '2023-01-01', '2023-01-01', '2023-01-01'],
    ['2023-03-31', '2023-03-31', '2023-03-27', '2023-03-01', '2023-01-01', '2023-01-01'],
    ['2023-04-01', '2023-04-01', '2023-03-27', '2023-04-01', '2023-04-01', '2023-01-01'],
    ['2023-09-30', '2023-09-30', '2023-09-25', '2023-09-01', '2023-07-01', '2023-01-01'],
    ['2023-12-31', '2023-12-31', '2023-12-25', '2023-12-01', '2023-10-01', '2023-01-01'],
    ['2024-02-29', '2024-02-29', '2024-02-26', '2024-02-01', '2024-01-01', '2024-01-01'],
    ['1969-12-31', '1969-12-31', '1969-12-29', '1969-12-01', '1969-10-01', '1969-01-01'],
  ];
  const BUCKETS: DateBucket[] = ['day', 'week', 'month', 'quarter', 'year'];
  const fields: Field[] = [
    { name: 'd', type: 'DATE', column: 'c0' },
    { name: 't', type: 'DATETIME', column: 'c1' },
  ];

  before(async () => {
    await h.tables.create('ds_buckets_v1', fields);
    const rows: Value[][] = [];
    for (const [d] of DATES) {
      rows.push([d, ms(`${d}T00:00:00Z`)]);
      rows.push([d, ms(`${d}T00:00:00Z`) + DAY - 1]);
    }
    rows.push([null, null]);
    await h.tables.insert('ds_buckets_v1', fields, rows, 1);
  });

  async function buckets(b: DateBucket, opts: { timeZone?: string } = {}): Promise<unknown[][]> {
    const q = h.data
      .selectFrom('ds_buckets_v1')
      .select([
        sql`${caps.dateBucket(sql.ref('c0'), 'DATE', b)}`.as('d'),
        sql`${caps.dateBucket(sql.ref('c1'), 'DATETIME', b)}`.as('t'),
      ])
      .orderBy('_row')
      .compile();
    if (!opts.timeZone) return h.tables.rows(q);
    // A session in another time zone (as behind a pooler that drops startup options) gets the same buckets.
    const client = await h.pool.connect();
    try {
      await client.query(`SET TimeZone = '${opts.timeZone}'`);
      return (await client.query({ text: q.sql, values: q.parameters as unknown[], rowMode: 'array' })).rows;
    } finally {
      await client.query('RESET TimeZone');
      client.release();
    }
  }

  for (const [i, b] of BUCKETS.entries()) {
    it(`${b}: DATE and DATETIME (midnight and 23:59:59.999Z) give the same first day`, async () => {
      const expected: (string | null)[][] = DATES.flatMap((d) => [
        [d[i + 1], d[i + 1]],
        [d[i + 1], d[i + 1]],
      ]);
      expected.push([null, null]);
      assert.deepEqual(await buckets(b), expected);
      assert.deepEqual(await buckets(b, { timeZone: 'Pacific/Kiritimati' }), expected);
      assert.deepEqual(await buckets(b, { timeZone: 'America/Los_Angeles' }), expected);
    });
  }

  it('uses no parameters, and groups by the same expression it selects', async () => {
    for (const b of BUCKETS) {
      const bucket = caps.dateBucket(sql.ref('c1'), 'DATETIME', b);
      const q = h.data
        .selectFrom('ds_buckets_v1')
        .select([sql`${bucket}`.as('b'), sql<number>`count(*)`.as('n')])
        .groupBy(bucket)
        .orderBy('b')
        .compile();
      assert.deepEqual(q.parameters, [], b);
      const rows = await h.tables.rows(q);
      assert.equal(
        rows.reduce((s, r) => s + Number(r[1]), 0),
        DATES.length * 2 + 1,
      );
    }
  });
});

describe('query deadline', () => {
  const slow = () => sql<number>`select 1 from pg_sleep(2)`.compile(h.data);

  it('a deadline already passed fails at once, without a query', async () => {
    await assert.rejects(Promise.resolve(h.tables.rows(slow(), { deadline: Date.now() - 1 })), QueryTimeoutError);
  });

  it('stops the statement on the server, then the connection is reused with no limit', async () => {
    const started = performance.now();
    await assert.rejects(Promise.resolve(h.tables.rows(slow(), { deadline: Date.now() + 150 })), QueryTimeoutError);
    const took = performance.now() - started;
    assert.ok(took < 1_000, `stopped after ${took.toFixed(0)} ms`);
    const running = await h.pool.query(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(2)%' AND pid ` +
        `<> pg_backend_pid()`,
    );
    assert.equal(running.rows[0].n, 0, 'the server is no longer running it');
    // Every pooled connection, including the one that ran the stopped statement.
    const settings = await Promise.all(
      Array.from({ length: 10 }, () => h.tables.rows(sql`select current_setting('statement_timeout')`.compile(h.data))),
    );
    assert.deepEqual(new Set(settings.map((r) => r[0][0])), new Set(['0']));
  });

  /** The text of every statement sent on any connection while `work` runs. */
  async function statementsSent(work: () => Promise<void>): Promise<string[]> {
    const sent: string[] = [];
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const c = args[0] as string | { text: string };
      sent.push(typeof c === 'string' ? c : c.text);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = original;
    }
    return sent;
  }

  it('sets the limit once per connection: then a statement with as much time left is one round trip', async () => {
    const q = sql`select 7 as seven`.compile(h.data);
    const sent = await statementsSent(async () => {
      // One at a time: the pool hands back the connection just released.
      for (let i = 0; i < 20; i++) assert.deepEqual(await h.tables.rows(q, { deadline: Date.now() + 30_000 }), [[7]]);
    });
    // A connection new to deadlines gets the time left; one more (the whole limit) when a
    // later request finds more time left, to the millisecond, than the first did.
    const limits = sent.filter((t) => /statement_timeout/i.test(t));
    assert.ok(limits.length <= 2, `limits set: ${limits.join('; ')}`);
    assert.deepEqual(
      sent.filter((t) => !/statement_timeout/i.test(t)),
      Array.from({ length: 20 }, () => q.sql),
      'no BEGIN, SET LOCAL or COMMIT around the statement',
    );
  });

  it("less time left than the connection's limit: the statement sets its own, and is stopped in time", async () => {
    await h.tables.rows(sql`select 1`.compile(h.data), { deadline: Date.now() + 30_000 });
    const started = performance.now();
    const sent = await statementsSent(() =>
      assert.rejects(Promise.resolve(h.tables.rows(slow(), { deadline: Date.now() + 150 })), QueryTimeoutError),
    );
    const took = performance.now() - started;
    assert.ok(took < 1_000, `stopped after ${took.toFixed(0)} ms`);
    assert.equal(sent.filter((t) => /^SET statement_timeout = 1[45]\d$/.test(t)).length, 1, sent.join('; '));
    // And the connection serves the next request, at its own limit again.
    assert.deepEqual(await h.tables.rows(sql`select 2`.compile(h.data), { deadline: Date.now() + 30_000 }), [[2]]);
  });

  it('a connection that served a deadline is reset before control statements and loads use it', async () => {
    // Every pooled connection gets a limit...
    await Promise.all(
      Array.from({ length: 10 }, () =>
        h.tables.rows(sql`select pg_sleep(0.05)`.compile(h.data), { deadline: Date.now() + 30_000 }),
      ),
    );
    // ...and then, through Kysely (control tables) and through plain statements alike, none.
    const viaKysely = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const r = await sql<{ s: string }>`select current_setting('statement_timeout') as s, pg_sleep(0.05)`.execute(
          h.control,
        );
        return r.rows[0].s;
      }),
    );
    assert.deepEqual(new Set(viaKysely), new Set(['0']));
  });

  it('a query that ends in time returns its rows', async () => {
    const q = sql`select 1 as a, ${'x'}::text as b`.compile(h.data);
    assert.deepEqual(await h.tables.rows(q, { deadline: Date.now() + 5_000 }), [[1, 'x']]);
  });

  it('other errors pass through as they are', async () => {
    const q = sql`select * from no_such_table`.compile(h.data);
    await assert.rejects(Promise.resolve(h.tables.rows(q, { deadline: Date.now() + 5_000 })), /no_such_table/);
  });
});

describe('openStore with a postgres:// URL', () => {
  it('migrates, names the database without the password, and reads and writes', async () => {
    const url = new URL(tdb.url);
    url.password = 'not-needed-with-trust';
    const store = await openStore(url.toString());
    try {
      assert.equal(store.location, `postgres://${url.host}/${tdb.name}`);
      assert.doesNotMatch(store.location, /not-needed/);
      assert.equal(store.caps, caps);
      const g = await store.readGeneration();
      await store.bumpGeneration();
      assert.equal(await store.readGeneration(), g + 1);
      assert.equal(await store.tables.exists('ds_rt_v1'), true);
    } finally {
      await store.close();
    }
    const alias = await openStore(tdb.url.replace(/^postgres:/, 'postgresql:'));
    await alias.close();
  });

  it('fails fast when the server is not there', async () => {
    const started = performance.now();
    await assert.rejects(openStore('postgres://postgres@127.0.0.1:1/nothing'), /ECONNREFUSED|connect/);
    assert.ok(performance.now() - started < 5_000);
  });

  it('keeps its files in the configured data folder, else ./data', () => {
    assert.equal(dataDirFor('postgres://h/db'), path.resolve('data'));
    assert.equal(dataDirFor('postgresql://h/db', '/var/lib/datagate'), '/var/lib/datagate');
    // A SQLite database keeps them beside its file.
    assert.equal(dataDirFor('sqlite:/tmp/x/a.db', '/var/lib/datagate'), '/tmp/x');
  });
});

describe('migration 0010 (roles) on both dialects', () => {
  it('makes every user made before it an owner', async () => {
    const pgDb = await createTestDatabase();
    const pgH = openPostgres(pgDb.url);
    const liteH = openSqlite(path.join(liteDir, 'migrate-0010.db'));
    try {
      for (const db of [pgH.control, liteH.control]) {
        await migrateToLatest(db, '0009_admin_tokens');
        const now = new Date().toISOString();
        await db.insertInto('tenants').values({ id: 'ta', slug: 'ta', name: 'ta', createdAt: now }).execute();
        for (const id of ['u1', 'u2'])
          await db
            .insertInto('users')
            .values({ id, tenantId: 'ta', email: `${id}@x.example`, passwordHash: 'h', createdAt: now })
            .execute();
        await migrateToLatest(db);
        const rows = await db.selectFrom('users').select(['id', 'role']).orderBy('id').execute();
        assert.deepEqual(rows, [
          { id: 'u1', role: 'owner' },
          { id: 'u2', role: 'owner' },
        ]);
      }
    } finally {
      await pgH.close();
      await pgDb.drop();
      liteH.raw.close();
    }
  });
});
