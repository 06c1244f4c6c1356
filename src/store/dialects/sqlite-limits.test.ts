import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sql, type CompiledQuery } from 'kysely';
import { memoryBudget } from '../../config/memory-budget.ts';
import { openModules } from '../../modules.ts';
import { type openStore } from '../index.ts';
import { applyConnectionLimits } from './sqlite-connection.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-limits-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const pragma = (db: Database.Database, name: string) => Number(db.pragma(name, { simple: true }));

describe('SQLite connection limits', () => {
  it('sets the page cache and turns memory-mapped reads off, on any connection', () => {
    const file = path.join(dir, 'any.db');
    const writer = new Database(file);
    writer.pragma('mmap_size = 268435456');
    assert.equal(pragma(writer, 'cache_size'), -16000, "better-sqlite3's own default");
    applyConnectionLimits(writer, { cacheKib: 4096 });
    assert.equal(pragma(writer, 'cache_size'), -4096);
    assert.equal(pragma(writer, 'mmap_size'), 0);
    // A read-only connection, as a reader beside the writer would open.
    const reader = new Database(file, { readonly: true });
    applyConnectionLimits(reader, { cacheKib: memoryBudget(300).sqliteCacheKib });
    assert.equal(pragma(reader, 'cache_size'), -12288);
    reader.close();
    writer.close();
  });

  it("applies the budget's share to the server's connection", async () => {
    // The control connection renames columns to camelCase: the one value of the row.
    const read = async (store: Awaited<ReturnType<typeof openStore>>, name: 'cache_size' | 'mmap_size') =>
      Number(Object.values((await sql.raw<Record<string, number>>(`PRAGMA ${name}`).execute(store.db)).rows[0])[0]);
    const config = (memoryMb?: number, queryWorkers = 0) => ({
      database: `sqlite:${path.join(dir, `m${memoryMb}.db`)}`,
      secret: 'unit-test-secret-'.repeat(3),
      admin: { uploadDir: path.join(dir, 'uploads'), uploadLimitMb: 1 },
      memoryMb,
      queryWorkers,
    });
    for (const [memoryMb, kib] of [
      [128, 5242],
      [200, 8192],
      [undefined, 8192],
      [0, 16_000],
    ] as const) {
      const m = await openModules(config(memoryMb));
      try {
        assert.equal(await read(m.store, 'cache_size'), -kib, `DATAGATE_MEMORY_MB=${memoryMb}`);
        assert.equal(await read(m.store, 'mmap_size'), 0);
      } finally {
        await m.close();
      }
    }
  });

  it("applies it to every query worker's connection", async () => {
    const m = await openModules({
      database: `sqlite:${path.join(dir, 'workers.db')}`,
      secret: 'unit-test-secret-'.repeat(3),
      admin: { uploadDir: path.join(dir, 'uploads'), uploadLimitMb: 1 },
      memoryMb: 128,
      queryWorkers: 2,
    });
    try {
      // Dataset reads go to the workers: each answers with its own connection's setting.
      const ask = (name: string) =>
        m.store.tables.rows({ sql: `PRAGMA ${name}`, parameters: [] } as unknown as CompiledQuery);
      const answers = await Promise.all(Array.from({ length: 4 }, () => ask('cache_size')));
      for (const rows of answers) assert.equal(Number(rows[0][0]), -5242);
      assert.equal(Number((await ask('mmap_size'))[0][0]), 0);
    } finally {
      await m.close();
    }
  });
});
