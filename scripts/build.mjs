// Builds what datagate runs: the server, bundled with esbuild into dist/build-<stamp>/,
// and the console, built with Vite into dist/console-<stamp>/ (scripts/console-build.mjs),
// and names both in dist/current.json. Run by `npm run build` and by npm's `prepare`, so
// `npm install` / `npm ci` in a checkout leaves a built tree.
//
// A production install (`npm ci --omit=dev`, or `npm prune --omit=dev`) has no esbuild
// nor Vite: there the tree must have been built before, and this script only checks it.
// `bin/datagate` then runs the build named in dist/current.json and never writes into
// its install folder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const CURRENT = path.join(dist, 'current.json');

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** Whether the build tools (devDependencies) are installed: a checkout, not a production install. */
export async function canBuild() {
  if (!fs.existsSync(src)) return false;
  try {
    await import('esbuild');
    return true;
  } catch {
    return false;
  }
}

/** The folder of an up-to-date server bundle, building it first when src/ changed. */
export async function builtServer() {
  const stamp = Math.floor(newest(src)).toString(36);
  const out = path.join(dist, `build-${stamp}`);
  if (fs.existsSync(path.join(out, 'main.js'))) return out;
  const { build } = await import('esbuild');
  const tmp = path.join(dist, `tmp-${process.pid}-${Date.now()}`);
  await build({
    // Worker threads are entries of their own, loaded by file name beside the chunks
    // (src/shared/worker-thread.ts): the query worker and the CSV reader of large loads.
    entryPoints: {
      main: path.join(src, 'cli', 'main.ts'),
      'sqlite-worker': path.join(src, 'store', 'dialects', 'sqlite-worker.ts'),
      'csv-worker': path.join(src, 'catalog', 'import', 'csv-worker.ts'),
    },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  try {
    fs.renameSync(tmp, out);
  } catch {
    // Another process finished the same build first: use theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Older bundles go, but never the one dist/current.json names (a production copy of
  // this tree may run it).
  const keep = current()?.server;
  for (const old of fs.readdirSync(dist)) {
    if (old.startsWith('build-') && old !== `build-${stamp}` && old !== keep)
      fs.rmSync(path.join(dist, old), { recursive: true, force: true });
  }
  return out;
}

/** What dist/current.json names, as folder names under dist/; undefined when the tree was never built. */
export function current() {
  try {
    const c = JSON.parse(fs.readFileSync(CURRENT, 'utf8'));
    const ok = (name) => typeof name === 'string' && /^(build|console)-[a-z0-9]+$/.test(name);
    return ok(c.server) && ok(c.console) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** The built server and console a production install runs, or a message saying why there are none. */
export function prebuilt() {
  const c = current();
  if (!c)
    return { ok: false, message: 'datagate is not built: run `npm run build` in a checkout with its devDependencies' };
  const server = path.join(dist, c.server);
  const consoleDir = path.join(dist, c.console);
  if (!fs.existsSync(path.join(server, 'main.js')) || !fs.existsSync(path.join(consoleDir, 'index.html')))
    return { ok: false, message: `dist/current.json names a build that is missing (${c.server}, ${c.console})` };
  return { ok: true, server, consoleDir };
}

/** Builds the server and the console and names them in dist/current.json. */
export async function buildAll({ log = (s) => process.stderr.write(s) } = {}) {
  fs.mkdirSync(dist, { recursive: true });
  const server = await builtServer();
  const { builtConsole } = await import(pathToFileURL(path.join(root, 'scripts', 'console-build.mjs')).href);
  const consoleDir = await builtConsole({ log });
  const tmp = `${CURRENT}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify({ server: path.basename(server), console: path.basename(consoleDir) }) + '\n');
  fs.renameSync(tmp, CURRENT);
  return { server, consoleDir };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (await canBuild()) {
    const { server, consoleDir } = await buildAll();
    console.log(`built ${path.relative(root, server)} and ${path.relative(root, consoleDir)}`);
  } else {
    // A production install: nothing to build with; the tree must be built already.
    const built = prebuilt();
    if (!built.ok) {
      console.error(built.message);
      process.exit(1);
    }
    console.log(`prebuilt: ${path.relative(root, built.server)} and ${path.relative(root, built.consoleDir)}`);
  }
}
