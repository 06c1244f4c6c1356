import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { CONSOLE_TYPES_FILE, generateConsoleTypes } from '../scripts/console-types.ts';

describe('the console types (web/src/generated/admin-api.ts)', () => {
  it(
    'are what the admin API’s OpenAPI document makes them now (run `npm run gen:console-types` after changing an ' +
      'admin route’s schema)',
    async () => {
      const fresh = await generateConsoleTypes();
      const checkedIn = fs.readFileSync(CONSOLE_TYPES_FILE, 'utf8');
      if (fresh === checkedIn) return;
      const a = checkedIn.split('\n');
      const b = fresh.split('\n');
      let line = 0;
      while (line < a.length && line < b.length && a[line] === b[line]) line++;
      assert.fail(
        `web/src/generated/admin-api.ts is out of date from line ${line + 1}: it ` +
          `has ${JSON.stringify(a[line] ?? '(end of file)')}, ` +
          `the admin API's schemas make ${JSON.stringify(b[line] ?? '(end of file)')}. Run \`npm run ` +
          `gen:console-types\`.`,
      );
    },
  );

  it('describe the admin routes the console calls', async () => {
    const text = fs.readFileSync(CONSOLE_TYPES_FILE, 'utf8');
    for (const route of [
      '/admin/api/session',
      '/admin/api/datasets',
      '/admin/api/widgets/{id}',
      '/admin/api/keys/{id}',
      '/admin/api/usage',
      '/admin/api/audit',
    ]) {
      assert.ok(text.includes(`"${route}": {`), `${route} is missing from the generated types`);
    }
  });
});
