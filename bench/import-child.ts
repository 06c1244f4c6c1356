// Imports the benchmark file in its own process, so that its peak RSS is the import's alone.
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/server.ts';

const [database, file, keyAccess] = process.argv.slice(2);
const config = loadConfig({ DATAGATE_DATABASE: database, DATAGATE_LOG_LEVEL: 'silent' });
// An import reads no rows: no query workers, so the peak RSS is the import's alone.
const modules = await openModules({ ...config, queryWorkers: 0 });
const tenant = await modules.access.tenants.ensure('default');
const started = performance.now();
const ds = await modules.catalog.datasets.importFile(tenant.id, { file, name: 'Tickets (bench)' });
const ms = performance.now() - started;
// --key-access: an allowlist that the loopback load generator matches, and the origin it sends.
const access =
  keyAccess === '--key-access' ? { allowIps: ['127.0.0.0/8', '::1'], corsOrigins: ['https://bench.example'] } : {};
const key = await modules.access.keys.create(tenant.id, { name: 'bench', rateLimit: 1_000_000_000, ...access });
await modules.access.keys.bind(tenant.id, key.id, 'dataset', ds.id);
// Q5: tickets and hours per board, over every row.
const widget = await modules.catalog.widgets.create(tenant.id, {
  name: 'Tickets and hours by board (bench)',
  dataset: ds.id,
  chart: 'bar',
  dimensions: [{ field: 'board', label: 'Board' }],
  measures: [
    { agg: 'count', label: 'Tickets' },
    { agg: 'sum', field: 'hours', label: 'Hours' },
  ],
});
await modules.access.keys.bind(tenant.id, key.id, 'widget', widget.id);
// Q6: tickets and hours per company (500 of them), a GROUP BY with many groups.
const perCompany = await modules.catalog.widgets.create(tenant.id, {
  name: 'Tickets and hours by company (bench)',
  dataset: ds.id,
  chart: 'table',
  dimensions: [{ field: 'company', label: 'Company' }],
  measures: [
    { agg: 'count', label: 'Tickets' },
    { agg: 'sum', field: 'hours', label: 'Hours' },
  ],
});
await modules.access.keys.bind(tenant.id, key.id, 'widget', perCompany.id);
await modules.close();
process.stdout.write(
  JSON.stringify({
    datasetId: ds.id,
    widgetId: widget.id,
    companyWidgetId: perCompany.id,
    key: key.key,
    rows: ds.rowCount,
    ms,
    maxRssKb: process.resourceUsage().maxRSS,
  }) + '\n',
);
