// No line of code wider than the formatter's width: Prettier (run by `npm test` with
// --check) wraps code, but not a string, a template literal or a comment, so those are
// checked here. Generated files are left as their generator writes them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { it } from 'node:test';

const { printWidth } = JSON.parse(fs.readFileSync('.prettierrc.json', 'utf8')) as { printWidth: number };
const GENERATED = /^web\/src\/generated\//;

it(`no line of code is wider than ${printWidth} characters`, () => {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.vue', '*.mjs', '*.js'], { encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !GENERATED.test(f) && fs.existsSync(f));
  assert.ok(files.length > 100, `only ${files.length} files listed`);
  const wide: string[] = [];
  for (const file of files) {
    fs.readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.length > printWidth) wide.push(`${file}:${i + 1} (${line.length})`);
      });
  }
  assert.deepEqual(wide, []);
});
