import { MAX_IN_VALUES, operatorNames, widgetColumns, type FieldType, type Operator } from '../../catalog/index.ts';
import type { KeyRef, ResourceResolver } from '../../usecases/index.ts';

/** A dataset bound to the key, as the document describes it. */
export interface OpenApiDataset {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly fields: readonly { readonly name: string; readonly type: FieldType }[];
  /** Whether the key's binding has a row scope (never what it is). */
  readonly scoped?: boolean;
}

/** A widget bound to the key: its result columns (type null when the widget no longer fits its dataset). */
export interface OpenApiWidget {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly columns: readonly { readonly name: string; readonly type: FieldType | null }[];
  /** Whether the key's binding has a row scope (never what it is). */
  readonly scoped?: boolean;
}

/** What a scoped resource's description adds: that a scope applies, not what it is. */
const SCOPED_DOC =
  ' Results are limited by a row scope on this key: only the rows it allows are counted, returned and ' +
  'aggregated, ANDed with any filters given here. HTTP 409 answers if the scope no longer fits the dataset.';

export interface KeyOpenApiInput {
  readonly keyName: string;
  /** The public API's base URL, without a trailing slash. */
  readonly baseUrl: string;
  readonly datasets: readonly OpenApiDataset[];
  readonly widgets: readonly OpenApiWidget[];
}

/**
 * What the document of one key describes: its bound datasets and widgets as the
 * in-memory registries (what the public API serves) know them, in binding order.
 */
export function keyResources(resources: ResourceResolver, key: KeyRef): Pick<KeyOpenApiInput, 'datasets' | 'widgets'> {
  const datasets = resources.boundDatasets(key).map(({ dataset: ds, binding }) => ({
    id: ds.id,
    name: ds.name,
    description: ds.description,
    fields: ds.fields,
    ...(binding.where === '' ? {} : { scoped: true }),
  }));
  const widgets = resources.boundWidgets(key).map(({ widget: w, dataset: ds, binding }) => ({
    ...(binding.where === '' ? {} : { scoped: true }),
    id: w.id,
    name: w.name,
    description: `A ${w.chart} widget over the dataset "${ds?.name ?? w.datasetId}".`,
    columns: widgetColumns(w.spec, ds?.fields ?? []),
  }));
  return { datasets, widgets };
}

type Json = Record<string, unknown>;

// The seed's own words for the two paging parameters (the MSPbots help page).
const CURRENT_DOC =
  'When you send a command requesting data, the current page data is returned according to the page response ' +
  'you specify.';
const SIZE_DOC =
  'When you send a command to request data, the response will include information about how many data entries ' +
  'will be displayed on each page.';

/** How a filter on a field of this type reads (spec section 5). */
export const FILTER_DOCS: Record<FieldType, string> = {
  TEXT:
    'Contains: rows whose value contains this text, case-insensitive (commas are literal). An empty value matches ' +
    'rows where the field is empty.',
  NUMBER:
    'A single value `v` means equals; `lo,hi` between (inclusive); `lo,` at least; `,hi` at most. Several pairs ' +
    'are ORed (`1,5,10,20`), and a last lone value means equals. ' +
    'Exact for 64-bit integers. An empty value matches rows where the field is empty.',
  BOOLEAN: '`true`/`false` (or `1`/`0`). An empty value matches rows where the field is empty.',
  DATE:
    'Dates as `YYYY-MM-DD`. A single value `d` means on or after d; `lo,hi` between (inclusive); `lo,` on or ' +
    'after; `,hi` on or before. Several pairs are ORed, and a last lone value means on or after. ' +
    'An empty value matches rows where the field is empty.',
  DATETIME:
    'ISO 8601 (`2023-02-01T10:00:00Z`, `2023-02-01T10:00:00+02:00`) or `YYYY-MM-DD HH:mm:ss` (UTC), or a date ' +
    '`YYYY-MM-DD` covering the whole day. ' +
    'A single value means at or after; `lo,hi` between (inclusive); `lo,` at or after; `,hi` at or before. ' +
    'Several pairs are ORed, and a last lone value means at or after. ' +
    'An empty value matches rows where the field is empty.',
};

/** How `[eq]` reads its value on a field of this type (spec section 8). */
const EQ_DOCS: Record<FieldType, string> = {
  TEXT: 'exactly this text: case-sensitive, no wildcards, commas literal',
  NUMBER: 'exactly this number (exact for 64-bit integers)',
  BOOLEAN: '`true`/`false` (or `1`/`0`)',
  DATE: 'this date, `YYYY-MM-DD`',
  DATETIME:
    'this instant, ISO 8601 (`2023-02-01T10:00:00Z`, `2023-02-01T10:00:00+02:00`) or `YYYY-MM-DD HH:mm:ss` ' +
    '(UTC); a date `YYYY-MM-DD` means any time in that UTC day',
};

/** How a filter with an operator on a field of this type reads (spec section 8). */
export function operatorDoc(op: Operator, type: FieldType): string {
  switch (op) {
    case 'eq':
      return `Equals ${EQ_DOCS[type]}. An empty value matches rows where the field is empty.`;
    case 'ne':
      return (
        `Not equal to ${EQ_DOCS[type]}; rows where the field is null never match. An empty value matches rows ` +
        `where the field is not empty.`
      );
    case 'in':
      return (
        `One of a comma-separated list of values, each read as by [eq]: ${EQ_DOCS[type]}. ` +
        `Write \\, for a comma within a value and \\\\ for a backslash; at most ${MAX_IN_VALUES} values. An ` +
        `empty item matches rows where the field is empty.`
      );
    case 'contains':
      return FILTER_DOCS.TEXT;
  }
}

/** The JSON type of a dataset value in `records` (spec section 4); every value may be null. */
function valueSchema(type: FieldType): Json {
  switch (type) {
    case 'TEXT':
      return { type: ['string', 'null'] };
    case 'NUMBER':
      return {
        type: ['number', 'null'],
        description:
          'Integers are exact up to 64 bits: parse with a big-number-aware JSON parser, or ask for ' +
          '`_numbers=string` to get every number as a string of its digits.',
      };
    case 'BOOLEAN':
      return { type: ['boolean', 'null'] };
    case 'DATE':
      return { type: ['string', 'null'], format: 'date' };
    case 'DATETIME':
      return { type: ['string', 'null'], format: 'date-time', description: 'UTC, e.g. 2023-02-10T08:50:28Z' };
  }
}

function errorExample(code: number, msg: string): Json {
  return { code, msg, data: [] };
}

/** Names that are never filters: the paging parameters and the options (spec section 5). */
function isFilterable(name: string): boolean {
  return name !== 'current' && name !== 'size' && !name.startsWith('_');
}

function commonParameters(names: readonly string[]): Json[] {
  return [
    {
      name: 'current',
      in: 'query',
      required: false,
      description: CURRENT_DOC,
      schema: { type: 'integer', minimum: 1, default: 1 },
    },
    {
      name: 'size',
      in: 'query',
      required: false,
      description: `${SIZE_DOC} Above the server's maximum it is clamped; data.size shows the size used.`,
      schema: { type: 'integer', minimum: 1, default: 10 },
    },
    {
      name: '_sort',
      in: 'query',
      required: false,
      description:
        `Comma-separated ${names.length ? `names (${names.join(', ')})` : 'names'}; \`-\` before a name sorts ` +
        `descending.`,
      schema: { type: 'string' },
      example: names[0] ? `-${names[0]}` : undefined,
    },
    {
      name: '_fields',
      in: 'query',
      required: false,
      description: 'Comma-separated names to return, in that order.',
      schema: { type: 'string' },
    },
    {
      name: '_numbers',
      in: 'query',
      required: false,
      description:
        '`string` writes every number as a JSON string of its exact digits, for JSON parsers that turn ' +
        'large integers into doubles (JavaScript, Power Query, Excel). Widget values are always strings.',
      schema: { type: 'string', enum: ['number', 'string'], default: 'number' },
    },
  ];
}

/** The options of dataset pages alone: how the total is found, and the keyset cursor. */
const PAGE_PARAMETERS: Json[] = [
  {
    name: '_count',
    in: 'query',
    required: false,
    description:
      'How data.total is found. `exact` counts every matching row. `estimated` asks the database for an ' +
      'estimate, or counts the matches in a fixed sample of rows and scales it (exact when there is no ' +
      'filter, when the count is known already, or on the last page); the rows are the same. `none` does not ' +
      'count: total and pages are 0 and searchCount is false. The response header X-Total-Kind says which ' +
      'one the total is (exact, estimated or none).',
    schema: { type: 'string', enum: ['exact', 'estimated', 'none'], default: 'exact' },
  },
  {
    name: '_after',
    in: 'query',
    required: false,
    description:
      'Keyset paging in natural order: empty for the first page, then data.next of the previous page as it is; ' +
      'data.next is null on the last page. Every page costs the same however deep. Not with current or _sort. ' +
      'A cursor from before a reload of the dataset is refused with 410: walk again from the start.',
    schema: { type: 'string' },
  },
];

function filterParameters(fields: readonly { name: string; type: FieldType | null }[], what: string): Json[] {
  const plain = fields
    .filter((f) => isFilterable(f.name))
    .map((f) =>
      f.type
        ? {
            name: f.name,
            in: 'query',
            required: false,
            description: `Filter on the ${what} "${f.name}" (${f.type}). ${FILTER_DOCS[f.type]}`,
            schema: { type: 'string' },
            'x-field-type': f.type,
          }
        : {
            name: f.name,
            in: 'query',
            required: false,
            description:
              `Filter on the ${what} "${f.name}". Its dataset field no longer exists, so the widget answers 409 ` +
              `until it is fixed.`,
            schema: { type: 'string' },
          },
    );
  // After the plain ones, so that a client lists the fields first. A field named
  // "current" or "size" is filterable with an operator only; one whose name begins with
  // `_` not at all (the name is an option's), nor is a stale column.
  const withOperators = fields.flatMap((f) =>
    f.type === null || f.name.startsWith('_')
      ? []
      : operatorNames({ name: f.name, type: f.type }, fields).map(([op, name]) => ({
          name,
          in: 'query',
          required: false,
          description:
            `Filter on the ${what} "${f.name}" (${f.type}) with the operator [${op}]. ` + operatorDoc(op, f.type!),
          schema: { type: 'string' },
          'x-filter-field': f.name,
          'x-filter-operator': op,
        })),
  );
  return [...plain, ...withOperators];
}

/** The error responses every resource path shares, with the contract's bodies as examples (spec section 6). */
function errorResponses(kind: 'dataset' | 'widget'): Json {
  const envelope = { $ref: '#/components/schemas/ErrorEnvelope' };
  const gateway = { $ref: '#/components/schemas/GatewayError' };
  const json = (schema: Json, examples: Record<string, unknown>) => ({
    'application/json': {
      schema,
      examples: Object.fromEntries(Object.entries(examples).map(([k, v]) => [k, { value: v }])),
    },
  });
  return {
    '400': {
      description: 'A paging, filter or option parameter is invalid; msg names it.',
      content: json(envelope, { badParameter: errorExample(400, 'current must be an integer >= 1, got "0"') }),
    },
    '401': {
      description: 'No key, or an unknown or removed one.',
      content: json(gateway, {
        missing: { message: 'Missing API key in request' },
        invalid: { message: 'Invalid API key in request' },
      }),
    },
    '403': {
      description:
        'The Public API is switched off for the account, the key is disabled, the caller’s address is outside ' +
        'the key’s allowlist, or the resource is not bound to this key.',
      content: json(envelope, {
        disabled: errorExample(403, 'The Public API is disabled for this account.'),
        keyDisabled: errorExample(403, 'This API key is disabled.'),
        addressRefused: errorExample(403, 'This address is not allowed for this API key.'),
        unbound: errorExample(500, 'The resourceId is invalid.'),
      }),
    },
    '404': {
      description: `No such ${kind}.`,
      content: json(envelope, { notFound: errorExample(-1, `Can't find ${kind}`) }),
    },
    '429': {
      description: "The key's requests per minute are used up; Retry-After says when to retry.",
      headers: { 'Retry-After': { description: 'Seconds until the limit resets', schema: { type: 'integer' } } },
      content: json(envelope, { limited: errorExample(429, 'API rate limit exceeded: 60 requests per minute.') }),
    },
  };
}

const RATE_HEADERS = {
  'X-RateLimit-Limit': { description: 'Requests per minute allowed for this key', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the window resets', schema: { type: 'integer' } },
};

/** What a 200 and a 304 carry to tell versions apart (spec section 12). */
const VERSION_HEADERS = {
  'X-Dataset-Version': {
    description: 'The version of the dataset rows read; it changes when the dataset is reloaded',
    schema: { type: 'integer' },
  },
  ETag: {
    description: "Changes when the data, the key's scope or the query does; send it back in If-None-Match",
    schema: { type: 'string' },
  },
  'Cache-Control': { description: '`private, no-cache`', schema: { type: 'string' } },
};

/** The 304 a request with a current If-None-Match gets. */
const NOT_MODIFIED = {
  '304': { description: 'Not modified: the If-None-Match tag is current; no body', headers: VERSION_HEADERS },
};

/** GET and POST with the same parameters; POST may carry them in a form or JSON body instead. */
function operations(base: Json, id: string, kind: 'dataset' | 'widget'): Json {
  const body = {
    description: 'The same parameters as the query string; body values win over query values of the same name.',
    required: false,
    content: {
      'application/x-www-form-urlencoded': { schema: { type: 'object', additionalProperties: { type: 'string' } } },
      'application/json': { schema: { type: 'object', additionalProperties: { type: 'string' } } },
    },
  };
  return {
    get: { ...base, operationId: `get_${kind}_${id}` },
    post: { ...base, operationId: `post_${kind}_${id}`, requestBody: body },
  };
}

function datasetPath(ds: OpenApiDataset): Json {
  const records = {
    type: 'object',
    properties: Object.fromEntries(ds.fields.map((f) => [f.name, valueSchema(f.type)])),
  };
  const base = {
    tags: ['datasets'],
    summary: ds.name,
    description:
      (ds.description || `The rows of the dataset "${ds.name}", one page at a time.`) + (ds.scoped ? SCOPED_DOC : ''),
    parameters: [
      ...commonParameters(ds.fields.map((f) => f.name)),
      ...PAGE_PARAMETERS,
      ...filterParameters(ds.fields, 'field'),
    ],
    responses: {
      '200': {
        description: 'One page of rows',
        headers: {
          ...RATE_HEADERS,
          ...VERSION_HEADERS,
          'X-Total-Kind': {
            description: 'With _count only: exact, estimated or none, how data.total was found',
            schema: { type: 'string', enum: ['exact', 'estimated', 'none'] },
          },
        },
        content: {
          'application/json': {
            schema: success({
              type: 'object',
              required: [
                'records',
                'total',
                'size',
                'current',
                'orders',
                'optimizeCountSql',
                'hitCount',
                'searchCount',
                'pages',
              ],
              properties: {
                records: { type: 'array', items: records },
                total: { type: 'integer', description: 'Rows matching the filters' },
                size: { type: 'integer', description: 'Rows per page, as used' },
                current: { type: 'integer' },
                orders: {
                  type: 'array',
                  items: { type: 'object', properties: { column: { type: 'string' }, asc: { type: 'boolean' } } },
                },
                optimizeCountSql: { type: 'boolean' },
                hitCount: { type: 'boolean' },
                searchCount: { type: 'boolean' },
                pages: { type: 'integer', description: 'ceil(total / size); 0 when total is 0' },
                next: {
                  type: ['string', 'null'],
                  description: 'With _after only: the cursor of the next page (its _after), null on the last page',
                },
              },
            }),
          },
        },
      },
      ...NOT_MODIFIED,
      ...errorResponses('dataset'),
      '410': {
        description: 'The _after cursor was made before the dataset was reloaded; walk again from the start.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
      },
    },
  };
  return operations(base, ds.id, 'dataset');
}

/** The success envelope of the public API (`{"code":0,"msg":"success","data":…}`) around `data`. */
function success(data: Json): Json {
  return {
    type: 'object',
    required: ['code', 'msg', 'data'],
    properties: {
      code: { type: 'integer', const: 0 },
      msg: { type: 'string', const: 'success' },
      data,
    },
  };
}

function widgetPath(w: OpenApiWidget): Json {
  const row = {
    type: 'object',
    properties: Object.fromEntries(
      w.columns.map((c) => [c.name, { type: ['string', 'null'], ...(c.type ? { 'x-field-type': c.type } : {}) }]),
    ),
  };
  const base = {
    tags: ['widgets'],
    summary: w.name,
    description:
      (w.description || `The result rows of the widget "${w.name}", one page at a time.`) +
      (w.scoped ? SCOPED_DOC : ''),
    parameters: [...commonParameters(w.columns.map((c) => c.name)), ...filterParameters(w.columns, 'column')],
    responses: {
      '200': {
        description: 'One page of result rows, every value a string as the widget displays it',
        headers: {
          ...RATE_HEADERS,
          ...VERSION_HEADERS,
          'X-Total-Count': { description: 'Result rows across all pages', schema: { type: 'integer' } },
        },
        content: { 'application/json': { schema: success({ type: 'array', items: row }) } },
      },
      ...NOT_MODIFIED,
      ...errorResponses('widget'),
    },
  };
  return operations(base, w.id, 'widget');
}

/**
 * `GET …/export` of a resource (spec section 10): every row the page route would match
 * as a file; the same filters and options, no paging, and `format`.
 */
function exportPath(
  kind: 'dataset' | 'widget',
  r: { id: string; name: string; scoped?: boolean },
  names: readonly string[],
  filters: Json[],
): Json {
  const errors = errorResponses(kind) as Record<string, Json>;
  const limited = errors['429'] as { content: Record<string, { examples: Json }> };
  const json = limited.content['application/json'];
  return {
    get: {
      tags: [`${kind}s`],
      operationId: `export_${kind}_${r.id}`,
      summary: `${r.name} (export)`,
      description:
        `Every row of the ${kind} "${r.name}" that the same request without current and size would match ` +
        `(filters, _sort and _fields apply), as a CSV, NDJSON or XLSX download, streamed. Counts as one request; ` +
        `a key runs at most 2 exports at a time.` +
        (r.scoped ? SCOPED_DOC : ''),
      parameters: [
        {
          name: 'format',
          in: 'query',
          required: true,
          description:
            'csv: RFC 4180 with a header row, UTF-8; ndjson: one JSON object a line, values as in the JSON ' +
            'response; xlsx: one sheet with typed cells (integers beyond 2^53 as text).',
          schema: { type: 'string', enum: ['csv', 'ndjson', 'xlsx'] },
        },
        ...commonParameters(names).filter((p) => p.name !== 'current' && p.name !== 'size'),
        ...filters,
      ],
      responses: {
        '200': {
          description: 'The file, as an attachment named after the resource',
          headers: {
            ...RATE_HEADERS,
            'X-Dataset-Version': VERSION_HEADERS['X-Dataset-Version'],
            'Content-Disposition': {
              description: 'attachment; filename="<name>.<ext>" (and filename* in UTF-8 for a non-ASCII name)',
              schema: { type: 'string' },
            },
          },
          content: {
            'text/csv': { schema: { type: 'string' } },
            'application/x-ndjson': { schema: { type: 'string' } },
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
              schema: { type: 'string', contentMediaType: 'application/octet-stream' },
            },
          },
        },
        ...errors,
        '429': {
          ...limited,
          description:
            "The key's requests per minute are used up, or the key already runs 2 exports; Retry-After says " +
            'when to retry.',
          content: {
            'application/json': {
              ...json,
              examples: {
                ...json.examples,
                exports: {
                  value: errorExample(429, 'Too many exports at once: this API key runs at most 2 exports at a time.'),
                },
              },
            },
          },
        },
      },
    },
  };
}

const ODATA_SECURITY = [{ apikey: [] }, { bearer: [] }, { basic: [] }];
const ODATA_ERRORS = {
  '401': { description: 'No key, or not a valid one; carries `WWW-Authenticate: Basic realm="datagate"`' },
  '501': { description: 'A query option or path the feed does not support, in the OData error body' },
};

/**
 * The OData v4 feed (spec section 11) over the same bound resources: its service document,
 * its metadata and an entity set per resource, named in the service document.
 */
const ODATA_PATHS: Json = {
  '/odata/': {
    get: {
      tags: ['odata'],
      operationId: 'odataServiceDocument',
      summary: 'OData service document',
      description:
        'The entity sets this key reads: one per bound dataset and widget, named after the resource. In Excel or ' +
        'Power BI: Get Data › OData feed, this URL, Basic credentials with the key as the password.',
      security: ODATA_SECURITY,
      responses: { '200': { description: 'The service document (OData JSON)' }, ...ODATA_ERRORS },
    },
  },
  '/odata/$metadata': {
    get: {
      tags: ['odata'],
      operationId: 'odataMetadata',
      summary: 'OData metadata (CSDL XML)',
      security: ODATA_SECURITY,
      responses: { '200': { description: 'The entity types and sets, as CSDL XML' }, ...ODATA_ERRORS },
    },
  },
  '/odata/{entitySet}': {
    get: {
      tags: ['odata'],
      operationId: 'odataEntitySet',
      summary: 'The rows of one entity set',
      description:
        'At most 1,000 entities a response, then `@odata.nextLink`. Query options: `$select`, `$filter`, ' +
        '`$orderby`, `$top`, `$skip`, `$count=true`; results limited as on the `/api/` routes.',
      security: ODATA_SECURITY,
      parameters: [
        {
          name: 'entitySet',
          in: 'path',
          required: true,
          description: 'A name from the service document',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '200': { description: 'A page of entities (OData JSON)' },
        '404': { description: 'No such entity set for this key' },
        ...ODATA_ERRORS,
      },
    },
  },
};

/**
 * The OpenAPI 3.1 document for one key (spec section 2, `/api/openapi.json`): one path
 * per bound dataset and widget, each filterable field a documented query parameter.
 * Pure: the caller gathers the key's name and bound resources.
 */
export function keyOpenApi(input: KeyOpenApiInput): Json {
  const paths: Json = {};
  for (const ds of input.datasets) {
    paths[`/api/dataset/${ds.id}`] = datasetPath(ds);
    const names = ds.fields.map((f) => f.name);
    paths[`/api/dataset/${ds.id}/export`] = exportPath('dataset', ds, names, filterParameters(ds.fields, 'field'));
  }
  for (const w of input.widgets) {
    paths[`/api/widget/${w.id}`] = widgetPath(w);
    const names = w.columns.map((c) => c.name);
    paths[`/api/widget/${w.id}/export`] = exportPath('widget', w, names, filterParameters(w.columns, 'column'));
  }
  // The feed lists what the key reads: with nothing bound, it has nothing to offer.
  if (input.datasets.length + input.widgets.length > 0) Object.assign(paths, ODATA_PATHS);
  return {
    openapi: '3.1.0',
    info: {
      title: `datagate public API — ${input.keyName}`,
      version: '1',
      description:
        'The datasets and widgets this key may read. ' +
        'Send the key in the `apikey` header (or as `Authorization: Bearer <key>`). ' +
        'Every parameter other than current, size and the options beginning with `_` filters on the field of ' +
        'that name; filters are ANDed.',
    },
    servers: [{ url: input.baseUrl }],
    security: [{ apikey: [] }, { bearer: [] }],
    tags: [
      { name: 'datasets', description: 'Pages of rows' },
      { name: 'widgets', description: 'Pages of a saved aggregation’s result' },
      { name: 'odata', description: 'The same resources as an OData v4 feed, for Excel and Power BI' },
    ],
    paths,
    components: {
      securitySchemes: {
        apikey: { type: 'apiKey', in: 'header', name: 'apikey' },
        bearer: { type: 'http', scheme: 'bearer' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'OData feed only: any user name, the key as the password (what Excel and Power BI send)',
        },
      },
      schemas: {
        ErrorEnvelope: {
          type: 'object',
          required: ['code', 'msg', 'data'],
          properties: { code: { type: 'integer' }, msg: { type: 'string' }, data: { type: 'array', maxItems: 0 } },
        },
        GatewayError: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
      },
    },
  };
}
