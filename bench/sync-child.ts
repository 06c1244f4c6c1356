// Runs one `dataset connect` (the first sync) in its own process, so that its peak RSS is
// the sync's alone: argv = datagate database URL, data dir, source URL, query ('' for HTTP).
import { loadConfig } from '../src/config/config.ts';
import { openModules } from '../src/server.ts';

const [database, dataDir, url, query] = process.argv.slice(2);
const config = loadConfig({
  DATAGATE_DATABASE: database,
  DATAGATE_DATA_DIR: dataDir,
  DATAGATE_SECRET: 'bench-secret-bench-secret-bench-secret',
  DATAGATE_LOG_LEVEL: 'silent',
});
const modules = await openModules({ ...config, queryWorkers: 0 });
const tenant = await modules.access.tenants.ensure('default');
const started = performance.now();
const r = await modules.sources.sync.connect(tenant.id, { name: 'Synced (bench)', url, query: query || undefined });
const ms = performance.now() - started;
await modules.close();
process.stdout.write(JSON.stringify({ rows: r.dataset.rowCount, ms, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
