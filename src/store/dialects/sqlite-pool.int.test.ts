import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery } from 'kysely';
import { QueryTimeoutError, TableGoneError } from '../../shared/errors.ts';
import { KILL_AFTER_MS } from './sqlite-pool.ts';
import { openSqlite, type SqliteHandle } from './sqlite.ts';

const ROWS = 300_000;
// Groups 600,000 distinct keys: a sort SQLite does in one go, with no guard to call,
// for about a second on this project's 2-core machines: well past the deadline, the
// grace and the time a worker gets to come back.
const SORT =
  `SELECT a."c1" || b."_row" AS k, count(*) FROM "ds_big_v1" a, "ds_big_v1" b WHERE b."_row" <= 2 GROUP BY k ` +
  `ORDER BY 2 DESC, 1 LIMIT 1`;
// The guard, as sqliteCapabilities.deadlineGuard() writes it.
const GUARD = `("_row" & 1023 <> 0 or dg_alive())`;
const fields = [
  { name: 'n', type: 'NUMBER' as const, column: 'c0' },
  { name: 'note', type: 'TEXT' as const, column: 'c1' },
];

function q(sqlText: string, params: unknown[] = []): CompiledQuery {
  return CompiledQuery.raw(sqlText, params);
}

async function fill(h: SqliteHandle, table: string, rows: number, note: (i: number) => string): Promise<void> {
  await h.tables.create(table, fields);
  const batch: [number, string][] = [];
  for (let i = 1; i <= rows; i++) batch.push([i, note(i)]);
  await h.tables.insert(table, fields, batch, 1);
}

const elapsed = (started: number) => performance.now() - started;

describe('SQLite query workers', () => {
  let dir: string;
  let h: SqliteHandle;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-pool-'));
    h = openSqlite(path.join(dir, 'pool.db'), { queryWorkers: 2 });
    await fill(h, 'ds_big_v1', ROWS, (i) => `note ${(i * 7919) % ROWS} about a printer that keeps jamming`);
  });
  after(async () => {
    await h.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads rows on a worker, integers exact', async () => {
    assert.ok(h.queryPool, 'a file database with workers has a pool');
    const rows = await h.tables.rows(q(`SELECT count(*), max("c0"), ? FROM "ds_big_v1"`, [2n ** 62n]));
    assert.deepEqual(rows, [[BigInt(ROWS), BigInt(ROWS), 2n ** 62n]]);
  });

  it('stops a sort past its deadline at the deadline and replaces its worker', async (ctx) => {
    // No guard at all: nothing inside the statement can stop it, only the pool.
    const sort = q(SORT);
    let started = performance.now();
    const full = await h.tables.rows(sort);
    const fullMs = elapsed(started);
    assert.equal(full.length, 1);

    const before = h.queryPool!.threadIds();
    started = performance.now();
    await assert.rejects(h.tables.rows(sort, { deadline: Date.now() + 20 }) as Promise<unknown>, QueryTimeoutError);
    const stoppedMs = elapsed(started);
    const report = `answered after ${stoppedMs.toFixed(1)} ms; the whole sort takes ${fullMs.toFixed(1)} ms`;
    ctx.diagnostic(report);
    assert.ok(stoppedMs < fullMs / 2, report);
    // Answered before the worker was given up on; it is replaced a moment later.
    const answered = performance.now();
    let afterIds = h.queryPool!.threadIds();
    while (afterIds.every((id) => before.includes(id)) && elapsed(answered) < 10 * KILL_AFTER_MS) {
      await new Promise((r) => setTimeout(r, 10));
      afterIds = h.queryPool!.threadIds();
    }
    ctx.diagnostic(`replaced ${elapsed(answered).toFixed(1)} ms after the answer`);
    assert.equal(
      afterIds.filter((id) => !before.includes(id)).length,
      1,
      `one worker was replaced: ${before} then ${afterIds}`,
    );
    // The given-up worker's thread ends (once its statement returns to JavaScript).
    await h.queryPool!.retired();
    // And the pool reads on, on the fresh worker too.
    const again = await Promise.all([h.tables.rows(q('SELECT 1')), h.tables.rows(q('SELECT 2'))]);
    assert.deepEqual(again, [[[1n]], [[2n]]]);
  });

  it('says how long every worker has been held: 0 while one is free', async () => {
    const pool = h.queryPool!;
    // The worker replaced above may still be opening its connection: it counts as free.
    assert.equal(pool.heldMs(), 0);
    await pool.started();
    // The sort on each worker (about a second, where a scan of this table can end within
    // the wait on a fast machine): past a few milliseconds, both are held.
    const one = pool.rows(SORT, []);
    await new Promise((r) => setTimeout(r, 15));
    assert.equal(pool.heldMs(), 0, 'the other worker is free');
    const two = pool.rows(SORT, []);
    await new Promise((r) => setTimeout(r, 15));
    const held = pool.heldMs();
    const [a, b] = await Promise.all([one, two]);
    assert.deepEqual(a, b);
    assert.ok(held >= 10, `held ${held} ms`);
    assert.equal(pool.heldMs(), 0);
  });

  it('stops a guarded scan inside the worker, which stays in service', async () => {
    const before = h.queryPool!.threadIds();
    // A cross join of 300,000 × 300,000 rows: the guard is the only way it ends.
    const endless = q(
      `SELECT count(*) FROM "ds_big_v1" a, "ds_big_v1" b WHERE ${GUARD.replaceAll('"_row"', 'b."_row"')}`,
    );
    await assert.rejects(h.tables.rows(endless, { deadline: Date.now() + 50 }) as Promise<unknown>, QueryTimeoutError);
    assert.deepEqual(h.queryPool!.threadIds(), before);
  });

  it('answers a query still waiting for a worker at its deadline, while the others run on', async () => {
    const sort = q(SORT);
    // Both workers busy with sorts that have no deadline.
    const busy = [h.tables.rows(sort), h.tables.rows(sort)];
    const order: string[] = [];
    const waiting = (h.tables.rows(q('SELECT 3'), { deadline: Date.now() + 30 }) as Promise<unknown>).catch((e) => {
      order.push('waiting');
      return e;
    });
    const sorts = Promise.all(busy).then(() => order.push('sorts'));
    assert.ok((await waiting) instanceof QueryTimeoutError);
    await sorts;
    assert.deepEqual(order, ['waiting', 'sorts']);
  });

  it('sees a reload: the new table at once, the dropped one as gone', async () => {
    await fill(h, 'ds_small_v1', 3, (i) => `old ${i}`);
    const read = (table: string) => h.tables.rows(q(`SELECT "c1" FROM "${table}" ORDER BY "_row"`));
    // Both workers have the old table's statement prepared.
    assert.deepEqual(await Promise.all([read('ds_small_v1'), read('ds_small_v1')]), [
      [['old 1'], ['old 2'], ['old 3']],
      [['old 1'], ['old 2'], ['old 3']],
    ]);
    await fill(h, 'ds_small_v2', 2, (i) => `new ${i}`);
    await h.tables.drop('ds_small_v1');
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await read('ds_small_v2'), [['new 1'], ['new 2']]);
      await assert.rejects(
        read('ds_small_v1') as Promise<unknown>,
        (e) => e instanceof TableGoneError && e.table === 'ds_small_v1',
      );
    }
  });

  it('sums past 64 bits exactly on a worker', async () => {
    await h.tables.create('ds_sums_v1', [{ name: 'v', type: 'NUMBER', column: 'c0' }]);
    await h.tables.insert(
      'ds_sums_v1',
      [{ name: 'v', type: 'NUMBER', column: 'c0' }],
      [[2n ** 62n], [2n ** 62n], [2n ** 62n]],
      1,
    );
    const rows = await Promise.all([0, 1].map(() => h.tables.rows(q(`SELECT sum("c0") FROM "ds_sums_v1"`))));
    assert.deepEqual(rows, [[[String(3n * 2n ** 62n)]], [[String(3n * 2n ** 62n)]]]);
  });

  it('runs an in-memory database, and a pool of 0, on the main connection', async () => {
    for (const [file, workers] of [
      [':memory:', 2],
      [path.join(dir, 'none.db'), 0],
    ] as const) {
      const m = openSqlite(file, { queryWorkers: workers });
      try {
        assert.equal(m.queryPool, undefined);
        // Synchronous, as the driver is.
        assert.deepEqual(m.tables.rows(q('SELECT 1')), [[1n]]);
      } finally {
        await m.close();
      }
    }
  });
});
