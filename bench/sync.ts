// npm run bench:sync [-- --rows N]: how long the first sync of a live dataset takes, and
// the peak RSS of the process running it, for a PostgreSQL query and for an HTTP NDJSON
// source of N rows (1,000,000 by default), into a fresh SQLite store and a fresh
// PostgreSQL store. Each sync runs in a child process (bench/sync-child.ts).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createTestDatabase } from '../test/support/postgres.ts';

const { values: args } = parseArgs({ options: { rows: { type: 'string' } } });
const rows = Number(args.rows ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), 'datagate-bench-sync-'));
const source = await createTestDatabase();
const stores: { name: string; url: () => Promise<{ url: string; drop(): Promise<void> }> }[] = [
  {
    name: 'SQLite',
    url: async () => {
      const d = mkdtempSync(path.join(dir, 'store-'));
      return {
        url: `sqlite:${path.join(d, 'bench.db')}`,
        drop: async () => rmSync(d, { recursive: true, force: true }),
      };
    },
  },
  { name: 'PostgreSQL', url: async () => createTestDatabase() },
];

// Ten columns of the kinds a PSA's tickets have: ids, numbers, text, a flag, dates.
const COLUMNS =
  'id bigint, price numeric(10,2), qty int, summary text, board text, owner text, billable boolean, ' +
  'opened date, created timestamptz, closed timestamptz';
const FILL = `
  INSERT INTO tickets
  SELECT 1534956341424000000 + g, (g % 100000) / 100.0, g % 100,
         'printer offline ticket ' || g, 'Board ' || (g % 50),
         CASE WHEN g % 10 = 0 THEN NULL ELSE 'Owner ' || (g % 500) END,
         g % 2 = 0, DATE '2020-01-01' + (g % 1500), TIMESTAMPTZ '2020-01-01 00:00:00Z' + g * INTERVAL '37 seconds',
         CASE WHEN g % 5 = 0 THEN NULL ELSE TIMESTAMPTZ '2020-01-02 00:00:00Z' + g * INTERVAL '41 seconds' END
  FROM generate_series(1, $1::int) AS g`;

function child(database: string, url: string, query: string): Promise<{ rows: number; ms: number; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'bench/sync-child.ts', database, dir, url, query], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`sync child exited ${code}`))));
  });
}

const server = http.createServer((_req, res) => {
  res.setHeader('content-type', 'application/x-ndjson');
  createReadStream(path.join(dir, 'tickets.ndjson')).pipe(res);
});
try {
  const c = new pg.Client({ connectionString: source.url });
  await c.connect();
  await c.query(`CREATE TABLE tickets (${COLUMNS})`);
  await c.query(FILL, [rows]);
  // The same rows as NDJSON for the HTTP source, written by PostgreSQL's own JSON.
  const file = createWriteStream(path.join(dir, 'tickets.ndjson'));
  const cursorRows = 50_000;
  for (let from = 0; from < rows; from += cursorRows) {
    const r = await c.query<{ j: string }>(
      'SELECT row_to_json(t)::text AS j FROM (SELECT * FROM tickets ORDER BY id OFFSET $1 LIMIT $2) t',
      [from, cursorRows],
    );
    if (!file.write(r.rows.map((x) => x.j).join('\n') + '\n')) await once(file, 'drain');
  }
  file.end();
  await once(file, 'finish');
  await c.end();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const httpUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/tickets.ndjson`;
  const mb = (statSync(path.join(dir, 'tickets.ndjson')).size / 1e6).toFixed(0);
  console.log(`${rows} rows; the NDJSON body is ${mb} MB`);
  console.log('| source | store | rows | time | peak RSS |');
  console.log('|---|---|---|---|---|');
  for (const store of stores) {
    for (const [name, url, query] of [
      ['PostgreSQL query', source.url, 'SELECT * FROM tickets'],
      ['HTTP NDJSON', httpUrl, ''],
    ]) {
      const db = await store.url();
      try {
        const r = await child(db.url, url, query);
        const took = `${(r.ms / 1000).toFixed(1)} s`;
        console.log(`| ${name} | ${store.name} | ${r.rows} | ${took} | ${Math.round(r.maxRssKb / 1024)} MB |`);
      } finally {
        await db.drop();
      }
    }
  }
} finally {
  server.close();
  await source.drop();
  rmSync(dir, { recursive: true, force: true });
}
