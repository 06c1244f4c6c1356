import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  checkCursor,
  datasetSummary,
  encodeCursor,
  parseQuery,
  usedFields,
  type CursorCheck,
  type Dataset,
  type ParsedQuery,
} from '../../catalog/index.ts';
import { sendJson, sendPublicError } from '../../http/public-replies.ts';
import { TableGoneError } from '../../shared/errors.ts';
import { bindingScope } from '../../usecases/index.ts';
import type { PublicRouteDeps } from './public-route-deps.ts';
import { scopeBrokenMessage, scopedCacheName } from './row-scope.ts';
import { recordsJson } from './records-json.ts';
import { requestParams } from './request-params.ts';
import { answeredNotModified, etagOf, sendTagged, withValidators } from './http-cache.ts';

/** `GET|POST /api/dataset/{resourceId}` and `GET /api/datasets`. */
export function registerDatasetRoutes(app: FastifyInstance, deps: PublicRouteDeps): void {
  const { catalog, resources } = deps;

  async function readDataset(req: FastifyRequest<{ Params: { resourceId: string } }>, reply: FastifyReply) {
    const found = resources.dataset(req.principal!, req.params.resourceId);
    if (!found.ok)
      return sendPublicError(reply, found.reason === 'NOT_FOUND' ? 'DATASET_NOT_FOUND' : 'RESOURCE_UNBOUND');
    const ds = found.dataset;
    // Which load of the rows answers: a client paging across a reload sees it change.
    reply.header('x-dataset-version', ds.version);
    // The binding's row scope, ANDed into the same SQL as the client's filters; one that
    // no longer compiles refuses the read rather than widen it.
    const scope = bindingScope(found.binding, ds);
    if (!scope.ok) return sendPublicError(reply, 'SCOPE_BROKEN', scopeBrokenMessage('dataset', ds.id, scope.field));
    const params = requestParams(req);
    if (!params.ok) return sendPublicError(reply, 'BAD_PARAMETER', params.message);
    const cacheKey = deps.pageCache.key(scopedCacheName(ds.tableName, found.binding.where), params.params);
    const etag = etagOf(cacheKey);
    const p = req.principal!;
    const cached = deps.pageCache.get(cacheKey);
    if (cached !== undefined) {
      // The fields were resolved when the page was cached; a hit names the same ones.
      deps.fieldUses.record(p.tenantId, p.keyId, ds.id, cached.used);
      return answeredNotModified(req, reply, etag) ? reply : sendPage(withValidators(reply, etag), cached.body);
    }
    const parsed = parseQuery(params.params, ds.fields, { maxSize: deps.maxPageSize, pageOptions: true });
    if (!parsed.ok) return sendPublicError(reply, 'BAD_PARAMETER', parsed.message);
    // Only a query that parsed: its names are the dataset's own fields, nothing a client made up.
    const used = usedFields(parsed.query);
    deps.fieldUses.record(p.tenantId, p.keyId, ds.id, used);
    let afterRow: number | undefined;
    if (parsed.query.cursor !== undefined) {
      const cursor = checkCursor(parsed.query.cursor, ds, deps.cursors);
      if (!cursor.ok) return refuseCursor(reply, ds, cursor);
      afterRow = cursor.row;
    }
    // Known before the query runs: a client whose copy is current is answered without one.
    if (answeredNotModified(req, reply, etag)) return reply;
    const q = scope.filters.length === 0 ? parsed.query : withScope(parsed.query, scope.filters);
    const started = performance.now();
    let page;
    try {
      page = await catalog.datasets.readPage(ds, q, { deadline: Date.now() + deps.queryTimeoutMs, afterRow });
    } catch (e) {
      // Removed (and its table dropped) after it was resolved: as if it had not been found.
      if (e instanceof TableGoneError) return sendPublicError(reply, 'DATASET_NOT_FOUND');
      throw e;
    }
    deps.queryTime('dataset', (performance.now() - started) / 1000);
    const pages = Math.ceil(page.total / q.size);
    const orders = JSON.stringify(q.sort.map((s) => ({ column: s.field.name, asc: s.asc })));
    const records = recordsJson(page.fields, page.rows, q.numbersAsText);
    // `_count=none` counts nothing, as MyBatis-Plus's searchCount false: total and pages 0.
    const searched = page.totalKind !== 'none';
    // With a cursor: `next`, after the contract's fields, only for the clients that asked for it.
    const nextCursor =
      page.nextRow == null
        ? null
        : encodeCursor({ datasetId: ds.id, version: ds.version, row: page.nextRow }, deps.cursors);
    const next = afterRow === undefined ? '' : `,"next":${nextCursor === null ? 'null' : `"${nextCursor}"`}`;
    const body =
      `{"code":0,"msg":"success","data":{"records":${records},"total":${page.total},` +
      `"size":${q.size},"current":${q.current},"orders":${orders},"optimizeCountSql":true,"hitCount":false,` +
      `"searchCount":${searched},"pages":${pages}${next}}}`;
    // Asked for with `_count`: how the total was found travels in a header, cached before the body.
    const entry = q.count === undefined ? body : `${page.totalKind} ${body}`;
    deps.pageCache.set(cacheKey, entry, used);
    return sendPage(withValidators(reply, etag), entry);
  }

  /** Sends a cached or new page: `<total kind> <body>` when the request gave `_count`, else the body alone. */
  function sendPage(reply: FastifyReply, entry: string) {
    if (entry.startsWith('{')) return sendJson(reply, entry);
    const space = entry.indexOf(' ');
    reply.header('x-total-kind', entry.slice(0, space));
    return sendJson(reply, entry.slice(space + 1));
  }

  app.get('/api/dataset/:resourceId', readDataset);
  app.post('/api/dataset/:resourceId', readDataset);

  app.get('/api/datasets', async (req, reply) => {
    const list = [];
    for (const { dataset, binding } of resources.boundDatasets(req.principal!)) {
      const summary = datasetSummary(dataset);
      const scope = bindingScope(binding, dataset);
      // Counted through the scope; a scope that no longer compiles shows no rows.
      if (!scope.ok) summary.rows = 0;
      else if (scope.filters.length > 0)
        summary.rows = await catalog.datasets.countRows(dataset, scope.filters, {
          deadline: Date.now() + deps.queryTimeoutMs,
        });
      list.push(summary);
    }
    return sendTagged(req, reply, JSON.stringify({ code: 0, msg: 'success', data: list }));
  });
}

/** The 400 or 410 of an `_after` that can't be used on this dataset. */
function refuseCursor(reply: FastifyReply, ds: Dataset, cursor: Exclude<CursorCheck, { ok: true }>) {
  switch (cursor.reason) {
    case 'INVALID':
      return sendPublicError(
        reply,
        'BAD_PARAMETER',
        'Option "_after" is not a cursor this service made; pass data.next of the previous page as it is, or ' +
          'leave "_after" empty to start from the first row',
      );
    case 'OTHER_DATASET':
      return sendPublicError(reply, 'BAD_PARAMETER', `Option "_after" is a cursor of another dataset, not "${ds.id}"`);
    case 'STALE':
      return sendPublicError(
        reply,
        'CURSOR_STALE',
        `Option "_after" is a cursor of version ${cursor.version} of dataset "${ds.id}", which was reloaded since ` +
          `(now version ${ds.version}); walk again from the start with an empty "_after"`,
      );
  }
}

/** The query with the scope's filters ANDed before the client's: one WHERE for count and page alike. */
function withScope(q: ParsedQuery, scope: readonly ParsedQuery['filters'][number][]): ParsedQuery {
  return { ...q, filters: [...scope, ...q.filters] };
}
