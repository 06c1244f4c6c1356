// The layering that docs/architecture.md promises, checked on every import of the
// source tree: a module may import only the layers listed for it. Tests are free to
// import anything; the console (web/) never imports server code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

/**
 * What each folder of src/ may import besides itself. Files directly in src/ (app, server, modules) wire everything.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: [],
  config: ['shared'],
  store: ['shared'],
  ratelimit: ['shared'],
  access: ['store', 'shared'],
  catalog: ['store', 'shared'],
  usecases: ['access', 'catalog', 'store', 'shared'],
  sources: ['catalog', 'store', 'shared'],
  http: ['access', 'ratelimit', 'shared'],
  api: ['http', 'access', 'catalog', 'usecases', 'sources', 'ratelimit', 'shared'],
  cli: ['config', 'access', 'catalog', 'usecases', 'sources', 'store', 'shared', '(root)'],
};

/** Where Fastify may be imported: the HTTP edge only. */
const FASTIFY_AT = ['http', 'api', '(root)'];

/** Where process.env may be read: the settings are parsed once, in config/. */
const ENV_AT = ['config'];

/**
 * Known breaks, each to be mended, as "file -> import" or "file: process.env".
 * An entry that no longer happens fails the test, so this list only shrinks.
 */
const KNOWN: readonly string[] = [];

/** The dialects in src/store/dialects/, one per `<dialect>-capabilities.ts`. */
const DIALECTS = fs
  .readdirSync('src/store/dialects')
  .filter((f) => f.endsWith('-capabilities.ts'))
  .map((f) => f.slice(0, -'-capabilities.ts'.length));

/** The dialect a file of src/store/dialects/ belongs to (`<dialect>.ts`, `<dialect>-<job>.ts`), if any. */
function dialectOf(file: string): string | undefined {
  const m = /^src\/store\/dialects\/([a-z0-9]+)[-.]/.exec(file);
  return m && DIALECTS.includes(m[1]) ? m[1] : undefined;
}

// The specifier is the first string of the statement: no `;` before it, so that an
// `export const x = …` never reaches a string several statements further on.
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function files(dir: string, exts: readonly string[]): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => exts.some((e) => f.endsWith(e)) && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
}

/** The layer of a file under src/: its first folder, or "(root)" for src/*.ts. */
function layerOf(file: string): string {
  const parts = file.split('/');
  return parts.length === 2 ? '(root)' : parts[1];
}

function resolve(from: string, spec: string): string {
  return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
}

/** The break that `file` importing `spec` makes, if it makes one. */
function importBreak(file: string, spec: string): string | undefined {
  const layer = layerOf(file);
  if (spec === 'fastify' || spec.startsWith('fastify/') || spec.startsWith('@fastify/')) {
    return FASTIFY_AT.includes(layer) ? undefined : `${file} -> ${spec}`;
  }
  if (!spec.startsWith('.')) return undefined;
  const target = resolve(file, spec);
  if (!target.startsWith('src/')) return `${file} -> ${target}`;
  const to = layerOf(target);
  if (layer !== '(root)' && to !== layer && !MAY_IMPORT[layer]?.includes(to)) return `${file} -> ${target}`;
  // A dialect's own files are reached through store/index.ts alone, and never from another dialect's.
  if (dialectOf(target) && layer !== 'store') return `${file} -> ${target}`;
  if (dialectOf(file) && dialectOf(target) && dialectOf(file) !== dialectOf(target)) return `${file} -> ${target}`;
  // A route file registers its routes; it never reaches into another route file.
  if (/-routes\.ts$/.test(file) && /-routes\.ts$/.test(target)) return `${file} -> ${target}`;
  return undefined;
}

/** Every break of the rules in the tree as it is now. */
function breaks(): string[] {
  const found: string[] = [];
  for (const file of files('src', ['.ts'])) {
    const text = fs.readFileSync(file, 'utf8');
    if (/process\.env/.test(text) && !ENV_AT.includes(layerOf(file))) found.push(`${file}: process.env`);
    for (const spec of importsOf(file)) {
      const b = importBreak(file, spec);
      if (b !== undefined) found.push(b);
    }
  }
  for (const file of files('web/src', ['.ts', '.vue'])) {
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.') && !resolve(file, spec).startsWith('web/'))
        found.push(`${file} -> ${resolve(file, spec)}`);
    }
  }
  return found;
}

describe('the layering of the source tree', () => {
  it('reads the imports it checks', () => {
    // A broken pattern would find nothing and pass everything.
    assert.ok(importsOf('src/app.ts').includes('./http/public-replies.ts'));
    assert.ok(importsOf('src/catalog/types.ts').includes('../shared/field-types.ts'));
    assert.equal(layerOf('src/app.ts'), '(root)');
    assert.equal(layerOf('src/store/dialects/sqlite.ts'), 'store');
    assert.deepEqual(DIALECTS.sort(), ['postgres', 'sqlite']);
    assert.equal(dialectOf('src/store/dialects/postgres-tables.ts'), 'postgres');
    assert.equal(dialectOf('src/store/dialects/sqlite.ts'), 'sqlite');
    assert.equal(dialectOf('src/store/dialects/dialect.ts'), undefined);
  });

  it('has no import outside what each layer may import', () => {
    const known = new Set(KNOWN);
    const unexpected = breaks().filter((b) => !known.has(b));
    assert.deepEqual(unexpected, [], 'imports that break the layering in docs/architecture.md');
  });

  it('lists only known breaks that still happen', () => {
    const now = new Set(breaks());
    assert.deepEqual(
      KNOWN.filter((k) => !now.has(k)),
      [],
      'mended: remove them from KNOWN',
    );
  });

  it('catches a break when one is made', () => {
    // The rule itself, on a made-up import: store reaching into the catalog.
    const layer = layerOf('src/store/x.ts');
    const to = layerOf(resolve('src/store/x.ts', '../catalog/types.ts'));
    assert.equal(MAY_IMPORT[layer].includes(to), false);
    assert.equal(importBreak('src/store/x.ts', '../catalog/types.ts'), 'src/store/x.ts -> src/catalog/types.ts');
    assert.equal(importBreak('src/store/index.ts', './dialects/postgres.ts'), undefined);
    assert.equal(
      importBreak('src/catalog/dataset-service.ts', '../store/dialects/postgres.ts'),
      'src/catalog/dataset-service.ts -> src/store/dialects/postgres.ts',
      'only store/ reaches a dialect',
    );
    assert.equal(importBreak('src/store/dialects/postgres-tables.ts', './dialect.ts'), undefined);
    assert.equal(
      importBreak('src/catalog/x.ts', '../store/dialects/capabilities.ts'),
      undefined,
      'the shared contracts are not a dialect',
    );
    assert.equal(
      importBreak('src/store/dialects/sqlite-tables.ts', './postgres-codecs.ts'),
      'src/store/dialects/sqlite-tables.ts -> src/store/dialects/postgres-codecs.ts',
      'one dialect never imports another',
    );
  });
});
