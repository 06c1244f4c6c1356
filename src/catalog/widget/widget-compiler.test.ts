import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { DialectCapabilities } from '../../store/dialects/capabilities.ts';
import { sqliteCapabilities } from '../../store/dialects/sqlite-capabilities.ts';
import { installDeadlineGuard } from '../../store/dialects/sqlite-deadline.ts';
import type { Params } from '../filter/params.ts';
import { parseQuery } from '../filter/query-parser.ts';
import type { Field } from '../types.ts';
import { buildWidgetQueries } from './widget-compiler.ts';
import { parseWidgetSpec, resolveWidget, type WidgetPlan } from './widget-spec.ts';

const FIELDS: readonly Field[] = [
  { name: 'board', type: 'TEXT', column: 'c0' },
  { name: 'hours', type: 'NUMBER', column: 'c1' },
  { name: 'created', type: 'DATETIME', column: 'c2' },
  { name: 'opened', type: 'DATE', column: 'c3' },
];
const TABLE = { tableName: 't' };
const GUARD = `("_row" & 1023 <> 0 or dg_alive())`;

const memory = new Database(':memory:');
installDeadlineGuard(memory);
const db = new Kysely<any>({ dialect: new SqliteDialect({ database: memory }) });
after(() => memory.close());

function plan(spec: Record<string, unknown>): WidgetPlan {
  const shape = parseWidgetSpec({ name: 'W', dataset: 'd', chart: 'table', ...spec });
  assert.ok(shape.ok, shape.ok ? '' : shape.message);
  const r = resolveWidget(shape.spec, FIELDS, 'T');
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.plan;
}

function compile(p: WidgetPlan, params: Params = {}, caps: DialectCapabilities = sqliteCapabilities) {
  const q = parseQuery(params, p.columns, { maxSize: 100 });
  assert.ok(q.ok, q.ok ? '' : q.message);
  return buildWidgetQueries(db, caps, TABLE, p, q.query);
}

const BY_BOARD = {
  dimensions: [{ field: 'board', label: 'Board' }],
  measures: [
    { agg: 'count', label: 'Count' },
    { agg: 'sum', field: 'hours', label: 'Sum' },
  ],
};

describe('widget SQL (SQLite)', () => {
  it('one GROUP BY inside a page: guard first, dimensions then measures, default order by the dimensions', () => {
    const { page, count } = compile(plan(BY_BOARD));
    const inner = `select "c0" as "d0", count(*) as "m0", sum("c1") as "m1" from "t" where ${GUARD} group by "c0"`;
    assert.equal(
      page.sql,
      `select "d0", "m0", "m1", count(*) over () as "_total" from (${inner}) as "r" ` +
        `order by "d0" asc nulls first limit ? offset ?`,
    );
    assert.deepEqual(page.parameters, [10, 0]);
    assert.equal(count.sql, `select count(*) as "n" from (${inner}) as "r"`);
  });

  it(
    'the widget filter and API filters on dimensions are WHERE, on measures HAVING, ' +
      'with bucket and aggregate in the field’s place',
    () => {
      const p = plan({
        dimensions: [{ field: 'created', label: 'Month', bucket: 'month' }],
        measures: [{ agg: 'avg', field: 'hours', label: 'Avg' }],
        filter: 'board=Ops',
      });
      const { page } = compile(p, { Month: '2023-01-01,', Avg: ',2.5' });
      const month = `date("c2" / 1000.0, 'unixepoch', 'start of month')`;
      assert.equal(
        page.sql,
        `select "d0", "m0", count(*) over () as "_total" from (select ${month} as "d0", avg("c1") as "m0" from "t" ` +
          `where ${GUARD} and "c0" like ? escape '\\' and ${month} >= ? group by ${month} ` +
          `having avg("c1") <= ?) as "r" ` +
          `order by "d0" asc nulls first limit ? offset ?`,
      );
      assert.deepEqual(page.parameters, ['%Ops%', '2023-01-01', 2.5, 10, 0]);
    },
  );

  it(
    'the widget sort and limit cap the result inside; ' +
      'API _sort, then the widget order, then dimensions order the page',
    () => {
      const p = plan({
        ...BY_BOARD,
        dimensions: [...BY_BOARD.dimensions, { field: 'opened', label: 'Day', bucket: 'day' }],
        sort: '-Sum',
        limit: 5,
      });
      const { page } = compile(p, { _sort: 'Count,-Board', current: '2', size: '3' });
      assert.match(
        page.sql,
        new RegExp(
          /group by "c0", "c3" order by "m1" desc nulls last, /.source +
            /"d0" asc nulls first, "d1" asc nulls first limit \?\) as "r"/.source,
        ),
      );
      assert.match(
        page.sql,
        new RegExp(
          /\) as "r" order by "m0" asc nulls first, "d0" desc nulls last, /.source +
            /"m1" desc nulls last, "d1" asc nulls first limit \? offset \?$/.source,
        ),
      );
      assert.deepEqual(page.parameters, [5, 3, 3]);
    },
  );

  it('without dimensions: no GROUP BY and no order; _fields picks the page’s columns', () => {
    const p = plan({
      measures: [
        { agg: 'count_distinct', field: 'board', label: 'Boards' },
        { agg: 'max', field: 'hours', label: 'Max' },
      ],
    });
    const { page } = compile(p, { _fields: 'Max' });
    assert.equal(
      page.sql,
      `select "m1", count(*) over () as "_total" from ` +
        `(select count(distinct "c0") as "m0", max("c1") as "m1" from "t" where ${GUARD}) as "r" limit ? offset ?`,
    );
  });

  it('count over a field counts its values; min and max', () => {
    const p = plan({
      measures: [
        { agg: 'count', field: 'hours', label: 'N' },
        { agg: 'min', field: 'hours', label: 'Min' },
      ],
    });
    assert.match(compile(p).page.sql, /select count\("c1"\) as "m0", min\("c1"\) as "m1" from "t"/);
  });

  it('filters compare counts as numeric, so that a fractional value is a valid parameter on every dialect', () => {
    const p = plan({
      ...BY_BOARD,
      measures: [
        ...BY_BOARD.measures,
        { agg: 'count', field: 'hours', label: 'N' },
        { agg: 'count_distinct', field: 'hours', label: 'D' },
      ],
    });
    const { page } = compile(p, { Count: '1.5,', N: ',2.5', D: '0.5,', Sum: ',9.5' });
    assert.match(
      page.sql,
      new RegExp(
        /select "c0" as "d0", count\(\*\) as "m0", sum\("c1"\) as "m1", /.source +
          /count\("c1"\) as "m2", count\(distinct "c1"\) as "m3" from/.source,
      ),
    );
    assert.match(
      page.sql,
      new RegExp(
        /having \(cast\(count\(\*\) as numeric\) >= \? and cast\(count\("c1"\) as numeric\) <= \? and /.source +
          /cast\(count\(distinct "c1"\) as numeric\) >= \? and sum\("c1"\) <= \?\)/.source,
      ),
    );
    assert.deepEqual(page.parameters.slice(0, 4), [1.5, 2.5, 0.5, 9.5]);
  });

  it('a dialect without a guard gets none', () => {
    const caps: DialectCapabilities = { ...sqliteCapabilities, deadlineGuard: () => undefined };
    assert.doesNotMatch(compile(plan(BY_BOARD), {}, caps).page.sql, /dg_alive|where/);
  });

  it('values are parameters, never SQL: a quote in a filter or label', () => {
    const p = plan({
      dimensions: [{ field: 'board', label: `It's "x"` }],
      measures: [{ agg: 'count', label: 'N' }],
      filter: `board=O'Connor"--`,
    });
    const { page } = compile(p, { [`It's "x"`]: `'; drop table t; --` });
    assert.doesNotMatch(page.sql, /O'Connor|drop table|It's/);
    assert.deepEqual(page.parameters.slice(0, 2), [`%O'Connor"--%`, `%'; drop table t; --%`]);
  });
});

describe('widget SQL runs on SQLite', () => {
  before(async () => {
    await sql`create table t ("_row" integer primary key, c0 text, c1 numeric, c2 integer, c3 text)`.execute(db);
    const rows: [string | null, number | null, number | null, string | null][] = [
      ['Desk', 1.5, Date.UTC(2023, 0, 1, 23, 59, 59, 999), '2023-01-01'],
      ['Desk', 2, Date.UTC(2023, 0, 2), '2023-01-02'],
      ['Desk', null, Date.UTC(2023, 2, 31), '2023-03-31'],
      ['Projects', 4, Date.UTC(2023, 3, 1), '2023-04-01'],
      [null, 10, null, null],
    ];
    for (const r of rows)
      await sql`insert into t (c0, c1, c2, c3) values (${r[0]}, ${r[1]}, ${r[2]}, ${r[3]})`.execute(db);
  });

  const run = (p: WidgetPlan, params: Params = {}) =>
    memory
      .prepare(compile(p, params).page.sql)
      .raw(true)
      .all(...(compile(p, params).page.parameters as unknown[]));

  it(
    'groups, aggregates, ignores nulls in measured fields, keeps a null group, ' + 'and carries the total on each row',
    () => {
      assert.deepEqual(run(plan(BY_BOARD)), [
        [null, 1, 10, 3],
        ['Desk', 3, 3.5, 3],
        ['Projects', 1, 4, 3],
      ]);
    },
  );

  it('week buckets start on Monday in UTC; the widget limit caps after the sort, the API pages after that', () => {
    const p = plan({
      dimensions: [{ field: 'created', label: 'Week', bucket: 'week' }],
      measures: [{ agg: 'count', label: 'N' }],
      sort: '-N',
      limit: 3,
    });
    // Weeks: 2022-12-26 (a Sunday's), 2023-01-02, 2023-03-27 (two rows), null; ties in
    // the count go by the week, nulls first; 2023-01-02 falls beyond the limit.
    assert.deepEqual(run(p), [
      ['2023-03-27', 2, 3],
      [null, 1, 3],
      ['2022-12-26', 1, 3],
    ]);
    assert.deepEqual(run(p, { size: '2', current: '2' }), [['2022-12-26', 1, 3]]);
  });

  it('HAVING filters before the limit; a dimension filter before grouping', () => {
    const p = plan({ ...BY_BOARD, sort: '-Count', limit: 1 });
    assert.deepEqual(run(p, { Count: ',1' }), [[null, 1, 10, 1]]);
    assert.deepEqual(run(p, { Board: 'proj' }), [['Projects', 1, 4, 1]]);
    assert.deepEqual(run(plan(BY_BOARD), { Count: '1.5,' }), [['Desk', 3, 3.5, 1]]);
  });
});
