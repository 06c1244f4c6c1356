// The console's types, generated from the admin API's own OpenAPI document
// (/admin/api/openapi.json, built from the routes' zod schemas) with openapi-typescript,
// so that web/ never keeps a hand-written copy of the contract that can drift.
// `npm run gen:console-types` writes them; test/console-types.test.ts fails when the
// checked-in file differs from what the routes say now.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { loadConfig } from '../src/config/config.ts';
import { createServer, openModules } from '../src/server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Where the generated types live, checked in. */
export const CONSOLE_TYPES_FILE = path.join(root, 'web', 'src', 'generated', 'admin-api.ts');

const HEADER = `// Generated from the admin API's OpenAPI document (/admin/api/openapi.json) by
// \`npm run gen:console-types\` (scripts/console-types.ts, openapi-typescript). Do not edit:
// change the admin routes' schemas and run the script again.
`;

/** The admin API's OpenAPI document, from a server built over a throwaway SQLite database. */
export async function adminOpenApiDocument(): Promise<OpenAPI3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-console-types-'));
  try {
    const config = loadConfig({
      DATAGATE_DATABASE: `sqlite:${path.join(dir, 'db.sqlite')}`,
      DATAGATE_DATA_DIR: dir,
      DATAGATE_LOG_LEVEL: 'silent',
    });
    const modules = await openModules(config);
    try {
      const server = await createServer(config, modules);
      try {
        const res = await server.app.inject({ method: 'GET', url: '/admin/api/openapi.json' });
        if (res.statusCode !== 200) throw new Error(`/admin/api/openapi.json answered ${res.statusCode}`);
        return res.json() as OpenAPI3;
      } finally {
        await server.close();
      }
    } finally {
      await modules.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The text of web/src/generated/admin-api.ts as the admin routes' schemas make it now. */
export async function generateConsoleTypes(): Promise<string> {
  const ast = await openapiTS(await adminOpenApiDocument(), { silent: true, exportType: true });
  return HEADER + '\n' + astToString(ast);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await generateConsoleTypes();
  fs.mkdirSync(path.dirname(CONSOLE_TYPES_FILE), { recursive: true });
  fs.writeFileSync(CONSOLE_TYPES_FILE, text);
  console.log(`wrote ${path.relative(root, CONSOLE_TYPES_FILE)}`);
}
