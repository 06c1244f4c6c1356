import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadProcessConfig, type Config } from '../config/config.ts';
import { openModules, type Modules } from '../modules.ts';
import { globals } from './context.ts';
import { writeDemoFiles } from './demo-data.ts';
import { createOutput, type Output } from './output.ts';
import { addSettingOptions, environmentHelp, settingFlags } from './settings-options.ts';

const DEMO_KEY_NAME = 'Demo key';
// The demo's console admin. A fixed, printed password is fine for a demo on the
// loopback address; `user add` creates real admins, and the README says so.
export const DEMO_ADMIN = { email: 'admin@demo.local', password: 'datagate-demo' };

async function listenUntilSignal(config: Config, modules: Modules, out: Output, banner?: (url: string) => string) {
  const { createServer } = await import('../server.ts');
  const server = await createServer(config, modules);
  const address = await server.listen({ host: config.http.host, port: config.http.port });
  const local = address.replace('://[::1]', '://localhost').replace('://127.0.0.1', '://localhost');
  const url = (config.http.publicUrl ?? local).replace(/\/+$/, '');
  out.note(banner ? banner(url) : `datagate listening on ${url} (database ${modules.store.location})`);
  if (out.json) process.stdout.write(JSON.stringify({ listening: local }) + '\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await server.close();
  await modules.close();
}

/** Seeds the demo tenant once: three MSP-style datasets and one key bound to all of them. */
async function ensureDemo(
  modules: Modules,
  tenantId: string,
  out: Output,
): Promise<{ key: string; datasetId: string }> {
  const keys = await modules.access.keys.list(tenantId);
  const existing = keys.find((k) => k.name === DEMO_KEY_NAME && k.bindings.datasets.length > 0);
  if (existing) {
    return {
      key: (await modules.access.keys.reveal(tenantId, existing.id)).key,
      datasetId: existing.bindings.datasets[0],
    };
  }
  out.note('creating the demo data (tickets, devices, invoices)...');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'datagate-demo-'));
  try {
    const files = writeDemoFiles(dir);
    const created = await modules.access.keys.create(tenantId, {
      name: DEMO_KEY_NAME,
      description: 'Reads the demo datasets',
    });
    let first = '';
    let tickets = '';
    for (const f of files) {
      const ds = await modules.catalog.datasets.importFile(tenantId, {
        file: f.file,
        name: f.name,
        description: f.description,
        integrationGroup: f.integration,
        owner: 'demo',
      });
      await modules.access.keys.bind(tenantId, created.id, 'dataset', ds.id);
      first ||= ds.id;
      if (f.name === 'Tickets') tickets = ds.id;
    }
    if (tickets) {
      await modules.catalog.widgets.create(tenantId, {
        name: 'Hours by board',
        dataset: tickets,
        chart: 'bar',
        dimensions: [{ field: 'board', label: 'Board' }],
        measures: [
          { agg: 'count', label: 'Tickets' },
          { agg: 'sum', field: 'hours', label: 'Hours' },
        ],
        sort: '-Hours',
        limit: 20,
      });
    }
    return { key: created.key, datasetId: first };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A command that runs the server: a flag for every setting, and the environment in its help. */
function listening(program: Command, name: string, description: string): Command {
  const cmd = program.command(name).description(description);
  addSettingOptions(cmd, 'server');
  return cmd.addHelpText('after', environmentHelp(['global', 'server']));
}

/** `serve` and `demo`. */
export function registerServeCommands(program: Command): void {
  listening(program, 'serve', 'run the public API and the admin console (/admin/)').action(
    async (_opts: unknown, cmd: Command) => {
      const config = loadProcessConfig(settingFlags(cmd));
      const modules = await openModules(config);
      await modules.access.tenants.ensure(config.tenant);
      await listenUntilSignal(config, modules, createOutput(Boolean(globals(cmd).json)));
    },
  );

  listening(
    program,
    'demo',
    'start datagate with demo data on embedded SQLite (default database sqlite:./data/demo.db) ' +
      'and print a working curl line and how to sign in to the console',
  ).action(async (_opts: unknown, cmd: Command) => {
    // The demo talks to a person: request logs only when asked for.
    const config = loadProcessConfig(settingFlags(cmd), { database: 'sqlite:./data/demo.db', logLevel: 'warn' });
    const out = createOutput(Boolean(globals(cmd).json));
    const modules = await openModules(config);
    const tenant = await modules.access.tenants.ensure(config.tenant);
    const demo = await ensureDemo(modules, tenant.id, out);
    const hasAdmin = (await modules.access.users.count(tenant.id)) > 0;
    if (!hasAdmin) await modules.access.users.create(tenant.id, DEMO_ADMIN);
    const demoAdmin = hasAdmin
      ? (await modules.access.users.list(tenant.id)).some((u) => u.email === DEMO_ADMIN.email)
      : true;
    await listenUntilSignal(config, modules, out, (url) =>
      [
        `datagate demo listening on ${url} (database ${modules.store.location})`,
        '',
        'Read the first page of the demo tickets:',
        `  curl -s '${url}/api/dataset/${demo.datasetId}?current=1&size=5' -H 'apikey: ${demo.key}'`,
        'List what the key can read:',
        `  curl -s '${url}/api/datasets' -H 'apikey: ${demo.key}'`,
        'Open it in Excel or Power BI (Get Data › OData feed; Basic, any user name, the key as password):',
        `  ${url}/odata/`,
        '',
        `The console: ${url}/admin/`,
        demoAdmin
          ? `  sign in as ${DEMO_ADMIN.email} with the password ${DEMO_ADMIN.password}`
          : '  sign in with an admin of this tenant (./bin/datagate user add EMAIL)',
        '',
        'Press Ctrl+C to stop.',
      ].join('\n'),
    );
  });
}
