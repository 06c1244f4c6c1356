import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Field } from '../../shared/field-types.ts';
import type { DatasetTables } from './dataset-tables.ts';
import { createSqliteTables, INDEX_SORT_THREADS, withSortThreads } from './sqlite-tables.ts';

const threads = (db: Database.Database) => Number(db.pragma('threads', { simple: true }));

describe('index builds with sorter threads', () => {
  it('lets the sorter use helper threads while an index is built, then none again', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (v INTEGER)');
    db.exec(
      'WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 1000) INSERT INTO t SELECT v FROM n',
    );
    assert.equal(threads(db), 0, "SQLite's default");
    let during = -1;
    withSortThreads(db, INDEX_SORT_THREADS, () => {
      during = threads(db);
      db.exec('CREATE INDEX t_v ON t (v)');
    });
    assert.equal(during, INDEX_SORT_THREADS);
    assert.equal(threads(db), 0, 'the main connection sorts on its own thread again');
    assert.ok(db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 't_v'`).get(), 'the index was built');
  });

  it('puts the connection back to no helper threads when the build fails', () => {
    const db = new Database(':memory:');
    assert.throws(
      () => withSortThreads(db, 2, () => db.exec('CREATE INDEX gone_v ON gone (v)')),
      /no such table: (main\.)?gone/,
    );
    assert.equal(threads(db), 0);
  });
});

describe("a load's indexes", () => {
  it('answers what waited between one index and the next, and builds them all', async () => {
    const raw = new Database(':memory:');
    // Only index() runs here: it reads and writes through the main connection alone.
    const tables = createSqliteTables({
      raw,
      rows: undefined as never,
      cursor: undefined as never,
      forget: () => {},
    } as Parameters<typeof createSqliteTables>[0]) as DatasetTables;
    const fields: Field[] = [
      { name: 'a', type: 'NUMBER', column: 'c0' },
      { name: 'b', type: 'NUMBER', column: 'c1' },
      { name: 'd', type: 'DATE', column: 'c2' },
    ];
    await tables.create('ds_1_v1', fields);
    await tables.insert(
      'ds_1_v1',
      fields,
      [
        [1, 2, '2024-01-01'],
        [3, 4, '2024-01-02'],
      ] as never,
      1,
    );
    let answered = false;
    const building = tables.index('ds_1_v1', fields).then(() => answered);
    setImmediate(() => (answered = true));
    assert.equal(await building, true, 'a callback queued during the build ran before it ended');
    const names = raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name`).pluck().all();
    assert.deepEqual(names, ['ds_1_v1_c0', 'ds_1_v1_c1', 'ds_1_v1_c2']);
    assert.equal(threads(raw), 0);
  });
});
