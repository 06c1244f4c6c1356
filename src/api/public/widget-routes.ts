import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { widgetColumns } from '../../catalog/index.ts';
import { sendJson, sendPublicError } from '../../http/public-replies.ts';
import { TableGoneError } from '../../shared/errors.ts';
import { bindingScope } from '../../usecases/index.ts';
import { scopeBrokenMessage } from './row-scope.ts';
import type { PublicRouteDeps } from './public-route-deps.ts';
import { requestParams } from './request-params.ts';
import { widgetCacheEntry, widgetCacheKey } from './widget-warmer.ts';
import { answeredNotModified, etagOf, sendTagged, withValidators } from './http-cache.ts';

/** `GET|POST /api/widget/{resourceId}` and `GET /api/widgets`. */
export function registerWidgetRoutes(app: FastifyInstance, deps: PublicRouteDeps): void {
  const { catalog, resources } = deps;

  function send(reply: FastifyReply, cached: string, etag: string) {
    // Cached as "<total> <body>": the total travels in a header, not in the body.
    const space = cached.indexOf(' ');
    reply.header('x-total-count', cached.slice(0, space));
    return sendJson(withValidators(reply, etag), cached.slice(space + 1));
  }

  async function readWidget(req: FastifyRequest<{ Params: { resourceId: string } }>, reply: FastifyReply) {
    const found = resources.widget(req.principal!, req.params.resourceId);
    if (!found.ok && found.reason !== 'STALE')
      return sendPublicError(reply, found.reason === 'NOT_FOUND' ? 'WIDGET_NOT_FOUND' : 'RESOURCE_UNBOUND');
    // A bad parameter is answered before a missing dataset, as it always was.
    const params = requestParams(req);
    if (!params.ok) return sendPublicError(reply, 'BAD_PARAMETER', params.message);
    if (!found.ok)
      return sendPublicError(
        reply,
        'WIDGET_STALE',
        `The widget's dataset "${found.widget.datasetId}" no longer exists`,
      );
    const { widget: w, dataset: ds } = found;
    // The version of the dataset rows the widget aggregates.
    reply.header('x-dataset-version', ds.version);
    // The binding's row scope applies to the dataset's rows before aggregation; one that
    // no longer compiles refuses the read rather than widen it.
    const scope = bindingScope(found.binding, ds);
    if (!scope.ok) return sendPublicError(reply, 'SCOPE_BROKEN', scopeBrokenMessage('widget', w.id, scope.field));
    // The definition's version, the dataset's table and the scope name the inputs: a
    // change to any makes new keys, so an entry is never stale. The warmer keys its
    // entries alike.
    const cacheKey = widgetCacheKey(deps.pageCache, w, ds, found.binding.where, params.params);
    const etag = etagOf(cacheKey);
    const cached = deps.pageCache.get(cacheKey);
    if (cached !== undefined) return answeredNotModified(req, reply, etag) ? reply : send(reply, cached.body, etag);
    // The tag was given out for this very definition, data, scope and query: still current.
    if (answeredNotModified(req, reply, etag)) return reply;
    const started = performance.now();
    let result;
    try {
      result = await catalog.widgets.run(w, ds, params.params, {
        maxSize: deps.maxPageSize,
        deadline: Date.now() + deps.queryTimeoutMs,
        scope: scope.filters,
      });
    } catch (e) {
      // The dataset was removed (and its table dropped) after it was resolved.
      if (e instanceof TableGoneError)
        return sendPublicError(reply, 'WIDGET_STALE', `The widget's dataset "${w.datasetId}" no longer exists`);
      throw e;
    }
    deps.queryTime('widget', (performance.now() - started) / 1000);
    if (!result.ok)
      return sendPublicError(reply, result.reason === 'STALE' ? 'WIDGET_STALE' : 'BAD_PARAMETER', result.message);
    const entry = widgetCacheEntry(result);
    deps.pageCache.set(cacheKey, entry);
    return send(reply, entry, etag);
  }

  app.get('/api/widget/:resourceId', readWidget);
  app.post('/api/widget/:resourceId', readWidget);

  app.get('/api/widgets', async (req, reply) => {
    const list = resources.boundWidgets(req.principal!).map(({ widget: w, dataset }) => ({
      id: w.id,
      name: w.name,
      chart: w.chart,
      datasetId: w.datasetId,
      columns: widgetColumns(w.spec, dataset?.fields ?? []),
    }));
    return sendTagged(req, reply, JSON.stringify({ code: 0, msg: 'success', data: list }));
  });
}
