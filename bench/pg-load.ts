// npm run bench:pg-load [-- --rows N]: how fast the PostgreSQL dialect loads a generated
// table of 10 fields, and what the trigram indexes do for a contains count, a selective
// word and a common one. Timings for BENCHMARKS.md, on a fresh database of its own.
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import type { CompiledQuery } from 'kysely';
import { createTestDatabase } from '../test/support/postgres.ts';
import { parseQuery } from '../src/catalog/filter/query-parser.ts';
import { buildCountQuery, type DatasetTable } from '../src/catalog/query/dataset-query.ts';
import type { Field, Value } from '../src/shared/field-types.ts';
import { openPostgres } from '../src/store/dialects/postgres.ts';
import { postgresCapabilities as caps } from '../src/store/dialects/postgres-capabilities.ts';

const { values: args } = parseArgs({ options: { rows: { type: 'string' } } });
const tdb = await createTestDatabase();
const h = openPostgres(tdb.url);
try {
  const rowCount = Number(args.rows ?? 1_000_000);
  const fields: Field[] = [
    { name: 'id', type: 'NUMBER', column: 'c0' },
    { name: 'price', type: 'NUMBER', column: 'c1' },
    { name: 'qty', type: 'NUMBER', column: 'c2' },
    { name: 'summary', type: 'TEXT', column: 'c3' },
    { name: 'board', type: 'TEXT', column: 'c4' },
    { name: 'owner', type: 'TEXT', column: 'c5' },
    { name: 'billable', type: 'BOOLEAN', column: 'c6' },
    { name: 'opened', type: 'DATE', column: 'c7' },
    { name: 'created', type: 'DATETIME', column: 'c8' },
    { name: 'closed', type: 'DATETIME', column: 'c9' },
  ];
  const table: DatasetTable = { tableName: 'ds_bench_v1', fields, rowCount };
  const words = ['printer', 'offline', 'network', 'outage', 'password', 'reset', 'email', 'laptop', 'monitor', 'vpn'];
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const word = () => words[Math.floor(rnd() * words.length)];
  function row(i: number): Value[] {
    const t = 1_600_000_000_000 + Math.floor(rnd() * 100_000_000_000);
    return [
      1534956341424000000n + BigInt(i),
      Math.round(rnd() * 100_000) / 100,
      Math.floor(rnd() * 100),
      `${word()} ${word()} ${word()} ticket ${Math.floor(rnd() * 1e6)}${rnd() < 0.01 ? ' Zebrafish' : ''}`,
      `Board ${Math.floor(rnd() * 50)}`,
      rnd() < 0.1 ? null : `Owner ${Math.floor(rnd() * 500)}`,
      rnd() < 0.5,
      new Date(t).toISOString().slice(0, 10),
      t,
      rnd() < 0.2 ? null : t + Math.floor(rnd() * 1e9),
    ];
  }
  async function medianMs(q: CompiledQuery): Promise<number> {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await h.tables.rows(q);
      runs.push(performance.now() - started);
    }
    return runs.sort((a, b) => a - b)[2];
  }

  {
    await h.tables.create(table.tableName, fields);
    let loading = 0;
    // Batches as the dataset service sends them (LOAD_BATCH); making rows is not timed.
    for (let start = 0; start < rowCount; start += 20_000) {
      const batch = Array.from({ length: Math.min(20_000, rowCount - start) }, (_, i) => row(start + i));
      const started = performance.now();
      await h.tables.insert(table.tableName, fields, batch, start + 1);
      loading += performance.now() - started;
    }
    console.log(`insert: ${(loading / 1000).toFixed(1)} s, ${Math.round(rowCount / (loading / 1000))} rows/s`);
    const counts: Record<string, CompiledQuery> = {};
    for (const word of ['zebrafish', 'offline']) {
      const parsed = parseQuery({ summary: word }, fields, { maxSize: 10 });
      assert.ok(parsed.ok);
      counts[word] = buildCountQuery(h.data, caps, table, parsed.query)!;
    }
    // A sequential scan before the indexes exist (statistics first, so the planner is informed).
    await h.pool.query(`ANALYZE ${table.tableName}`);
    const scan = { zebrafish: await medianMs(counts.zebrafish), offline: await medianMs(counts.offline) };
    const started = performance.now();
    await h.tables.index(table.tableName, fields);
    console.log(
      `index (6 B-tree, 3 trigram GIN) and VACUUM ANALYZE: ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const word of ['zebrafish', 'offline'] as const) {
      const n = (await h.tables.rows(counts[word]))[0][0];
      const indexed = await medianMs(counts[word]);
      console.log(
        `contains "${word}" (${n} rows): scan ${scan[word].toFixed(1)} ms, trigram index ${indexed.toFixed(1)} ` +
          `ms, ${(scan[word] / indexed).toFixed(1)}x`,
      );
    }
    await h.tables.drop(table.tableName);
  }
} finally {
  await h.close();
  await tdb.drop();
}
