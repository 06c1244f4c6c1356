import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  decodeSkipToken,
  describeVersion,
  encodeSkipToken,
  formatParameters,
  metadataXml,
  ODataQueryError,
  parseODataQuery,
  preferredPageSize,
  sameVersion,
  serviceDocument,
  type DataVersion,
  type EdmType,
  type ODataQuery,
  type ParsedQuery,
  type QueryParams,
  usedFields,
} from '../../catalog/index.ts';
import { sendODataError } from '../../http/odata-replies.ts';
import { TableGoneError } from '../../shared/errors.ts';
import { bindingScope } from '../../usecases/index.ts';
import { baseUrlOf } from '../public/base-url.ts';
import { answeredNotModified, etagOf, withValidators } from '../public/http-cache.ts';
import type { PublicRouteDeps } from '../public/public-route-deps.ts';
import { scopeBrokenMessage } from '../public/row-scope.ts';
import { entitiesJson } from './odata-json.ts';
import { keyEntitySets, type BoundSet } from './odata-model.ts';

/** What the OData routes need: the public routes' deps and the configured public URL. */
export type ODataRouteDeps = Omit<PublicRouteDeps, 'pageCache' | 'cursors'> & { publicUrl?: string };

/**
 * The most entities a response holds (spec section 11), whatever the server's page size
 * for /api/: Power Query reads one page per request, so a page well under a megabyte
 * keeps a refresh responsive without many round trips.
 */
const MAX_ENTITIES = 1000;

/** The JSON media type of every entity and service document, with the format parameters in effect. */
function jsonType(ieee754: boolean): string {
  return `application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=${ieee754};charset=utf-8`;
}

/** Whether the `Accept` header asks for JSON with IEEE754Compatible=true. */
function acceptsIeee754(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((range) => {
    const f = formatParameters(range);
    return f.json && f.ieee754;
  });
}

/**
 * The OData v4 feed (spec section 11) under the plugin's `/odata` prefix: the service
 * document, `$metadata`, and one entity set per dataset or widget bound to the key. The
 * key gate, the error handler and `OData-Version` are set up by the caller (app.ts).
 */
export function registerODataRoutes(app: FastifyInstance, deps: ODataRouteDeps): void {
  const root = (req: FastifyRequest) => `${baseUrlOf(deps.publicUrl, req)}/odata/`;
  const sets = (req: FastifyRequest, types = false) =>
    keyEntitySets(deps.catalog, deps.resources, req.principal!, {
      deadline: Date.now() + deps.queryTimeoutMs,
      types,
    });

  /** Sends a document with an ETag of its own text: 304 when the client's copy is that text. */
  function sendDocument(req: FastifyRequest, reply: FastifyReply, type: string, body: string) {
    const etag = etagOf(body);
    if (answeredNotModified(req, reply, etag)) return reply;
    return withValidators(reply, etag).type(type).send(body);
  }

  app.get('/', async (req, reply) => {
    const ieee754 = acceptsIeee754(req.headers.accept);
    return sendDocument(req, reply, jsonType(ieee754), serviceDocument(root(req), await sets(req)));
  });

  app.get('/$metadata', async (req, reply) =>
    sendDocument(req, reply, 'application/xml; charset=utf-8', metadataXml(await sets(req, true))),
  );

  app.get('/:set', async (req: FastifyRequest<{ Params: { set: string } }>, reply) => {
    const all = await sets(req);
    const set = all.find((s) => s.name === req.params.set);
    if (set === undefined && UNIMPLEMENTED_PATH.test(req.params.set)) return notImplementedPath(reply, req.params.set);
    if (set === undefined)
      return sendODataError(
        reply,
        'ENTITY_SET_NOT_FOUND',
        `No entity set ${JSON.stringify(req.params.set)} for this key; its entity sets are: ` +
          (all.length === 0 ? '(none)' : all.map((s) => s.name).join(', ')),
      );
    let q: ODataQuery;
    try {
      q = parseODataQuery(req.query as QueryParams, set);
    } catch (e) {
      if (!(e instanceof ODataQueryError)) throw e;
      return sendODataError(reply, e.status === 501 ? 'NOT_IMPLEMENTED' : 'BAD_PARAMETER', e.message);
    }
    return readSet(req, reply, set, q);
  });

  // Anything else under the root: OData this service does not implement (an entity by
  // key, a /$count path, $batch), or no resource at all.
  app.get('/*', async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const path = req.params['*'];
    if (UNIMPLEMENTED_PATH.test(path)) return notImplementedPath(reply, path);
    return sendODataError(
      reply,
      'ENTITY_SET_NOT_FOUND',
      'Only the service document, $metadata and entity sets (/odata/<EntitySet>) are addressable',
    );
  });

  async function readSet(req: FastifyRequest, reply: FastifyReply, set: BoundSet, q: ODataQuery) {
    // The binding's row scope, ANDed before the client's filter, as on /api/; one that no
    // longer compiles refuses the read rather than widen it.
    const scope = bindingScope(set.binding, set.dataset);
    if (!scope.ok) return sendODataError(reply, 'SCOPE_BROKEN', scopeBrokenMessage(set.kind, set.id, scope.field));
    if (set.widget === null) {
      // $filter, $orderby and $select name the dataset's fields (a widget set's are its result columns).
      const picked =
        q.select === null ? null : set.properties.filter((p) => q.select!.includes(p.name)).map((p) => p.field);
      const used = usedFields({ filters: q.filter === null ? [] : [q.filter], sort: q.sort, fields: picked });
      deps.fieldUses.record(req.principal!.tenantId, req.principal!.keyId, set.dataset.id, used);
    }
    const version: DataVersion =
      set.widget === null
        ? { dataset: set.dataset.version }
        : { dataset: set.dataset.version, widget: set.widget.version };
    let position = 0;
    if (q.skiptoken !== null) {
      const token = decodeSkipToken(q.skiptoken);
      if (token === null)
        return sendODataError(
          reply,
          'BAD_PARAMETER',
          'The $skiptoken is not one this service made; follow @odata.nextLink as given',
        );
      if (!sameVersion(token.version, version))
        return sendODataError(
          reply,
          'SKIPTOKEN_STALE',
          `The ${set.kind} ${JSON.stringify(set.name)} changed since this next link was made (it was read at ` +
            `${describeVersion(token.version)}, now ${describeVersion(version)}); read it again from the first page`,
        );
      position = token.position;
    }
    const preferred = preferredPageSize(req.headers.prefer);
    const pageSize = Math.min(MAX_ENTITIES, deps.maxPageSize, preferred ?? MAX_ENTITIES);
    if (preferred !== undefined) reply.header('preference-applied', `odata.maxpagesize=${pageSize}`);
    const ieee754 = q.ieee754 || acceptsIeee754(req.headers.accept);
    const base = root(req);
    reply.header('x-dataset-version', set.dataset.version);
    // Everything the body depends on, known before the query runs (spec section 12): the
    // data (table, widget version), the scope, the set's name, and the request as sent.
    const etag = etagOf(
      JSON.stringify([base, req.url, set.name, set.dataset.tableName, set.widget?.version ?? null,
        set.binding.where, ieee754, pageSize]),
    ); // prettier-ignore
    if (answeredNotModified(req, reply, etag)) return reply;
    const offset = q.skip + position;
    const end = q.top === null ? Number.MAX_SAFE_INTEGER : q.skip + q.top;
    const limit = Math.max(0, Math.min(pageSize, end - offset));

    const properties = q.select === null ? set.properties : set.properties.filter((p) => q.select!.includes(p.name));
    const withKey = q.select === null || q.select.includes(set.key);
    const query: ParsedQuery = {
      current: 1,
      size: Math.max(limit, 1),
      offset,
      filters: q.filter === null ? [] : [q.filter],
      sort: q.sort,
      fields: properties.map((p) => p.field),
      // Entity values are typed by the entity model; IEEE754Compatible decides numbers' form.
      numbersAsText: false,
      rowNumbers: set.widget === null,
    };
    const deadline = Date.now() + deps.queryTimeoutMs;
    const started = performance.now();
    let total: number;
    let rows: unknown[][];
    try {
      if (set.widget === null) {
        const page = await deps.catalog.datasets.readPage(
          set.dataset,
          { ...query, filters: [...scope.filters, ...query.filters] },
          { deadline },
        );
        total = page.total;
        // The key is the row's `_row`, read first.
        rows = page.rows.slice(0, limit).map((r) => (withKey ? r : r.slice(1)));
      } else {
        const result = await deps.catalog.widgets.runQuery(set.widget, set.dataset, query, {
          deadline,
          scope: scope.filters,
        });
        if (!result.ok) return sendODataError(reply, 'WIDGET_STALE', result.message);
        total = result.total;
        // A widget's key is the row's place in its result (in the order asked for).
        rows = result.rows.slice(0, limit).map((r, i) => (withKey ? [offset + i + 1, ...r] : r));
      }
    } catch (e) {
      // Removed (and its table dropped) after the sets were listed.
      if (e instanceof TableGoneError)
        return sendODataError(reply, 'ENTITY_SET_NOT_FOUND', `The entity set ${JSON.stringify(set.name)} is gone`);
      throw e;
    }
    deps.queryTime(set.kind, (performance.now() - started) / 1000);

    const names = [...(withKey ? [set.key] : []), ...properties.map((p) => p.name)];
    const types: EdmType[] = [...(withKey ? ['Edm.Int64' as const] : []), ...properties.map((p) => p.edm)];
    const context = `${base}$metadata#${set.name}${q.select === null ? '' : `(${q.select.join(',')})`}`;
    let body = `{"@odata.context":${JSON.stringify(context)}`;
    if (q.count) body += `,"@odata.count":${total}`;
    body += `,"value":${entitiesJson(names, types, rows, ieee754)}`;
    const next = offset + rows.length;
    if (limit > 0 && rows.length === limit && next < Math.min(total, end)) {
      const token = encodeSkipToken({ version, position: position + rows.length });
      body += `,"@odata.nextLink":${JSON.stringify(nextLink(base, set.name, req.url, token))}`;
    }
    return withValidators(reply, etag).type(jsonType(ieee754)).send(`${body}}`);
  }
}

/** Paths of OData that this service does not implement: an entity by key, a `/$count`, `$batch`. */
const UNIMPLEMENTED_PATH = /^[^/()]+\(.*\)$|^[^/]+\/\$count$|^\$batch$/;

function notImplementedPath(reply: FastifyReply, path: string): FastifyReply {
  return sendODataError(
    reply,
    'NOT_IMPLEMENTED',
    // Cut, as every echo of client text is: a long path does not make a long body.
    `/odata/${path.length > 100 ? `${path.slice(0, 100)}…` : path} is valid OData that this service does not ` +
      'implement; read the entity set with query ' +
      'options ($filter, $count=true) instead',
  );
}

/**
 * The request's own URL with `$skiptoken` replaced: every other option kept as the client
 * encoded it, so the next page is the same query further on.
 */
function nextLink(base: string, setName: string, url: string, token: string): string {
  const q = url.indexOf('?');
  const kept = q === -1 ? [] : url.slice(q + 1).split('&');
  const options = kept.filter((p) => p !== '' && !/^(\$|%24)skiptoken(=|$)/i.test(p));
  options.push(`$skiptoken=${encodeURIComponent(token)}`);
  return `${base}${encodeURIComponent(setName)}?${options.join('&')}`;
}
