// Runs the tests with Node's test runner (through tsx), in two passes:
//   1. every *.test.ts under src/ and test/ on SQLite;
//   2. the integration tests (*.int.test.ts) again on PostgreSQL, with rate limits in
//      Redis (DATAGATE_TEST_BACKEND=postgres, see test/support/test-server.ts), except
//      those listed below.
// The last line printed is `N passed, N failed` over both passes, for CI to read; the
// exit status is non-zero when either pass fails.
//
// `node scripts/run-tests.mjs FILE...` runs only those files (pass 2: those of them
// that belong to it). Node 20's runner does not expand globs itself, so files are
// listed here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function find(dir, out = []) {
  for (const name of fs.readdirSync(dir)) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// Integration tests that are not run again in pass 2, each with why.
const NOT_ON_POSTGRES = new Map([
  // The quick start is `datagate demo` on embedded SQLite (./data/demo.db): what a new
  // user runs first. PostgreSQL is not part of it.
  ['test/demo.int.test.ts', 'the quick start is about embedded SQLite'],
  // The browser walk runs `datagate demo`, embedded SQLite; the admin API it drives is
  // tested on PostgreSQL by the admin-*.int tests.
  ['test/console.int.test.ts', 'walks the console on the demo, embedded SQLite'],
  // Tests how datagate is installed and started, not a database: embedded SQLite is enough.
  ['test/production-install.int.test.ts', 'tests the install, with embedded SQLite'],
  // These choose their backends themselves, whatever DATAGATE_TEST_BACKEND says: a
  // second run would repeat the first.
  ['src/store/dialects/postgres.int.test.ts', 'tests the PostgreSQL dialect on its own database'],
  ['src/ratelimit/redis-rate-limiter.int.test.ts', 'tests the Redis limiter alone, no database'],
  ['src/ratelimit/redis-attempt-limiter.int.test.ts', 'tests the Redis lockouts alone, no database'],
  ['test/two-nodes.int.test.ts', 'always runs two nodes on PostgreSQL and Redis'],
  ['test/failures.int.test.ts', 'runs a private PostgreSQL, and SQLite files, of its own'],
  ['src/store/dialects/sqlite-pool.int.test.ts', "tests SQLite's query workers on a file of its own"],
  ['test/query-workers.int.test.ts', "tests SQLite's query workers"],
]);

const only = process.argv.slice(2).map((f) => path.normalize(f));
const all = only.length > 0 ? only : [...find('src'), ...find('test')].sort();
if (all.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
for (const f of NOT_ON_POSTGRES.keys()) {
  // A stale entry would quietly put a renamed test into pass 2, or keep a new one out.
  if (!fs.existsSync(f)) {
    console.error(`scripts/run-tests.mjs lists ${f}, which does not exist`);
    process.exit(1);
  }
}

const passes = [
  {
    title: 'every test on SQLite',
    files: all,
    env: { DATAGATE_TEST_BACKEND: 'sqlite' },
  },
  {
    title: 'integration tests on PostgreSQL, rate limits in Redis',
    files: all.filter((f) => f.endsWith('.int.test.ts') && !NOT_ON_POSTGRES.has(f)),
    env: {
      DATAGATE_TEST_BACKEND: 'postgres',
      DATAGATE_TEST_REDIS: process.env.DATAGATE_TEST_REDIS || 'redis://127.0.0.1:6379',
    },
  },
].filter((p) => p.files.length > 0);

/** The top-level `# pass N` / `# fail N` / `# cancelled N` lines of a TAP report. */
function counts(tapFile) {
  const text = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
  const read = (name) => {
    const m = text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : undefined;
  };
  return { pass: read('pass'), fail: read('fail'), cancelled: read('cancelled') };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-run-tests-'));
const results = [];
try {
  for (const [i, pass] of passes.entries()) {
    const label = `pass ${i + 1} of ${passes.length}: ${pass.title}`;
    const settings = Object.entries(pass.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    console.log(`\n${'='.repeat(78)}\n${label} (${pass.files.length} files)\n${settings}\n${'='.repeat(78)}`);
    const tap = path.join(tmp, `pass-${i + 1}.tap`);
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        // Two files at a time: the machines running this have two cores.
        '--test-concurrency=2',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        ...pass.files,
      ],
      { stdio: 'inherit', env: { ...process.env, ...pass.env } },
    );
    const c = counts(tap);
    let failed = (c.fail ?? 0) + (c.cancelled ?? 0);
    let note = '';
    if (c.pass === undefined || (r.status !== 0 && failed === 0)) {
      // The runner died before it could report (or failed outside any test): count it once.
      failed = Math.max(failed, 1);
      note = ` (the test runner exited with ${r.status ?? r.signal} without a complete report)`;
    }
    results.push({
      label,
      passed: c.pass ?? 0,
      failed,
      seconds: (Date.now() - started) / 1000,
      ok: r.status === 0 && failed === 0,
      note,
    });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log('');
for (const r of results)
  console.log(`${r.label}: ${r.passed} passed, ${r.failed} failed in ${r.seconds.toFixed(1)} s${r.note}`);
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
