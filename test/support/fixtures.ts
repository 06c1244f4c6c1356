import assert from 'node:assert/strict';
import type { FieldType } from '../../src/catalog/index.ts';
import type { TestServer } from './test-server.ts';

/**
 * Builds what a test reads through the public or admin API — a tenant's datasets,
 * widgets and keys — through the modules, as the command line would, and the checks
 * several tests make of the answers.
 */

/** A field list as the APIs give it, in order: `fields({ id: 'NUMBER', 'Real Name': 'TEXT' })`. */
export function fields(types: Record<string, FieldType>): { name: string; type: FieldType }[] {
  return Object.entries(types).map(([name, type]) => ({ name, type }));
}

/**
 * Loads `text` (a .csv, .json or .ndjson file named `file`) as the dataset `name` of the tenant (the server's by
 * default).
 */
export async function importDataset(t: TestServer, file: string, text: string, name: string, tenantId = t.tenant.id) {
  return t.modules.catalog.datasets.importFile(tenantId, { file: t.file(file, text), name });
}

/** Creates a widget of the tenant (the server's by default) from its spec. */
export async function createWidget(t: TestServer, spec: unknown, tenantId = t.tenant.id) {
  return t.modules.catalog.widgets.create(tenantId, spec);
}

/** Creates a widget that counts the rows of a dataset: one number, labelled "N". */
export async function countWidget(t: TestServer, datasetId: string, name: string, tenantId = t.tenant.id) {
  const spec = { name, dataset: datasetId, chart: 'number', dimensions: [], measures: [{ agg: 'count', label: 'N' }] };
  return createWidget(t, spec, tenantId);
}

/**
 * Creates a key of the tenant (the server's by default), bound to `datasets` and then
 * `widgets`, each by id. Without `rateLimit`, the key has the default limit.
 */
export async function boundKey(
  t: TestServer,
  spec: {
    name: string;
    rateLimit?: number;
    datasets?: readonly string[];
    widgets?: readonly string[];
    tenantId?: string;
  },
): Promise<{ id: string; name: string; key: string; rateLimit: number }> {
  const tenantId = spec.tenantId ?? t.tenant.id;
  const { keys } = t.modules.access;
  const k = await keys.create(
    tenantId,
    spec.rateLimit === undefined ? { name: spec.name } : { name: spec.name, rateLimit: spec.rateLimit },
  );
  for (const id of spec.datasets ?? []) await keys.bind(tenantId, k.id, 'dataset', id);
  for (const id of spec.widgets ?? []) await keys.bind(tenantId, k.id, 'widget', id);
  return k;
}

/** A public 400 in the contract's envelope (`{"code":400,"msg","data":[]}`) whose message matches `msg`. */
export function assertBadParameter(res: { statusCode: number; body: string }, msg: RegExp): void {
  assert.equal(res.statusCode, 400);
  const b = JSON.parse(res.body);
  assert.equal(b.code, 400);
  assert.deepEqual(b.data, []);
  assert.match(b.msg, msg);
}

/**
 * Calls `read` (a status) until `done` holds or `ms` have passed, pausing `every` ms
 * between calls; returns the last status and how long the wait took.
 */
export async function pollStatus(
  read: () => Promise<number>,
  done: (status: number) => boolean,
  ms = 2000,
  every = 20,
): Promise<{ status: number; took: number }> {
  const started = Date.now();
  let status = await read();
  while (!done(status) && Date.now() - started < ms) {
    await new Promise((r) => setTimeout(r, every));
    status = await read();
  }
  return { status, took: Date.now() - started };
}

/** The keys of a dataset page's `data`, in the order the contract writes them (section 4). */
export const DATASET_PAGE_KEYS = [
  'records',
  'total',
  'size',
  'current',
  'orders',
  'optimizeCountSql',
  'hitCount',
  'searchCount',
  'pages',
] as const;
