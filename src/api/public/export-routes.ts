import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseQuery, usedFields, type Field, type Params, type RowCursor } from '../../catalog/index.ts';
import { sendPublicError } from '../../http/public-replies.ts';
import type { ExportSlots } from '../../ratelimit/index.ts';
import { TableGoneError } from '../../shared/errors.ts';
import { bindingScope } from '../../usecases/index.ts';
import {
  contentDisposition,
  EXPORT_FORMATS,
  exportStream,
  isExportFormat,
  type ExportFormat,
  type ExportRows,
} from './export-formats.ts';
import type { PublicRouteDeps } from './public-route-deps.ts';
import { recordEncoders } from './records-json.ts';
import { scopeBrokenMessage } from './row-scope.ts';
import { requestParams } from './request-params.ts';
import { WIDGET_ENCODERS } from './widget-json.ts';

export interface ExportRouteDeps extends PublicRouteDeps {
  readonly exportSlots: ExportSlots;
  /** A reader that takes nothing for this long is cut off (its export stops). */
  readonly exportStallMs: number;
}

type ExportRequest = FastifyRequest<{ Params: { resourceId: string } }>;

/** An export's cursor, opened: its columns and how NDJSON writes their values. */
interface Opened {
  readonly columns: readonly Field[];
  readonly cursor: RowCursor;
  readonly encoders: ExportRows['encoders'];
}

const FORMATS = Object.keys(EXPORT_FORMATS).join(', ');

/**
 * The export's own parameters: `format` is taken out (it names no field here), and
 * `current` and `size` are dropped (an export is every page); the rest filter, sort and
 * project as on the page route. A format missing or unknown is a message.
 */
function exportParams(
  req: FastifyRequest,
): { ok: true; format: ExportFormat; params: Params } | { ok: false; message: string } {
  const all = requestParams(req);
  if (!all.ok) return all;
  const { format, current: _current, size: _size, ...params } = all.params;
  if (format === undefined) return { ok: false, message: `Parameter "format" is required: one of ${FORMATS}` };
  if (!isExportFormat(format))
    return { ok: false, message: `Parameter "format" must be one of ${FORMATS}, got ${JSON.stringify(format)}` };
  return { ok: true, format, params };
}

/**
 * `GET /api/dataset/{resourceId}/export` and `GET /api/widget/{resourceId}/export`
 * (spec section 10): every row the page route would match, as a CSV, NDJSON or XLSX
 * download, streamed from a database cursor with back-pressure. A client that goes away
 * stops the query and frees its connection. No query time limit applies: the export
 * runs as long as its reader reads, and one that takes nothing for `exportStallMs` is
 * cut off.
 */
export function registerExportRoutes(app: FastifyInstance, deps: ExportRouteDeps): void {
  const { catalog, resources } = deps;

  /**
   * Takes the key's export slot, opens the cursor and reads the first batch (so that a
   * failure to start is a proper error answer, `gone` for a table dropped meanwhile),
   * then streams the rest. The slot is held until the response ends, however it ends.
   */
  async function stream(
    req: ExportRequest,
    reply: FastifyReply,
    format: ExportFormat,
    name: string,
    open: () => Promise<Opened | FastifyReply>,
    gone: () => FastifyReply,
  ) {
    const release = deps.exportSlots.acquire(req.principal!.keyId);
    if (!release)
      return sendPublicError(
        reply,
        'EXPORTS_LIMITED',
        `Too many exports at once: this API key runs at most ${deps.exportSlots.perKey} exports at a time.`,
      );
    reply.raw.once('close', release);
    let opened: Opened | undefined;
    let first: unknown[][];
    try {
      const result = await open();
      if (!('cursor' in result)) {
        release();
        return result;
      }
      opened = result;
      first = await opened.cursor.next();
    } catch (e) {
      await opened?.cursor.close();
      release();
      if (e instanceof TableGoneError) return gone();
      throw e;
    }
    const { columns, cursor, encoders } = opened;
    // The client gone before the first byte: stop here.
    if (reply.raw.destroyed) {
      await cursor.close();
      return reply;
    }
    // A reader that takes nothing for `exportStallMs` holds a database connection: it is
    // cut off. Taking is asking for the next batch (the stream asks only when it has room).
    let taken = Date.now();
    const stall = setInterval(
      () => Date.now() - taken > deps.exportStallMs && reply.raw.destroy(),
      Math.min(deps.exportStallMs, 5_000),
    ).unref();
    reply.raw.once('close', () => clearInterval(stall));
    const rows: ExportRows = {
      columns,
      encoders,
      first,
      next: () => {
        taken = Date.now();
        return cursor.next();
      },
      close: () => {
        clearInterval(stall);
        return cursor.close();
      },
    };
    const { ext, contentType } = EXPORT_FORMATS[format];
    return reply
      .header('content-type', contentType)
      .header('content-disposition', contentDisposition(name, ext))
      .header('cache-control', 'no-store')
      .send(exportStream(format, rows, name));
  }

  // No HEAD: Fastify's would read the whole export to throw it away.
  const options = { exposeHeadRoute: false };

  app.get('/api/dataset/:resourceId/export', options, async (req: ExportRequest, reply) => {
    const found = resources.dataset(req.principal!, req.params.resourceId);
    if (!found.ok)
      return sendPublicError(reply, found.reason === 'NOT_FOUND' ? 'DATASET_NOT_FOUND' : 'RESOURCE_UNBOUND');
    const ds = found.dataset;
    // Which load of the rows the file holds, as on the page route.
    reply.header('x-dataset-version', ds.version);
    const scope = bindingScope(found.binding, ds);
    if (!scope.ok) return sendPublicError(reply, 'SCOPE_BROKEN', scopeBrokenMessage('dataset', ds.id, scope.field));
    const params = exportParams(req);
    if (!params.ok) return sendPublicError(reply, 'BAD_PARAMETER', params.message);
    const parsed = parseQuery(params.params, ds.fields, { maxSize: deps.maxPageSize });
    if (!parsed.ok) return sendPublicError(reply, 'BAD_PARAMETER', parsed.message);
    deps.fieldUses.record(req.principal!.tenantId, req.principal!.keyId, ds.id, usedFields(parsed.query));
    // The scope's filters ANDed with the client's, as on the page route: nothing widens it.
    const q = { ...parsed.query, filters: [...scope.filters, ...parsed.query.filters] };
    return stream(
      req,
      reply,
      params.format,
      ds.name,
      async () => {
        const { fields, cursor } = await catalog.datasets.openExport(ds, q);
        return { columns: fields, cursor, encoders: recordEncoders(q.numbersAsText) };
      },
      // Removed (and its table dropped) after it was resolved: as if it had not been found.
      () => sendPublicError(reply, 'DATASET_NOT_FOUND'),
    );
  });

  app.get('/api/widget/:resourceId/export', options, async (req: ExportRequest, reply) => {
    const found = resources.widget(req.principal!, req.params.resourceId);
    if (!found.ok && found.reason !== 'STALE')
      return sendPublicError(reply, found.reason === 'NOT_FOUND' ? 'WIDGET_NOT_FOUND' : 'RESOURCE_UNBOUND');
    const params = exportParams(req);
    if (!params.ok) return sendPublicError(reply, 'BAD_PARAMETER', params.message);
    const stale = (datasetId: string) =>
      sendPublicError(reply, 'WIDGET_STALE', `The widget's dataset "${datasetId}" no longer exists`);
    if (!found.ok) return stale(found.widget.datasetId);
    const { widget: w, dataset: ds } = found;
    reply.header('x-dataset-version', ds.version);
    const scope = bindingScope(found.binding, ds);
    if (!scope.ok) return sendPublicError(reply, 'SCOPE_BROKEN', scopeBrokenMessage('widget', w.id, scope.field));
    return stream(
      req,
      reply,
      params.format,
      w.name,
      async () => {
        const opened = await catalog.widgets.openExport(w, ds, params.params, { scope: scope.filters });
        if (!opened.ok)
          return sendPublicError(reply, opened.reason === 'STALE' ? 'WIDGET_STALE' : 'BAD_PARAMETER', opened.message);
        return { columns: opened.columns, cursor: opened.cursor, encoders: WIDGET_ENCODERS };
      },
      () => stale(w.datasetId),
    );
  });
}
