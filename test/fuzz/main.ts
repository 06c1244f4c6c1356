// `npm run fuzz -- --requests N --seed S --backend sqlite|postgres [--include-known] [--exclude a,b]`
// Sends N generated hostile requests to a fresh server and fails (exit 1) on any
// violation: a 5xx, an answer without X-Request-Id, a body outside the catalog, a row
// or resource outside the key's bindings, no answer at all.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    seed: { type: 'string', default: '1' },
    backend: { type: 'string', default: 'sqlite' },
    concurrency: { type: 'string', default: '4' },
    'include-known': { type: 'boolean', default: false },
    exclude: { type: 'string' },
    examples: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`usage: npm run fuzz -- [--requests N] [--seed S] [--backend sqlite|postgres] [--concurrency C]
                       [--include-known | --exclude class,…] [--examples N]
By default the classes of known defects (KNOWN_DEFECT_CLASSES in test/fuzz/generate.ts) are left out;
--include-known sends them too, --exclude names the classes to leave out instead.
PostgreSQL: a fresh database on 127.0.0.1:5432 (see test/support/postgres.ts); rate limits in Redis
when DATAGATE_TEST_REDIS is set.`);
  process.exit(0);
}
const backend = values.backend;
if (backend !== 'sqlite' && backend !== 'postgres') {
  console.error(`--backend must be sqlite or postgres, not "${backend}"`);
  process.exit(2);
}
const requests = Number(values.requests);
const seed = Number(values.seed);
const concurrency = Number(values.concurrency);
for (const [name, v] of [
  ['--requests', requests],
  ['--seed', seed],
  ['--concurrency', concurrency],
] as const) {
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name} must be a whole number`);
    process.exit(2);
  }
}
// Read by test/support/test-server.ts when it is first imported.
process.env.DATAGATE_TEST_BACKEND = backend;

const { KNOWN_DEFECT_CLASSES } = await import('./generate.ts');
const { fuzzFresh, summarise } = await import('./run.ts');
const exclude = values['include-known']
  ? []
  : values.exclude !== undefined
    ? values.exclude.split(',').filter(Boolean)
    : [...KNOWN_DEFECT_CLASSES];

console.log(`fuzz: ${requests} requests, seed ${seed}, ${backend}, excluding [${exclude.join(', ')}]`);
const report = await fuzzFresh({
  requests,
  seed,
  exclude,
  concurrency,
  progress: (n) => {
    if (n % 5000 === 0) console.log(`  ${n} requests`);
  },
});
const statuses = Object.entries(report.byStatus)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([s, n]) => `${s}: ${n}`);
console.log(
  `setup ${report.setupSeconds.toFixed(1)} s; ${report.requests} requests in ${report.seconds.toFixed(1)} s ` +
    `(${Math.round(report.requests / report.seconds)}/s)`,
);
console.log(`by status: ${statuses.join(', ')}`);
console.log(`2xx share: ${(report.success * 100).toFixed(1)}%`);
console.log(
  `by class: ${
    Object.entries(report.byClass)
      .map(([c, n]) => `${c}: ${n}`)
      .join(', ') || '(none)'
  }`,
);
if (report.violations.length === 0) {
  console.log('violations: 0');
} else {
  console.log(`violations: ${report.violations.length}`);
  for (const line of summarise(report.violations, Number(values.examples))) console.log(line);
  process.exitCode = 1;
}
