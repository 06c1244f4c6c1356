import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { datasetSummary, parseQuery } from '../../catalog/index.ts';
import { sendJson, sendPublicError } from '../../http/public-replies.ts';
import { TableGoneError } from '../../shared/errors.ts';
import type { PublicRouteDeps } from './public-route-deps.ts';
import { recordsJson } from './records-json.ts';
import { requestParams } from './request-params.ts';

/** `GET|POST /api/dataset/{resourceId}` and `GET /api/datasets`. */
export function registerDatasetRoutes(app: FastifyInstance, deps: PublicRouteDeps): void {
  const { catalog, resources } = deps;

  async function readDataset(req: FastifyRequest<{ Params: { resourceId: string } }>, reply: FastifyReply) {
    const found = resources.dataset(req.principal!, req.params.resourceId);
    if (!found.ok)
      return sendPublicError(reply, found.reason === 'NOT_FOUND' ? 'DATASET_NOT_FOUND' : 'RESOURCE_UNBOUND');
    const ds = found.dataset;
    const params = requestParams(req);
    if (!params.ok) return sendPublicError(reply, 'BAD_PARAMETER', params.message);
    const cacheKey = deps.pageCache.key(ds.tableName, params.params);
    const cached = deps.pageCache.get(cacheKey);
    if (cached !== undefined) return sendJson(reply, cached);
    const parsed = parseQuery(params.params, ds.fields, { maxSize: deps.maxPageSize });
    if (!parsed.ok) return sendPublicError(reply, 'BAD_PARAMETER', parsed.message);
    const q = parsed.query;
    const started = performance.now();
    let page;
    try {
      page = await catalog.datasets.readPage(ds, q, { deadline: Date.now() + deps.queryTimeoutMs });
    } catch (e) {
      // Removed (and its table dropped) after it was resolved: as if it had not been found.
      if (e instanceof TableGoneError) return sendPublicError(reply, 'DATASET_NOT_FOUND');
      throw e;
    }
    deps.queryTime('dataset', (performance.now() - started) / 1000);
    const pages = Math.ceil(page.total / q.size);
    const orders = JSON.stringify(q.sort.map((s) => ({ column: s.field.name, asc: s.asc })));
    const body =
      `{"code":0,"msg":"success","data":{"records":${recordsJson(page.fields, page.rows)},"total":${page.total},` +
      `"size":${q.size},"current":${q.current},"orders":${orders},"optimizeCountSql":true,"hitCount":false,` +
      `"searchCount":true,"pages":${pages}}}`;
    deps.pageCache.set(cacheKey, body);
    return sendJson(reply, body);
  }

  app.get('/api/dataset/:resourceId', readDataset);
  app.post('/api/dataset/:resourceId', readDataset);

  app.get('/api/datasets', async (req, reply) => {
    const list = resources.boundDatasets(req.principal!).map(({ dataset }) => datasetSummary(dataset));
    return sendJson(reply, JSON.stringify({ code: 0, msg: 'success', data: list }));
  });
}
