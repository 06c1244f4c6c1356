import type { Catalog, Dataset, Params, Widget, WidgetResult } from '../../catalog/index.ts';
import { TableGoneError } from '../../shared/errors.ts';
import { bindingScope, type ResourceResolver } from '../../usecases/index.ts';
import type { PageCache } from './page-cache.ts';
import { scopedCacheName } from './row-scope.ts';
import { widgetRowsJson } from './widget-json.ts';

/**
 * The page cache's key of a widget's answer: the definition's version, the dataset's
 * table (its version) and the binding's row scope name the inputs, the parameters the
 * request. A change to any makes a new key, so an entry is never stale.
 */
export function widgetCacheKey(cache: PageCache, w: Widget, ds: Dataset, where: string, params: Params): string {
  return cache.key(scopedCacheName(`widget ${w.id} v${w.version} ${ds.tableName}`, where), params);
}

/** A widget's answer as the page cache holds it: "<total> <body>" (the total travels in a header). */
export function widgetCacheEntry(result: Extract<WidgetResult, { ok: true }>): string {
  return `${result.total} {"code":0,"msg":"success","data":${widgetRowsJson(result.columns, result.rows)}}`;
}

// While every query worker or connection is taken, or requests wait for one, the
// warmer waits this long before it looks again: clients' requests go first.
const BUSY_WAIT_MS = 50;

/**
 * Computes the first answer of every served widget (one some usable key can read, per
 * distinct row scope of its bindings: the request without parameters) into the page
 * cache ahead of the first client, after each change of the catalog (a load, a reload,
 * a new binding) and at start. Low priority: one query at a time, only while the
 * database's readers are not all busy, and at most half the page cache per pass so
 * that it never flushes what clients read. Entries are keyed exactly as the widget
 * route keys them (`widgetCacheKey`), with the dataset's table in the key: a pass that
 * computed over a table a reload has since replaced leaves an entry no request asks for.
 * Each node warms its own page cache.
 */
export function createWidgetWarmer(deps: {
  catalog: Pick<Catalog, 'widgets'>;
  resources: Pick<ResourceResolver, 'servedWidgets'>;
  pageCache: PageCache;
  maxPageSize: number;
  queryTimeoutMs: number;
  /** Whether the database's readers are all taken or requests wait for one. */
  busy: () => boolean;
  /** Tells of a warm query that failed (it is not retried until the next change). */
  onError: (err: unknown, widgetId: string) => void;
}) {
  const { pageCache } = deps;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let warmed = 0;

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  async function pass(): Promise<void> {
    const seen = new Set<string>();
    let bytes = 0;
    for (const { widget, dataset, binding } of deps.resources.servedWidgets()) {
      if (stopped || bytes > pageCache.maxBytes / 2) return;
      const key = widgetCacheKey(pageCache, widget, dataset, binding.where, {});
      if (seen.has(key) || pageCache.has(key)) continue;
      seen.add(key);
      // A scope that no longer compiles is refused to clients: nothing to compute.
      const scope = bindingScope(binding, dataset);
      if (!scope.ok) continue;
      while (deps.busy() && !stopped) await sleep(BUSY_WAIT_MS);
      if (stopped) return;
      let result;
      try {
        result = await deps.catalog.widgets.run(
          widget,
          dataset,
          {},
          {
            maxSize: deps.maxPageSize,
            deadline: Date.now() + deps.queryTimeoutMs,
            scope: scope.filters,
          },
        );
      } catch (e) {
        // A reload replaced the table since the pass began: the next pass has the new one.
        if (!(e instanceof TableGoneError)) deps.onError(e, widget.id);
        continue;
      }
      if (!result.ok) continue;
      const kept = pageCache.set(key, widgetCacheEntry(result));
      if (kept > 0) warmed++;
      bytes += kept;
    }
  }

  return {
    /**
     * Starts a pass, or another one after the pass under way (the catalog changed
     * while it ran). The promise settles when no pass is left to run; it never rejects.
     */
    poke(): Promise<void> {
      if (!pageCache.enabled || stopped) return Promise.resolve();
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          await pass().catch((e: unknown) => deps.onError(e, ''));
        } while (again && !stopped);
      })().finally(() => {
        running = undefined;
      });
      return running;
    },
    /** How many answers were computed ahead and kept, since start. */
    warmed: () => warmed,
    /** Ends the work: the query under way finishes, no other starts. */
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}

export type WidgetWarmer = ReturnType<typeof createWidgetWarmer>;
