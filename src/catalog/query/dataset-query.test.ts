import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteDialect,
} from 'kysely';
import { postgresCapabilities } from '../../store/dialects/postgres-capabilities.ts';
import { sqliteCapabilities } from '../../store/dialects/sqlite-capabilities.ts';
import { parseQuery } from '../filter/query-parser.ts';
import type { Field } from '../types.ts';
import { buildPageQuery, readsRowRange, type DatasetTable } from './dataset-query.ts';

/** Only compiles: neither Kysely opens a connection until a query is executed. */
const memory = new Database(':memory:');
after(() => memory.close());
const DIALECTS = [
  {
    name: 'SQLite',
    db: new Kysely<any>({ dialect: new SqliteDialect({ database: memory }) }),
    caps: sqliteCapabilities,
  },
  {
    name: 'PostgreSQL',
    db: new Kysely<any>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (db) => new PostgresIntrospector(db),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    }),
    caps: postgresCapabilities,
  },
];

const FIELDS: Field[] = [
  { name: 'id', column: 'c_id', type: 'NUMBER' },
  { name: 'status', column: 'c_status', type: 'TEXT' },
  { name: 'opened', column: 'c_opened', type: 'DATE' },
];

function parsed(params: Record<string, string>) {
  const p = parseQuery(params, FIELDS, { maxSize: 1000 });
  assert.ok(p.ok, p.ok ? '' : p.message);
  return p.query;
}

describe('a page of the natural order', () => {
  for (const { name, db, caps } of DIALECTS) {
    it(`${name}: the once-built row-range SQL is the query builder's, with the page's bounds`, () => {
      const tables: DatasetTable[] = ['ds_a_1', 'ds_b_1'].map((tableName) => ({
        tableName,
        fields: FIELDS,
        rowCount: 1000,
      }));
      // The OData feed asks for row numbers too.
      const cases: [Record<string, string>, boolean][] = [
        [{}, false],
        [{ current: '3', size: '7' }, false],
        [{ current: '2', size: '10', _fields: 'status,id' }, false],
        [{ current: '5', size: '4' }, true],
        [{ current: '5', size: '4' }, false],
      ];
      // Twice over: the second round reads what the first one built.
      for (let round = 0; round < 2; round++) {
        for (const ds of tables) {
          for (const [params, rowNumbers] of cases) {
            const q = { ...parsed(params), rowNumbers };
            assert.ok(readsRowRange(q));
            const offset = (Number(params.current ?? 1) - 1) * Number(params.size ?? 10);
            const columns = (q.fields ?? ds.fields).map((f) => f.column);
            const expected = db
              .selectFrom(ds.tableName)
              .select(q.rowNumbers ? ['_row', ...columns] : columns)
              .where('_row', '>', offset)
              .where('_row', '<=', offset + q.size)
              .orderBy('_row')
              .compile();
            const got = buildPageQuery(db, caps, ds, q, ds.rowCount);
            assert.equal(got.sql, expected.sql, JSON.stringify(params));
            assert.deepEqual(got.parameters, expected.parameters, JSON.stringify(params));
          }
        }
      }
    });
  }

  it('a filter or a sort is not a row range', () => {
    assert.equal(readsRowRange(parsed({ status: 'Open' })), false);
    assert.equal(readsRowRange(parsed({ _sort: 'id' })), false);
  });
});
