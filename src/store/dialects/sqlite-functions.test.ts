import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { EXACT_SUM_FUNCTION, foldCase, registerSqliteFunctions, withExactSums } from './sqlite-functions.ts';

describe('SQLite functions', () => {
  it('foldCase maps one code point to one, as PostgreSQL lower() does', () => {
    assert.equal(foldCase('CHLOÉ'), 'chloé');
    assert.equal(foldCase('İSTANBUL'), 'istanbul');
    assert.equal(foldCase('ΟΔΟΣ'), 'οδοσ');
    assert.equal(foldCase('\u1E9E'), 'ß');
    assert.equal(foldCase('\u212A'), 'k');
  });

  it('withExactSums replaces sum( calls only, never inside quoted names or literals', () => {
    assert.equal(
      withExactSums(`select sum("c1") as "sum(x)", SUM ("c2"), checksum("c3"), 'sum(' from "t"`),
      `select ${EXACT_SUM_FUNCTION}("c1") as "sum(x)", SUM ("c2"), checksum("c3"), 'sum(' from "t"`,
    );
  });

  it('the exact sum adds past 64 bits, keeps 64-bit results integers, and REAL makes it REAL', () => {
    const db = new Database(':memory:');
    registerSqliteFunctions(db);
    db.exec('create table t (g text, v numeric)');
    const ins = db.prepare('insert into t values (?, ?)');
    for (let i = 0; i < 10; i++) ins.run('big', 9223372036854775807n);
    ins.run('small', 2n);
    ins.run('small', null);
    ins.run('real', 1.5);
    ins.run('real', 2n);
    ins.run('none', null);
    const q = db.prepare(`select g, sum(v) from t where g <> 'big' group by g order by g`).raw(true).safeIntegers(true);
    assert.throws(() => db.prepare(`select sum(v) from t where g = 'big'`).get(), /integer overflow/);
    const exact = db
      .prepare(withExactSums(`select g, sum(v) from t group by g order by g`))
      .raw(true)
      .safeIntegers(true);
    assert.deepEqual(exact.all(), [
      ['big', (9223372036854775807n * 10n).toString()],
      ['none', null],
      ['real', 3.5],
      ['small', 2n],
    ]);
    assert.deepEqual(q.all(), [
      ['none', null],
      ['real', 3.5],
      ['small', 2n],
    ]);
  });
});
