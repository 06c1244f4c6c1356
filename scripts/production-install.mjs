// Makes a production install of datagate in DEST from this built checkout: what the
// Dockerfile's build stage runs, and what test/production-install.int.test.ts runs, so
// that the two stay in step.
//
//   node scripts/production-install.mjs DEST
//
// 1. Builds the server and the console if this checkout can (scripts/build.mjs).
// 2. Copies what runs — package.json and its lock, bin/, scripts/build.mjs, the builds
//    dist/current.json names, README and LICENSE — but not src/, web/ or the tests.
// 3. Copies node_modules (hard links where the file system allows) and prunes the
//    devDependencies with `npm prune --omit=dev`: the same tree `npm ci --omit=dev`
//    installs, without building better-sqlite3 again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAll, canBuild, prebuilt } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dest = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
if (!dest) {
  console.error('usage: node scripts/production-install.mjs DEST');
  process.exit(2);
}
if (fs.existsSync(dest) && fs.readdirSync(dest).length > 0) {
  console.error(`${dest} is not empty`);
  process.exit(2);
}

if (await canBuild()) await buildAll({ log: () => {} });
const built = prebuilt();
if (!built.ok) {
  console.error(built.message);
  process.exit(1);
}

fs.mkdirSync(path.join(dest, 'dist'), { recursive: true });
fs.mkdirSync(path.join(dest, 'scripts'), { recursive: true });
for (const f of ['package.json', 'package-lock.json', 'README.md', 'LICENSE']) {
  if (fs.existsSync(path.join(root, f))) fs.copyFileSync(path.join(root, f), path.join(dest, f));
}
fs.cpSync(path.join(root, 'bin'), path.join(dest, 'bin'), { recursive: true });
fs.copyFileSync(path.join(root, 'scripts', 'build.mjs'), path.join(dest, 'scripts', 'build.mjs'));
fs.copyFileSync(path.join(root, 'dist', 'current.json'), path.join(dest, 'dist', 'current.json'));
for (const dir of [built.server, built.consoleDir])
  fs.cpSync(dir, path.join(dest, 'dist', path.basename(dir)), { recursive: true });

try {
  execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(dest, 'node_modules')]);
} catch {
  fs.cpSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), { recursive: true });
}
execFileSync('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], {
  cwd: dest,
  stdio: ['ignore', 'ignore', 'inherit'],
});
// npm prune leaves the folders of what it removed (and of emptied scopes) behind.
function removeEmpty(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    removeEmpty(p);
    if (fs.readdirSync(p).length === 0) fs.rmdirSync(p);
  }
}
removeEmpty(path.join(dest, 'node_modules'));
console.log(`production install in ${dest}`);
