import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Binding } from '../../access/index.ts';
import type { Dataset, Widget, WidgetResult } from '../../catalog/index.ts';
import { createPageCache } from './page-cache.ts';
import { createWidgetWarmer, widgetCacheKey } from './widget-warmer.ts';

const field = { name: 'board', type: 'TEXT', column: 'c0' } as const;
const dataset = (version: number) =>
  ({ id: 'd', tenantId: 't', tableName: `ds_d_v${version}`, version, fields: [field] }) as unknown as Dataset;
const widget = {
  id: 'w',
  tenantId: 't',
  datasetId: 'd',
  version: 1,
  spec: {
    name: 'N',
    dataset: 'd',
    chart: 'number',
    dimensions: [],
    measures: [{ agg: 'count', label: 'N' }],
    filter: '',
    sort: '',
    limit: null,
  },
} as unknown as Widget;
const binding = { keyId: 'k', type: 'widget', resourceId: 'w', where: '', whereTypes: {} } as Binding;
const answer = (n: number): WidgetResult => ({
  ok: true,
  total: 1,
  columns: [{ name: 'N', type: 'NUMBER', column: 'm0' }],
  rows: [[n]],
});

describe('widget warmer', () => {
  it('keys a result by the table it read: a reload during the query never serves it for the new version', async () => {
    const cache = createPageCache(1_000_000);
    let current = dataset(1);
    const runs: { table: string; release: () => void }[] = [];
    const warmer = createWidgetWarmer({
      catalog: {
        widgets: {
          run: (_w: Widget, ds: Dataset) =>
            new Promise<WidgetResult>((resolve) =>
              runs.push({ table: ds.tableName, release: () => resolve(answer(ds.version)) }),
            ),
        } as never,
      },
      resources: { servedWidgets: () => [{ widget, dataset: current, binding }] },
      pageCache: cache,
      maxPageSize: 10,
      queryTimeoutMs: 1000,
      busy: () => false,
      onError: (err) => assert.fail(String(err)),
    });
    const done = warmer.poke();
    await new Promise((r) => setImmediate(r));
    assert.equal(runs.length, 1);
    // The dataset is reloaded while version 1 is being computed.
    current = dataset(2);
    const again = warmer.poke();
    runs[0].release();
    await new Promise((r) => setImmediate(r));
    const v1 = widgetCacheKey(cache, widget, dataset(1), '', {});
    const v2 = widgetCacheKey(cache, widget, dataset(2), '', {});
    assert.equal(cache.has(v1), true);
    assert.equal(cache.has(v2), false, 'the old version is not served under the new key');
    // The change seen during the pass runs another one, over the new version.
    assert.equal(runs.length, 2);
    assert.equal(runs[1].table, 'ds_d_v2');
    runs[1].release();
    await Promise.all([done, again]);
    assert.equal(cache.get(v2)?.body, '1 {"code":0,"msg":"success","data":[{"N":"2"}]}');
    assert.equal(warmer.warmed(), 2);
  });

  it('waits while the readers are busy, and computes an answer once per key', async () => {
    const cache = createPageCache(1_000_000);
    let busy = true;
    let runs = 0;
    const warmer = createWidgetWarmer({
      catalog: { widgets: { run: async () => (runs++, answer(1)) } as never },
      // The same binding twice (a rotated key, two keys without a scope): one key, one query.
      resources: { servedWidgets: () => [0, 1].map(() => ({ widget, dataset: dataset(1), binding })) },
      pageCache: cache,
      maxPageSize: 10,
      queryTimeoutMs: 1000,
      busy: () => busy,
      onError: (err) => assert.fail(String(err)),
    });
    const done = warmer.poke();
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(runs, 0);
    busy = false;
    await done;
    assert.equal(runs, 1);
    // Already there: a later change computes nothing again.
    await warmer.poke();
    assert.equal(runs, 1);
  });

  it('does nothing when the page cache is off', async () => {
    let runs = 0;
    const warmer = createWidgetWarmer({
      catalog: { widgets: { run: async () => (runs++, answer(1)) } as never },
      resources: { servedWidgets: () => [{ widget, dataset: dataset(1), binding }] },
      pageCache: createPageCache(0),
      maxPageSize: 10,
      queryTimeoutMs: 1000,
      busy: () => false,
      onError: (err) => assert.fail(String(err)),
    });
    await warmer.poke();
    assert.equal(runs, 0);
  });
});
