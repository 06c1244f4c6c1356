import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

// A production install, made by the same script the Dockerfile's build stage runs
// (scripts/production-install.mjs): only what runs, no build tools, no sources. The
// install folder is then made read-only and datagate is run from it as an unprivileged
// user (nobody, when the test runs as root), with its data in a folder of its own: it
// imports a dataset, creates and binds a key, serves, and answers through the API.
const run = promisify(execFile);
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

const CSV = ['id,company,hours', '1534956341424005122,Acme,1.5', '2,Birch,2'].join('\n');

/** Rows in a file large enough (over 16 MB) to be parsed on a thread of its own. */
const LARGE_ROWS = 600_000;
function largeCsv(): string {
  const lines = ['id,company,hours,opened'];
  for (let i = 1; i <= LARGE_ROWS; i++) lines.push(`${i},Company ${i % 500},${(i % 40) / 4},2024-01-${10 + (i % 20)}`);
  return lines.join('\n') + '\n';
}

/** Every folder under `dir` (folders are never shared; files may be hard links into the checkout). */
function folders(dir: string, out: string[] = [dir]): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) folders(path.join(dir, e.name), out);
  return out;
}

function listing(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('a production install, read-only, as an unprivileged user', () => {
  let tmp: string;
  let dest: string;
  let data: string;
  let server: ChildProcess | undefined;

  /** Runs `datagate` from the install, as nobody when root, in the data folder. */
  function dg(args: string[]): [string, string[], { cwd: string; env: NodeJS.ProcessEnv }] {
    const node = [process.execPath, path.join(dest, 'bin', 'datagate'), ...args];
    const env = { PATH: process.env.PATH, HOME: data, DATAGATE_LOG_LEVEL: 'warn' };
    return asRoot
      ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...node], { cwd: data, env }]
      : [node[0], node.slice(1), { cwd: data, env }];
  }
  const json = async (args: string[]) => {
    const [cmd, argv, opts] = dg(['--json', ...args]);
    return JSON.parse((await run(cmd, argv, opts)).stdout);
  };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-prod-'));
    dest = path.join(tmp, 'app');
    data = path.join(tmp, 'data');
    await run(process.execPath, ['scripts/production-install.mjs', dest], { timeout: 600_000 });
    fs.mkdirSync(data);
    fs.writeFileSync(path.join(data, 'tickets.csv'), CSV);
    fs.writeFileSync(path.join(data, 'large.csv'), largeCsv());
    if (asRoot) {
      fs.chownSync(tmp, NOBODY, NOBODY);
      fs.chownSync(data, NOBODY, NOBODY);
      fs.chownSync(path.join(data, 'tickets.csv'), NOBODY, NOBODY);
      fs.chownSync(path.join(data, 'large.csv'), NOBODY, NOBODY);
    }
  });
  after(async () => {
    server?.kill('SIGTERM');
    if (dest && fs.existsSync(dest)) for (const d of folders(dest)) fs.chmodSync(d, 0o755);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('holds what runs and nothing to build with', () => {
    for (const present of ['fastify', 'better-sqlite3', 'kysely', 'pg', 'ioredis'])
      assert.ok(fs.existsSync(path.join(dest, 'node_modules', present)), present);
    for (const absent of ['esbuild', 'vite', 'playwright-core', 'vue', 'element-plus', 'typescript', 'tsx'])
      assert.ok(!fs.existsSync(path.join(dest, 'node_modules', absent)), absent);
    for (const absent of ['src', 'web', 'test']) assert.ok(!fs.existsSync(path.join(dest, absent)), absent);
    const current = JSON.parse(fs.readFileSync(path.join(dest, 'dist', 'current.json'), 'utf8'));
    assert.ok(fs.existsSync(path.join(dest, 'dist', current.server, 'main.js')));
    assert.ok(fs.existsSync(path.join(dest, 'dist', current.console, 'index.html')));
  });

  it('imports, binds and serves from a read-only install, and answers through the API', async () => {
    for (const d of folders(dest)) fs.chmodSync(d, 0o555);
    const before = listing(dest);
    // The install folder refuses writes to the user datagate runs as.
    const touch = asRoot
      ? run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', 'touch', path.join(dest, 'x')])
      : run('touch', [path.join(dest, 'x')]);
    await assert.rejects(touch);

    const ds = await json(['dataset', 'import', 'tickets.csv', '--name', 'Tickets']);
    // Over 16 MB: read by the build's CSV reader thread, an entry of its own beside the chunks.
    assert.ok(fs.statSync(path.join(data, 'large.csv')).size > 16 * 1024 * 1024);
    const large = await json(['dataset', 'import', 'large.csv', '--name', 'Large']);
    assert.equal(large.rows, LARGE_ROWS);
    const key = await json(['key', 'create', '--name', 'portal']);
    await json(['key', 'bind', key.id, '--dataset', ds.id]);
    await json(['key', 'bind', key.id, '--dataset', large.id]);

    const [serveCmd, serveArgv, serveOpts] = dg(['serve', '--port', '0', '--json']);
    server = spawn(serveCmd, serveArgv, serveOpts);
    let err = '';
    server.stderr!.on('data', (d) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (d) => {
        out += d;
        const m = /"listening":"([^"]+)"/.exec(out);
        if (m) resolve(m[1]);
      });
      server!.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const res = await fetch(`${url}/api/dataset/${ds.id}?_sort=id`, { headers: { apikey: key.key } });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /"records":\[\{"id":2,"company":"Birch","hours":2\},\{"id":1534956341424005122,/);
    const last = await fetch(`${url}/api/dataset/${large.id}?current=${LARGE_ROWS}&size=1`, {
      headers: { apikey: key.key },
    });
    assert.equal(last.status, 200);
    const lastRow = {
      id: LARGE_ROWS,
      company: `Company ${LARGE_ROWS % 500}`,
      hours: (LARGE_ROWS % 40) / 4,
      opened: `2024-01-${10 + (LARGE_ROWS % 20)}`,
    };
    assert.deepEqual((await last.json()).data.records, [lastRow]);
    // The console is served from the prebuilt folder.
    const page = await fetch(`${url}/admin/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app">/);
    assert.deepEqual(listing(dest), before, 'nothing was written into the install folder');
    assert.equal(err, '');
  });
});
