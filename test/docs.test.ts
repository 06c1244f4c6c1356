import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { SETTINGS } from '../src/config/config.ts';
import { ADMIN_ERRORS, PUBLIC_ERRORS } from '../src/shared/errors.ts';

const docs = fs.readFileSync('docs/public-api.md', 'utf8');
const readme = fs.readFileSync('README.md', 'utf8');

describe('the documentation', () => {
  for (const [which, catalog, file] of [
    ['public', PUBLIC_ERRORS, 'docs/public-api.md'],
    ['admin', ADMIN_ERRORS, 'docs/admin-api.md'],
  ] as const) {
    it(`documents every ${which} error code with its HTTP status`, () => {
      const text = fs.readFileSync(file, 'utf8');
      for (const [code, { status }] of Object.entries(catalog)) {
        assert.match(text, new RegExp(`\\| \`${code}\` \\| ${status} \\|`), `${code} (${status}) is not in ${file}`);
      }
    });
  }

  it('documents no error code the catalog lacks, nor with another status', () => {
    const documented = (text: string) =>
      [...text.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])] as const);
    const adminDocs = fs.readFileSync('docs/admin-api.md', 'utf8');
    for (const [file, text, catalog] of [
      ['docs/public-api.md', docs, PUBLIC_ERRORS],
      ['docs/admin-api.md', adminDocs, ADMIN_ERRORS],
    ] as const) {
      const rows = documented(text);
      assert.equal(
        rows.length,
        Object.keys(catalog).length,
        `${file} lists ${rows.length} error codes, the catalog has ${Object.keys(catalog).length}`,
      );
      for (const [code, status] of rows) {
        const entry = (catalog as Record<string, { status: number }>)[code];
        assert.ok(entry, `${file} documents ${code}, which is not in the catalog`);
        assert.equal(entry.status, status, `${file} gives ${code} the status ${status}, the catalog ${entry.status}`);
      }
    }
  });

  it('lists every DATAGATE_ setting the code reads in the README', () => {
    const src = fs
      .readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const used = new Set<string>();
    for (const f of src)
      for (const m of fs.readFileSync(`src/${f}`, 'utf8').matchAll(/DATAGATE_[A-Z_]+/g)) used.add(m[0]);
    assert.ok(used.size > 5);
    for (const v of used) assert.ok(readme.includes(`\`${v}\``), `${v} is not in README.md`);
  });

  it("has a row for every setting in the README's Configuration table, with its flag", () => {
    for (const s of SETTINGS) {
      const flag = s.flag.split(' ')[0];
      assert.match(readme, new RegExp(`\\n\\| \`${s.env}\` \\| \`${flag}[ \`]`), `${s.env} (${flag})`);
    }
  });

  it('shows the two commands of the quick start', () => {
    assert.match(readme, /npm install && \.\/bin\/datagate demo/);
    assert.match(readme, /npm test/);
  });
});
