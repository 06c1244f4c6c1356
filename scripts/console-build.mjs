// The console (web/) built with Vite into dist/console-<stamp>/, once per change of its
// sources: `bin/datagate serve` and `demo` serve it from there, and the browser tests
// that run a server in-process use the same build.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const dist = path.join(root, 'dist');

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

/** The folder of an up-to-date console build, building it first when web/ changed. */
export async function builtConsole({ log = (s) => process.stderr.write(s) } = {}) {
  const stamp = Math.floor(
    Math.max(
      newest(path.join(web, 'src')),
      ...['index.html', 'vite.config.ts'].map((f) => fs.statSync(path.join(web, f)).mtimeMs),
    ),
  ).toString(36);
  const out = path.join(dist, `console-${stamp}`);
  if (fs.existsSync(path.join(out, 'index.html'))) return out;

  log('building the console (once per change of web/)...\n');
  const { build } = await import('vite');
  const tmp = path.join(dist, `tmp-console-${process.pid}-${Date.now()}`);
  await build({
    configFile: path.join(web, 'vite.config.ts'),
    build: { outDir: tmp, emptyOutDir: true },
    logLevel: 'warn',
  });
  try {
    fs.renameSync(tmp, out);
  } catch {
    // Another process finished the same build first: use theirs.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  // Older builds go once nothing can still be serving them (a server reads assets from
  // disk); ten minutes covers a test run's or a restart's overlap.
  // The one dist/current.json names stays too (a production copy of this tree serves it).
  let keep;
  try {
    keep = JSON.parse(fs.readFileSync(path.join(dist, 'current.json'), 'utf8')).console;
  } catch {
    keep = undefined;
  }
  for (const old of fs.readdirSync(dist)) {
    const p = path.join(dist, old);
    if (
      old.startsWith('console-') &&
      old !== `console-${stamp}` &&
      old !== keep &&
      Date.now() - fs.statSync(p).mtimeMs > 600_000
    ) {
      fs.rmSync(p, { recursive: true, force: true });
    }
  }
  return out;
}
