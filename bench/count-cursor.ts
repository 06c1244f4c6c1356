// npm run bench:count-cursor [-- --rows N] [--backends sqlite,postgres] [--database URL] [--redis URL]
// Dataset pages with `_count` and `_after` on the tickets dataset (docs/public-api.md,
// "Counts and cursors"), through the catalog in-process on each backend:
// - the estimated count's sample against the exact count, run directly (p50/p99 ms), and
//   how far the estimate is from the exact total;
// - a walk of every row in pages of 1,000 with `_after`, against `current=1..N`: time per
//   page over the first 10 pages and over the last 10, without a filter and with one.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseQuery, type Dataset } from '../src/catalog/index.ts';
import { buildCountQuery } from '../src/catalog/query/dataset-query.ts';
import { buildMatchingRowsQuery, buildSampleCountQuery, SAMPLE_ROWS } from '../src/catalog/query/page-strategies.ts';
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/server.ts';
import { createPostgresBackend, createSqliteBackend } from './backends.ts';
import { writeTicketsCsv } from './generate.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const ROWS = Number(args.rows);
const PAGE = 1000;
const OUT = path.resolve('bench/out');
fs.mkdirSync(OUT, { recursive: true });
const log = (m: string) => process.stderr.write(`${m}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (n: number) => n.toFixed(2);

const csv = path.join(OUT, `tickets-${ROWS}.csv`);
if (!fs.existsSync(csv)) {
  log(`generating ${ROWS} rows into ${csv} ...`);
  await writeTicketsCsv(csv, ROWS);
}

const FILTERS: [string, Record<string, string>][] = [
  ['`summary=firewall` (4 %)', { summary: 'firewall' }],
  ['`created_at=2022-01-01,2022-06-30`', { created_at: '2022-01-01,2022-06-30' }],
  ['`priority=2,4&created_at=2023-01-01,2023-06-30`', { priority: '2,4', created_at: '2023-01-01,2023-06-30' }],
  ['`summary=Email bounce #7` (0.1 %)', { summary: 'Email bounce #7' }],
];

const countLines: string[] = [];
const walkLines: string[] = [];
for (const name of String(args.backends).split(',')) {
  const backend =
    name === 'postgres' ? await createPostgresBackend(args.database!, args.redis!, OUT) : createSqliteBackend(OUT);
  try {
    log(`${name}: importing ${ROWS} rows ...`);
    const modules = await openModules({
      ...loadConfig({ ...backend.env, DATAGATE_DATABASE: backend.database, DATAGATE_LOG_LEVEL: 'silent' }),
      queryWorkers: 0,
    });
    const tenant = await modules.access.tenants.ensure('default');
    const ds: Dataset = await modules.catalog.datasets.importFile(tenant.id, { file: csv, name: 'Tickets' });
    const direct = await backend.openDirect();
    const parse = (params: Record<string, string>) => {
      const r = parseQuery(params, ds.fields, { maxSize: PAGE, pageOptions: true });
      if (!r.ok) throw new Error(r.message);
      return r.query;
    };

    for (const [label, params] of FILTERS) {
      log(`${name}: counts of ${label} ...`);
      const q = parse(params);
      const exactSql = buildCountQuery(direct.db, direct.caps, ds, q)!;
      // What the server runs for `_count=estimated`: the planner's estimate, else the sample.
      const planner = direct.caps.rowEstimate;
      const sampleSql = planner
        ? planner.explain(buildMatchingRowsQuery(direct.db, direct.caps, ds, q)!)
        : buildSampleCountQuery(direct.db, direct.caps, ds, q)!;
      const exact = Number((await direct.rows(exactSql))[0][0]);
      const answer = await direct.rows(sampleSql);
      const estimate = planner ? planner.read(answer) : Math.round((Number(answer[0][0]) * ds.rowCount) / SAMPLE_ROWS);
      const exactT = await direct.time(exactSql, 2000);
      const sampleT = await direct.time(sampleSql, 2000);
      const off = exact === 0 ? '—' : `${(((estimate - exact) / exact) * 100).toFixed(1)} %`;
      countLines.push(
        `| ${name} | ${label} | ${exact} | ${estimate} | ${off} | ${ms(exactT.p50)} / ${ms(exactT.p99)} | ` +
          `${ms(sampleT.p50)} / ${ms(sampleT.p99)} |`,
      );
    }

    for (const [label, params] of [
      ['no filter', {}],
      ['`summary=firewall`', { summary: 'firewall' }],
    ] as [string, Record<string, string>][]) {
      const total = await modules.catalog.datasets.countRows(ds, parse(params).filters);
      const pages = Math.ceil(total / PAGE);
      // By number: the first 10 pages and the last 10, each timed alone (the count is cached after the first).
      const byNumber = async (current: number) => {
        const q = parse({ ...params, size: String(PAGE), current: String(current) });
        const t = performance.now();
        const page = await modules.catalog.datasets.readPage(ds, q);
        if (page.rows.length === 0) throw new Error(`page ${current} is empty`);
        return performance.now() - t;
      };
      log(`${name}: walking ${label} by number ...`);
      const numberFirst: number[] = [];
      const numberLast: number[] = [];
      for (let c = 1; c <= Math.min(10, pages); c++) numberFirst.push(await byNumber(c));
      for (let c = Math.max(1, pages - 9); c <= pages; c++) numberLast.push(await byNumber(c));
      // By cursor: the whole walk, every page timed.
      log(`${name}: walking ${label} by cursor (${pages} pages) ...`);
      const q = parse({ ...params, size: String(PAGE), _after: '' });
      const times: number[] = [];
      let after = 0;
      let seen = 0;
      const started = performance.now();
      for (;;) {
        const t = performance.now();
        const page = await modules.catalog.datasets.readPage(ds, q, { afterRow: after });
        times.push(performance.now() - t);
        seen += page.rows.length;
        if (page.nextRow == null) break;
        after = page.nextRow;
      }
      const whole = (performance.now() - started) / 1000;
      if (seen !== total) throw new Error(`the walk saw ${seen} rows, not ${total}`);
      walkLines.push(
        `| ${name} | ${label} | ${pages} | ${ms(median(numberFirst))} | ${ms(median(numberLast))} | ` +
          `${ms(median(times.slice(0, 10)))} | ${ms(median(times.slice(-10)))} | ${whole.toFixed(1)} |`,
      );
    }
    await direct.close();
    await modules.close();
  } finally {
    await backend.dispose();
  }
}

process.stdout.write(
  [
    `Counts over ${ROWS} rows, run directly: exact \`count(*)\` and the estimate (SQLite: the sample of ` +
      `${SAMPLE_ROWS} rows; PostgreSQL: EXPLAIN's row estimate), p50 / p99 ms.`,
    '',
    '| backend | filter | exact | estimate | off by | exact count ms | estimate ms |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...countLines,
    '',
    `A walk over every matching row in pages of ${PAGE}, through the catalog in-process: median ms per page.`,
    '',
    '| backend | filter | pages | `current=` first 10 | `current=` last 10 | `_after` first 10 | `_after` last 10 | ' +
      'whole `_after` walk s |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...walkLines,
  ].join('\n') + '\n',
);
