import type { Fixture, FxDataset, FxKey, FieldType } from './fixture.ts';
import type { Intent } from './oracle.ts';
import type { Random } from './random.ts';
import type { WireRequest } from './wire.ts';

/**
 * Classes of hostile input that hit defects known today and being fixed. A run leaves
 * out every request of a class listed here; empty this list as the fixes land.
 * - `bad-encoding`: a malformed percent-encoding in the path (`/api/dataset/%FF`):
 *   Fastify's own body, without a request id;
 * - `oversize`: an over-long URL or header block: a bare 414/431 or a reset;
 * - `nul`: a NUL character in a filter value or an admin JSON body: 500 on PostgreSQL;
 * - `sum-overflow`: a widget summing 64-bit integers past 2^63: 500 on SQLite;
 * - `bad-method`: a method token the HTTP parser refuses: a bare 400 without request id;
 * - `oversize-body`: a body above the body limit: 413, sometimes a reset before the answer;
 * - `admin-api-slash`: `/admin/api/` falls through to the console's catch-all route
 *   (an HTML page, 503 while the console is not built) instead of the admin API's 404;
 * - `request-id-junk`: an `X-Request-Id` that is not a plain token (spaces, `<x>`, `é`,
 *   129 characters, two of them): echoed as it came (Fastify's `requestIdHeader` takes
 *   the header as it is, the server's own check in `genReqId` never runs).
 */
export const KNOWN_DEFECT_CLASSES: readonly string[] = [];

/** Every class the generator tags requests with. */
export const DEFECT_CLASSES = [
  'bad-encoding',
  'oversize',
  'nul',
  'sum-overflow',
  'bad-method',
  'oversize-body',
  'request-id-junk',
  'admin-api-slash',
] as const;

export interface Generated {
  readonly request: WireRequest;
  readonly intent: Intent;
  /** The defect classes this request belongs to, plus what it exercises (for the report). */
  readonly classes: ReadonlySet<string>;
  /** A label for counting: `public dataset GET`, `admin POST /admin/api/widgets`, … */
  readonly label: string;
}

/** What the generator learns from answers: upload ids to confirm. */
export interface GenState {
  /** Uploads answered 201, and whether their bytes hold a NUL (class `nul` when loaded). */
  uploads: { id: string; nul: boolean }[];
}

/** What a request id may be: a plain token, at most 128 characters (as the server's own check). */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

class Ctx {
  readonly classes = new Set<string>();
  constructor(readonly r: Random) {}
  tag(c: string): void {
    this.classes.add(c);
  }
}

const JUNK_VALUES = [
  '',
  ' ',
  '  x  ',
  'abc',
  '0',
  '-0',
  '1e400',
  '1e-400',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x10',
  '1_000',
  '١٢٣',
  '99999999999999999999999',
  '-9223372036854775809',
  '9223372036854775807',
  '18446744073709551616',
  '1.5e18',
  '1,2,3,4,5',
  ',',
  ',,',
  ',,,',
  '1,',
  ',1',
  '2023-13-45',
  '2023-02-30',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '2023-02-01T10:00:00+25:00',
  '2023-02-01T25:61:00Z',
  '2023-02-01 10:00',
  '20230201',
  'true,false',
  'maybe',
  'TRUE',
  'yes',
  "' OR 1=1 --",
  '"; DROP TABLE datasets; --',
  '\\',
  '\\,',
  'a\\,b',
  '%',
  '_',
  '%%',
  '%_%',
  '*',
  '?',
  'É',
  'é',
  'ß',
  'İ',
  '🙂',
  '\u202etxt',
  'ＡＢＣ',
  'null',
  'undefined',
  '[]',
  '{}',
  '<script>alert(1)</script>',
  '${7*7}',
  '\t',
  '\r\n',
  'a\\b',
  'C:\\dir',
  '\\\\,\\,',
  'x\\',
  'Open,New',
  '2023-02-01,2023-02-01T10:00:00Z,',
  'true,0,',
];

const OPERATORS = [
  '[eq]',
  '[ne]',
  '[in]',
  '[contains]',
  '[EQ]',
  '[bogus]',
  '[]',
  '[eq][ne]',
  '[',
  ']',
  '[gt]',
  '[in][in]',
  '[eq]]',
  '[e\\q]',
  '[ne] ',
];

/**
 * A comma list of samples or junk: an `[in]` list, or intervals. Sometimes past the 500
 * values an `[in]` list may hold, or long enough for thousands of intervals; some commas escaped.
 */
function valueList(r: Random, pool: readonly string[], inBody: boolean): string {
  // Long lists mostly in bodies: in a URL they are past the HTTP parser's limit.
  const n = r.weighted<number>([
    [6, r.int(2, 20)],
    [1, r.int(490, 510)],
    [inBody ? 6 : 0.5, r.int(2000, 4000)],
  ]);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(r.chance(0.1) ? r.pick(pool).replaceAll(',', '\\,') : r.pick(pool));
  return items.join(',');
}

function longText(r: Random, n: number): string {
  const alphabet = ['a', 'é', '🙂', ',', ' ', '%', '1'];
  let s = '';
  while (s.length < n) s += r.pick(alphabet);
  return s;
}

/** A value for a filter on a field of this type. */
function filterValue(c: Ctx, d: FxDataset | undefined, field: string, inBody: boolean): string {
  const r = c.r;
  const kind = r.weighted<string>([
    [6, 'sample'],
    [5, 'junk'],
    [1, 'long'],
    [0.6, 'nul'],
    [0.4, 'huge'],
    [inBody ? 4 : 1, 'list'],
  ]);
  const s = d && Object.hasOwn(d.samples, field) ? d.samples[field] : undefined;
  const samples = Array.isArray(s) && s.length > 0 ? s : JUNK_VALUES;
  if (kind === 'sample') return r.pick(samples);
  if (kind === 'list') {
    // The samples' single values: a list of them parses for the field's type.
    const atoms = samples.flatMap((v) => v.split(',')).filter((v) => v !== '');
    const list = valueList(r, r.chance(0.8) && atoms.length > 0 ? atoms : JUNK_VALUES, inBody);
    // A long list is past the HTTP parser's URL limit, unless it travels in a body.
    if (!inBody && list.length > 12_000) c.tag('oversize');
    return list;
  }
  if (kind === 'junk') return r.pick(JUNK_VALUES);
  if (kind === 'long') return longText(r, r.int(100, 3000));
  if (kind === 'nul') {
    c.tag('nul');
    return r.pick(['a\u0000b', '\u0000', '1\u0000', '2023-01-01\u0000', 'true\u0000']);
  }
  // Past the HTTP parser's URL limit, unless it travels in a body.
  if (!inBody) c.tag('oversize');
  return longText(r, r.int(17_000, 40_000));
}

function fieldName(c: Ctx, fields: readonly { name: string }[]): string {
  const r = c.r;
  const f = fields.length > 0 ? r.pick(fields).name : 'x';
  return r.weighted<string>([
    [8, f],
    [2, f.toUpperCase()],
    [3, f + r.pick(OPERATORS)],
    [1, 'nope'],
    [0.5, ''],
    [0.5, ' ' + f + ' '],
    [0.5, f + '\u00e9'],
    [0.3, '__proto__'],
    [0.3, 'constructor'],
  ]);
}

function fieldList(c: Ctx, fields: readonly { name: string }[], signs: boolean): string {
  const r = c.r;
  const n = r.int(0, 4);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const f = r.weighted<string>([
      [6, fields.length > 0 ? r.pick(fields).name : 'x'],
      [1, 'nope'],
      [1, ''],
      [0.5, '-'],
      [0.5, '--x'],
      [0.5, '+id'],
    ]);
    parts.push(signs && r.chance(0.4) ? '-' + f : f);
  }
  return r.chance(0.1) ? parts.join(',,') : parts.join(',');
}

/** The parameters of a public read (or an admin `rows`): [name, value] pairs, repeats allowed. */
function readParams(
  c: Ctx,
  d: FxDataset | undefined,
  fields: readonly { name: string }[],
  inBody: boolean,
): [string, string][] {
  const r = c.r;
  const out: [string, string][] = [];
  const paging = [
    '',
    '0',
    '1',
    '2',
    '3',
    '-1',
    '1.5',
    '1e3',
    '01',
    ' 2 ',
    'abc',
    '99999999999999999999',
    '2147483648',
    '9007199254740993',
    '50',
    '51',
    '1000000',
    '+1',
    '0x2',
    '١',
  ];
  if (r.chance(0.5)) out.push(['current', r.chance(0.6) ? String(r.int(1, 5)) : r.pick(paging)]);
  if (r.chance(0.5)) out.push(['size', r.chance(0.6) ? String(r.int(1, 60)) : r.pick(paging)]);
  const filters = r.weighted<number>([
    [4, 0],
    [4, 1],
    [2, 2],
    [1, 4],
  ]);
  for (let i = 0; i < filters; i++) {
    const name = fieldName(c, fields);
    const base = name.replace(/\[.*$/, '').trim();
    out.push([name, filterValue(c, d, base, inBody)]);
  }
  if (r.chance(0.25)) out.push(['_sort', fieldList(c, fields, true)]);
  if (r.chance(0.2)) out.push(['_fields', fieldList(c, fields, false)]);
  if (r.chance(0.05)) out.push(['_numbers', r.pick(['string', 'number', '', 'STRING'])]);
  if (r.chance(0.05)) out.push(['_count', r.pick(['exact', 'estimated', 'none', '', 'NONE', 'all', '1'])]);
  if (r.chance(0.05)) {
    // The start, a cursor's inside written in the clear (never sealed by the server), or junk.
    const clear = Buffer.from(`1.${d?.id ?? '1'}.${r.int(1, 3)}.${r.int(0, 300)}`).toString('base64url');
    out.push(['_after', r.pick(['', clear, clear.slice(1), `${clear}A`, 'A'.repeat(300), '-', r.pick(JUNK_VALUES)])]);
  }
  if (r.chance(0.04)) out.push([r.pick(['_unknown', '_', '__proto__', '_sort[eq]', 'apikey']), r.pick(['1', ''])]);
  // Repeats.
  if (out.length > 0 && r.chance(0.15)) out.push(r.pick(out));
  return out;
}

function encodeComponent(c: Ctx, s: string): string {
  const r = c.r;
  const style = r.weighted<string>([
    [8, 'standard'],
    [2, 'plus'],
    [1, 'all'],
    [1, 'bad'],
  ]);
  if (style === 'plus') return encodeURIComponent(s).replace(/%20/g, '+');
  if (style === 'all') return Buffer.from(s, 'utf8').toString('hex').replace(/(..)/g, '%$1').toUpperCase();
  if (style === 'bad') {
    // Malformed escapes in the query string (the path has its own class).
    return encodeURIComponent(s) + r.pick(['%', '%z', '%zz', '%FF', '%C3', '%E2%82', '%%', '%0']);
  }
  return encodeURIComponent(s);
}

function queryString(c: Ctx, params: [string, string][]): string {
  if (params.length === 0) return c.r.chance(0.05) ? '?' : '';
  const sep = c.r.chance(0.05) ? '&&' : '&';
  return '?' + params.map(([k, v]) => `${encodeComponent(c, k)}=${encodeComponent(c, v)}`).join(sep);
}

/** A path segment for an id: usually as it is, sometimes mangled. */
function idSegment(c: Ctx, id: string): { seg: string; decoded: string } {
  const r = c.r;
  const kind = r.weighted<string>([
    [12, 'plain'],
    [1, 'encoded'],
    [1, 'junk'],
    [0.6, 'bad'],
    [0.3, 'long'],
  ]);
  if (kind === 'plain') return { seg: id, decoded: id };
  if (kind === 'encoded')
    return { seg: id.replace(/./g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase()), decoded: id };
  if (kind === 'long') {
    const s = '9'.repeat(r.int(90, 3000));
    // Past Fastify's 100-character limit on a path parameter.
    if (s.length > 100) c.tag('oversize');
    return { seg: s, decoded: s };
  }
  if (kind === 'bad') {
    c.tag('bad-encoding');
    const s = r.pick(['%FF', '%', '%zz', id + '%', '%C3%28', '%E0%80%AF', '%00']);
    return { seg: s, decoded: s };
  }
  const j = r.pick([
    '0',
    '-1',
    'abc',
    '..',
    '.',
    '%2e%2e',
    '..%2F..%2Fadmin',
    '%20' + id,
    id + '%20',
    '1e18',
    id + ';x',
    '%C3%A9',
    '%F0%9F%99%82',
    "1'OR'1'='1",
    'é',
    ' ',
  ]);
  // Raw bytes the HTTP parser refuses in a request line.
  if (j === 'é' || j === ' ') c.tag('bad-encoding');
  return { seg: j, decoded: safeDecode(j) };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

type Auth = { headers: Record<string, string | string[]>; key?: FxKey; query?: string };

function publicAuth(c: Ctx, fx: Fixture): Auth {
  const r = c.r;
  const k = r.pick(fx.keys);
  const kind = r.weighted<string>([
    [14, 'apikey'],
    [3, 'bearer'],
    [1, 'Apikey'],
    [1, 'missing'],
    [1, 'invalid'],
    [0.5, 'query'],
    [0.5, 'truncated'],
    [0.5, 'case'],
    [0.3, 'empty'],
    [0.3, 'double'],
    [0.3, 'bearer-odd'],
    [0.3, 'basic'],
    [0.2, 'long'],
  ]);
  switch (kind) {
    case 'apikey':
      return { headers: { apikey: k.secret }, key: k };
    case 'bearer':
      return { headers: { authorization: `Bearer ${k.secret}` }, key: k };
    case 'Apikey':
      return { headers: { APIKEY: k.secret }, key: k };
    case 'missing':
      return { headers: {} };
    case 'invalid':
      return { headers: { apikey: 'dgk_' + '0'.repeat(32) } };
    case 'query':
      return { headers: {}, query: `apikey=${encodeURIComponent(k.secret)}` };
    case 'truncated':
      return { headers: { apikey: k.secret.slice(0, -1) } };
    case 'case':
      return { headers: { apikey: k.secret.toUpperCase() } };
    case 'empty':
      return { headers: { apikey: '' } };
    case 'double':
      return { headers: { apikey: [k.secret, k.secret] }, key: k };
    case 'bearer-odd':
      return {
        headers: {
          authorization: r.pick([
            'Bearer',
            'Bearer ',
            'bearer ' + k.secret.slice(0, 8),
            'Token ' + k.secret,
            'Bearer  ' + 'x'.repeat(300),
          ]),
        },
      };
    case 'basic':
      return { headers: { authorization: 'Basic ' + Buffer.from(`u:${k.secret}`).toString('base64') } };
    default:
      return { headers: { apikey: 'x'.repeat(r.int(200, 5000)) } };
  }
}

/** Extra headers: request ids, junk, sometimes far too many or too long. */
function extraHeaders(c: Ctx): Record<string, string | string[]> {
  const r = c.r;
  const h: Record<string, string | string[]> = {};
  if (r.chance(0.3)) {
    const id = r.pick([
      'fuzz-1',
      'a'.repeat(128),
      '0',
      'id:1.2_3-4',
      'a'.repeat(129),
      '',
      ' ',
      'with space',
      '../../etc',
      'é',
      '<x>',
      '\t',
      '{"a":1}',
    ]);
    if (!REQUEST_ID.test(id)) c.tag('request-id-junk');
    h['x-request-id'] = id;
  }
  if (r.chance(0.05)) {
    c.tag('request-id-junk');
    h['x-request-id'] = ['one', 'two'];
  }
  if (r.chance(0.1)) h.accept = r.pick(['text/html', '*/*', 'application/xml', '', 'application/json;q=0']);
  if (r.chance(0.05)) h['x-forwarded-for'] = r.pick(['1.2.3.4', 'junk', '::1, 10.0.0.1', '999.999.1.1']);
  if (r.chance(0.05)) h.cookie = r.pick(['dg_session=junk', 'dg_session=', '=;=;', 'a'.repeat(1000)]);
  if (r.chance(0.03)) h.origin = r.pick(['https://evil.example', 'null']);
  if (r.chance(0.03)) h['if-none-match'] = r.pick(['*', '"x"', 'W/"1"']);
  if (r.chance(0.015)) {
    c.tag('oversize');
    if (r.chance(0.5)) h['x-junk'] = 'x'.repeat(r.int(17_000, 70_000));
    else for (let i = 0; i < 2100; i++) h[`x-h${i}`] = 'v'.repeat(10);
  }
  return h;
}

interface Body {
  body?: Buffer;
  headers: Record<string, string>;
}

/** A POST body for a public read: the params in every content type, and junk. */
function publicBody(c: Ctx, params: [string, string][]): Body {
  const r = c.r;
  const kind = r.weighted<string>([
    [6, 'json'],
    [4, 'form'],
    [1, 'json-typed'],
    [1, 'json-bad'],
    [0.6, 'other-type'],
    [0.5, 'none-type'],
    [0.4, 'huge'],
    [0.3, 'deep'],
    [0.5, 'charset'],
  ]);
  const obj = Object.fromEntries(params);
  switch (kind) {
    case 'json':
      return { body: Buffer.from(JSON.stringify(obj)), headers: { 'content-type': 'application/json' } };
    case 'form':
      return {
        body: Buffer.from(params.map(([k, v]) => `${encodeComponent(c, k)}=${encodeComponent(c, v)}`).join('&')),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      };
    case 'json-typed': {
      const o: Record<string, unknown> = { ...obj };
      o[r.pick(['size', 'current', 'name', 'price', '_sort', 'active'])] = r.pick<unknown>([
        5,
        -1,
        1.5,
        true,
        null,
        [1, 2],
        { a: 1 },
        Number.POSITIVE_INFINITY,
        '',
      ]);
      return { body: Buffer.from(JSON.stringify(o)), headers: { 'content-type': 'application/json' } };
    }
    case 'json-bad':
      return {
        body: Buffer.from(
          r.pick([
            '{',
            '[]',
            '"s"',
            '1',
            'null',
            '',
            '{"a":}',
            '{"a":"\\ud800"}',
            '\ufeff{}',
            '{"__proto__":{"x":"1"}}',
            '{"size":"1","size":"2"}',
          ]),
        ),
        headers: { 'content-type': 'application/json' },
      };
    case 'other-type':
      return {
        body: Buffer.from('size=2'),
        headers: {
          'content-type': r.pick([
            'text/plain',
            'multipart/form-data; boundary=x',
            'application/xml',
            'application/octet-stream',
            'application/json, text/html',
            'application/',
            ';',
            'application/jsonx',
            'APPLICATION/JSON',
          ]),
        },
      };
    case 'none-type':
      return { body: Buffer.from(r.chance(0.5) ? '{"size":"2"}' : 'size=2'), headers: {} };
    case 'huge':
      c.tag('oversize-body');
      return {
        body: Buffer.from(JSON.stringify({ name: 'x'.repeat(r.int(60_000, 200_000)) })),
        headers: { 'content-type': 'application/json' },
      };
    case 'deep': {
      const n = r.int(100, 5000);
      return {
        body: Buffer.from('{"a":'.repeat(n) + '1' + '}'.repeat(n)),
        headers: { 'content-type': 'application/json' },
      };
    }
    default:
      return {
        body: Buffer.from(JSON.stringify(obj)),
        headers: {
          'content-type': r.pick([
            'application/json; charset=utf-8',
            'application/json; charset=latin1',
            'application/json; charset=utf-16',
            'application/x-www-form-urlencoded; charset=iso-8859-1',
          ]),
        },
      };
  }
}

function method(c: Ctx, usual: string[]): string {
  const r = c.r;
  const m = r.weighted<string>([
    [20, r.pick(usual)],
    [1, 'PUT'],
    [1, 'DELETE'],
    [1, 'PATCH'],
    [1, 'OPTIONS'],
    [1, 'HEAD'],
    [0.3, 'PROPFIND'],
    [0.3, 'TRACE'],
    [0.2, 'BREW'],
  ]);
  if (m === 'BREW') c.tag('bad-method');
  return m;
}

// ---- Public requests -------------------------------------------------------------------

function publicRead(c: Ctx, fx: Fixture): Generated {
  const r = c.r;
  const type = r.weighted<'dataset' | 'widget'>([
    [3, 'dataset'],
    [2, 'widget'],
  ]);
  const auth = publicAuth(c, fx);
  // Mostly a resource of the key's, else any of either tenant, else junk.
  const pool: readonly { id: string }[] = type === 'dataset' ? fx.datasets : fx.widgets;
  const own = pool.filter((p) => (type === 'dataset' ? auth.key?.datasets : auth.key?.widgets)?.has(p.id));
  const id =
    own.length > 0 && r.chance(0.75)
      ? r.pick(own).id
      : r.chance(0.9)
        ? r.pick(pool).id
        : String(1000000000000000000n + BigInt(r.int(0, 1e9)));
  const w = fx.widgets.find((x) => x.id === id);
  if (w?.defect) c.tag(w.defect);
  const seg = idSegment(c, id);
  const d = type === 'dataset' ? fx.datasets.find((x) => x.id === id) : undefined;
  const fields = type === 'dataset' ? (d?.fields ?? []) : (w?.columns.map((x) => ({ name: x.label })) ?? []);
  const m = method(c, ['GET', 'GET', 'POST']);
  const inBody = m === 'POST' && r.chance(0.7);
  const params = readParams(c, d, fields, inBody);
  let qs = inBody ? '' : queryString(c, params);
  if (auth.query) qs += (qs ? '&' : '?') + auth.query;
  const suffix = r.weighted<string>([
    [30, ''],
    [1, '/'],
    [0.5, '/x'],
    [0.3, '/export'],
    [0.3, '//'],
  ]);
  const path = `/api/${type}/${seg.seg}${suffix}${qs}`;
  const headers: Record<string, string | string[]> = { ...auth.headers, ...extraHeaders(c) };
  let body: Buffer | undefined;
  if (m === 'POST' || (m !== 'GET' && r.chance(0.2))) {
    const b = publicBody(c, inBody ? params : []);
    body = b.body;
    Object.assign(headers, b.headers);
  } else if (r.chance(0.03)) {
    headers['content-type'] = 'application/json';
    body = Buffer.from('{"size":"1"}');
  }
  const routed = suffix === '' || suffix === '/';
  const target = routed && (m === 'GET' || m === 'POST' || m === 'HEAD') ? { type, id: seg.decoded } : undefined;
  return {
    request: { method: m, path, headers, body },
    intent: { area: 'public', method: m, key: auth.key, target },
    classes: c.classes,
    label: `public ${type} ${m}`,
  };
}

function publicOther(c: Ctx, fx: Fixture): Generated {
  const r = c.r;
  const auth = publicAuth(c, fx);
  const which = r.pick(['datasets', 'widgets', 'openapi', 'misc', 'misc', 'ops']);
  const m = method(c, ['GET']);
  let path: string;
  let listing: Intent['listing'];
  let area: Intent['area'] = 'public';
  if (which === 'datasets' || which === 'widgets') {
    path = `/api/${which}${r.pick(['', '', '/', '?size=1', '?x=%FF'])}`;
    listing = which;
  } else if (which === 'openapi') {
    path = `/api/openapi.json${r.pick(['', '?a=1'])}`;
    listing = 'openapi';
  } else if (which === 'misc') {
    path = r.pick([
      '/api',
      '/api/',
      '/api/dataset',
      '/api/dataset/',
      '/API/dataset/1',
      '//api/datasets',
      '/api/datasetsx',
      '/api/dataset/1/2/3',
      '/nope',
      '/api/odata',
      '/odata/',
      '/odata/$metadata',
      '/api/widget',
      '/.env',
      '/api/../admin/api/keys',
      '/%2e%2e/admin/api/keys',
      '/api/dataset/1?current=1&current=2',
    ]);
    // The OData feed answers in its own error body (spec section 11).
    if (path.startsWith('/odata')) area = 'odata';
  } else {
    area = 'other';
    path = r.pick(['/healthz', '/readyz', '/metrics', '/healthz?x=1']);
  }
  const headers: Record<string, string | string[]> = { ...auth.headers, ...extraHeaders(c) };
  return {
    request: { method: m, path, headers },
    intent: { area, method: m, key: auth.key, listing },
    classes: c.classes,
    label: area === 'other' ? `ops ${m}` : `public ${which} ${m}`,
  };
}

// ---- Admin requests --------------------------------------------------------------------

const TICKET_FIELD_NAMES = ['marker', 'id', 'name', 'Real Name', 'price', 'active', 'day', 'at', 'note'];

function adminText(c: Ctx): string {
  const r = c.r;
  const k = r.weighted<string>([
    [6, 'ok'],
    [2, 'junk'],
    [1, 'long'],
    [0.4, 'nul'],
  ]);
  if (k === 'ok') return r.pick(['Fuzz name', 'Zoë', '李雷', 'x', 'a b c']);
  if (k === 'junk') return r.pick(JUNK_VALUES);
  if (k === 'long') return longText(r, r.int(150, 5000));
  c.tag('nul');
  return 'a\u0000b';
}

function adminId(c: Ctx, fx: Fixture, own: readonly string[], foreign: readonly string[]): string {
  const r = c.r;
  const k = r.weighted<string>([
    [6, 'own'],
    [3, 'foreign'],
    [1, 'junk'],
  ]);
  if (k === 'own' && own.length > 0) return r.pick(own);
  if (k === 'foreign' && foreign.length > 0) return r.pick(foreign);
  const j = r.pick(['0', 'abc', '1234567890123456789', '-1', 'é', '..', 'x'.repeat(300), '99999999999999999999999999']);
  // Past Fastify's 100-character limit on a path parameter.
  if (j.length > 100) c.tag('oversize');
  return j;
}

function widgetSpec(c: Ctx, fx: Fixture): unknown {
  const r = c.r;
  const ds = r.weighted<string>([
    [8, fx.admin.datasets[0]],
    [1, fx.admin.datasets[1]],
    [1, r.pick(fx.datasets).id],
    [0.5, 'nope'],
  ]);
  const big = ds === fx.admin.datasets[1];
  const field = () =>
    big
      ? r.pick(['marker', 'big', 'nope'])
      : r.weighted<string>([
          [8, r.pick(TICKET_FIELD_NAMES)],
          [1, 'nope'],
          [0.5, ''],
        ]);
  const measures = [];
  for (let i = 0, n = r.int(0, 3); i < n; i++) {
    const agg = r.weighted<string>([
      [8, r.pick(['count', 'count_distinct', 'sum', 'avg', 'min', 'max'])],
      [1, 'median'],
      [0.5, ''],
    ]);
    const f = field();
    // Both `big` and the tickets' `id` hold 19-digit integers: their sum passes 2^63.
    if ((f === 'big' || f === 'id') && agg === 'sum') c.tag('sum-overflow');
    measures.push({
      agg,
      ...(agg === 'count' && r.chance(0.7) ? {} : { field: f }),
      label: r.chance(0.9) ? `M${i}` : 'M0',
    });
  }
  const dimensions = [];
  for (let i = 0, n = r.int(0, 2); i < n; i++) {
    dimensions.push({
      field: field(),
      label: r.chance(0.9) ? `D${i}` : 'M0',
      ...(r.chance(0.3) ? { bucket: r.pick(['day', 'week', 'month', 'quarter', 'year', 'hour', '']) } : {}),
    });
  }
  const spec: Record<string, unknown> = {
    name: adminText(c),
    dataset: ds,
    chart: r.pick(['table', 'bar', 'line', 'pie', 'number', 'radar']),
    dimensions,
    measures,
  };
  if (r.chance(0.3)) {
    const v = filterValue(c, undefined, '', true);
    spec.filter = `${r.pick(TICKET_FIELD_NAMES)}${r.chance(0.3) ? r.pick(OPERATORS) : ''}=${v}`;
  }
  if (r.chance(0.3)) spec.sort = r.pick(['-M0', 'D0', 'nope', '', '-', 'M0,D0']);
  if (r.chance(0.3)) spec.limit = r.pick<unknown>([1, 0, -1, 1e9, 1.5, 'x', null, 100]);
  if (r.chance(0.05)) spec.dimensions = r.pick<unknown>(['x', null, {}, [1]]);
  if (r.chance(0.05)) delete spec.measures;
  return spec;
}

function uploadBody(c: Ctx): { filename: string; body: Buffer } {
  const r = c.r;
  const filename = r.weighted<string>([
    [8, r.pick(['t.csv', 't.json', 't.ndjson', 'T.JSONL', 'T.CSV'])],
    [1, r.pick(['t.txt', '', 'csv', '../../x.csv', 'é.csv', 'a b.csv', 'x.csv.exe'])],
  ]);
  const kind = r.weighted<string>([
    [6, 'csv'],
    [2, 'json'],
    [2, 'ndjson'],
    [1, 'junk'],
    [0.3, 'nul'],
    [0.3, 'big'],
  ]);
  let text: string;
  if (kind === 'csv')
    text = r.pick([
      'a,b\n1,x\n2,y\n',
      'id,when,ok\n1,2023-01-01,true\n2,,false\n',
      'a,a\n1,2\n',
      '"a\n1\n',
      'a,b\n1\n',
      '\ufeffa;b\n1;2\n',
      'x\n' + '1\n'.repeat(500),
      'n\n99999999999999999999999\n',
    ]);
  else if (kind === 'json')
    text = r.pick(['[{"a":1,"b":"x"}]', '[]', '{}', '[1,2]', '[{"a":{"b":1}}]', '[{"a":1},{"a":"x"}]', '[{"":1}]']);
  else if (kind === 'ndjson') text = r.pick(['{"a":1}\n{"a":2}\n', '{"a":1}\nnot json\n', '\n\n', '{"a":1e999}\n']);
  else if (kind === 'junk')
    text = Buffer.from(Array.from({ length: r.int(1, 2000) }, () => r.int(0, 255))).toString('latin1');
  else if (kind === 'nul') {
    c.tag('nul');
    text = 'a,b\n1,x\u0000y\n';
  } else text = 'a,b\n' + `1,${'x'.repeat(1000)}\n`.repeat(r.int(100, 800));
  const body = Buffer.from(text, kind === 'junk' ? 'latin1' : 'utf8');
  if (body.includes(0)) c.tag('nul');
  return { filename, body };
}

function adminRequest(c: Ctx, fx: Fixture, state: GenState): Generated {
  const r = c.r;
  const A = fx.admin;
  const foreignDs = fx.datasets.map((d) => d.id);
  const foreignW = fx.widgets.map((w) => w.id);
  const foreignK = fx.keys.map((k) => k.id);
  const dsId = () => adminId(c, fx, A.datasets, foreignDs);
  const wId = () => adminId(c, fx, A.widgets, foreignW);
  const kId = () => adminId(c, fx, A.keys, foreignK);
  const upload = () => {
    if (state.uploads.length === 0 || !r.chance(0.8)) return adminText(c);
    const u = r.pick(state.uploads);
    if (u.nul) c.tag('nul');
    return u.id;
  };
  const rowsQs = () =>
    queryString(
      c,
      readParams(
        c,
        undefined,
        TICKET_FIELD_NAMES.map((name) => ({ name })),
        false,
      ),
    );
  const listQs = () =>
    queryString(c, [
      ...(r.chance(0.5) ? [['search', adminText(c)] as [string, string]] : []),
      ...(r.chance(0.3) ? [['sort', r.pick(['modified', 'name', 'x', ''])] as [string, string]] : []),
      ...(r.chance(0.3) ? [['order', r.pick(['asc', 'desc', 'x'])] as [string, string]] : []),
      ...(r.chance(0.3) ? [['page', r.pick(['1', '0', '-1', 'x', '99999999999'])] as [string, string]] : []),
      ...(r.chance(0.3) ? [['size', r.pick(['1', '500', '501', '0', 'x'])] as [string, string]] : []),
    ]);
  type Route = [number, string, () => { path: string; body?: unknown; raw?: Body }];
  const routes: Route[] = [
    [1, 'GET', () => ({ path: '/admin/api/setup' })],
    [0.5, 'POST', () => ({ path: '/admin/api/setup', body: { email: 'x@y.z', password: adminText(c) } })],
    [1, 'GET', () => ({ path: '/admin/api/session' })],
    [
      0.5,
      'POST',
      () => ({
        path: '/admin/api/session',
        body: { email: r.pick(['nobody@x.example', 'fuzz-alpha@alpha.example', '', 'é']), password: adminText(c) },
      }),
    ],
    [2, 'GET', () => ({ path: '/admin/api/settings' })],
    [
      0.5,
      'PUT',
      () => ({
        path: '/admin/api/settings/public-api',
        body: { enabled: r.pick<unknown>([true, false, 'yes', null, 1]) },
      }),
    ],
    [2, 'GET', () => ({ path: '/admin/api/keys' })],
    [
      1,
      'POST',
      () => ({
        path: '/admin/api/keys',
        body: {
          name: adminText(c),
          type: r.pick(['Custom', 'x']),
          description: adminText(c),
          rateLimit: r.pick<unknown>([60, 0, -1, 1.5, 'x', 1e12]),
        },
      }),
    ],
    [2, 'GET', () => ({ path: `/admin/api/keys/${enc(kId())}` })],
    [
      1,
      'PATCH',
      () => ({
        path: `/admin/api/keys/${enc(kId())}`,
        body: { name: adminText(c), ...(r.chance(0.5) ? { rateLimit: r.pick<unknown>([100, 0, 'x']) } : {}) },
      }),
    ],
    [0.3, 'DELETE', () => ({ path: `/admin/api/keys/${enc(adminId(c, fx, [], foreignK))}` })],
    [1, 'GET', () => ({ path: `/admin/api/keys/${enc(kId())}/secret` })],
    [
      1,
      'POST',
      () => ({
        path: `/admin/api/keys/${enc(kId())}/bindings`,
        body: {
          datasets: r.chance(0.7) ? [dsId()] : r.pick<unknown>(['x', null, [1]]),
          widgets: r.chance(0.5) ? [wId()] : [],
        },
      }),
    ],
    [
      0.5,
      'DELETE',
      () => ({ path: `/admin/api/keys/${enc(kId())}/bindings/${r.pick(['dataset', 'widget', 'x'])}/${enc(dsId())}` }),
    ],
    [1, 'GET', () => ({ path: `/admin/api/keys/${enc(kId())}/openapi.json` })],
    [2, 'GET', () => ({ path: `/admin/api/datasets${listQs()}` })],
    [2, 'GET', () => ({ path: `/admin/api/datasets/${enc(dsId())}` })],
    [
      1.5,
      'POST',
      () => {
        const u = uploadBody(c);
        return {
          path: `/admin/api/uploads?filename=${encodeURIComponent(u.filename)}`,
          raw: {
            body: u.body,
            headers: {
              'content-type': r.chance(0.9)
                ? 'application/octet-stream'
                : r.pick(['text/csv', 'application/json', 'multipart/form-data']),
            },
          },
        };
      },
    ],
    [
      1.5,
      'POST',
      () => ({
        path: '/admin/api/datasets',
        body: {
          uploadId: upload(),
          name: adminText(c),
          description: adminText(c),
          integrationGroup: adminText(c),
          ...(r.chance(0.3)
            ? {
                types: {
                  [r.pick(['a', 'b', 'id', 'x'])]: r.pick(['DATE', 'NUMBER', 'TEXT', 'BOOLEAN', 'DATETIME', 'X']),
                },
              }
            : {}),
        },
      }),
    ],
    [0.5, 'POST', () => ({ path: `/admin/api/datasets/${enc(dsId())}/reload`, body: { uploadId: upload() } })],
    [
      1,
      'PATCH',
      () => ({
        path: `/admin/api/datasets/${enc(dsId())}`,
        body: { name: adminText(c), integrationGroup: adminText(c) },
      }),
    ],
    [1, 'GET', () => ({ path: `/admin/api/datasets/${enc(dsId())}/impact` })],
    [0.2, 'DELETE', () => ({ path: `/admin/api/datasets/${enc(adminId(c, fx, [], foreignDs))}` })],
    [4, 'GET', () => ({ path: `/admin/api/datasets/${enc(dsId())}/rows${rowsQs()}` })],
    [2, 'GET', () => ({ path: `/admin/api/widgets${listQs()}` })],
    [1, 'GET', () => ({ path: `/admin/api/widgets/${enc(wId())}` })],
    [1.5, 'POST', () => ({ path: '/admin/api/widgets', body: widgetSpec(c, fx) })],
    [1, 'PUT', () => ({ path: `/admin/api/widgets/${enc(adminId(c, fx, [], foreignW))}`, body: widgetSpec(c, fx) })],
    [0.2, 'DELETE', () => ({ path: `/admin/api/widgets/${enc(adminId(c, fx, [], foreignW))}` })],
    [3, 'POST', () => ({ path: '/admin/api/widgets/preview', body: widgetSpec(c, fx) })],
    [
      2,
      'GET',
      () => {
        const id = wId();
        if (id === A.widgets[1]) c.tag('sum-overflow');
        return {
          path: `/admin/api/widgets/${enc(id)}/rows${queryString(
            c,
            readParams(
              c,
              undefined,
              ['Marker', 'Month', 'Count', 'Sum', 'Avg', 'Names'].map((name) => ({ name })),
              false,
            ),
          )}`,
        };
      },
    ],
    [1, 'GET', () => ({ path: '/admin/api/users' })],
    [
      0.5,
      'POST',
      () => ({
        path: '/admin/api/users',
        body: {
          email: r.pick([`u${r.int(0, 1e6)}@gamma.example`, 'fuzz-alpha@alpha.example', 'bad', '']),
          password: adminText(c),
        },
      }),
    ],
    [0.3, 'DELETE', () => ({ path: `/admin/api/users/${enc(r.chance(0.5) ? A.userId : adminId(c, fx, [], []))}` })],
    [
      1,
      'GET',
      () => ({
        path:
          '/admin/api/audit' +
          queryString(c, [
            ['page', r.pick(['1', '0', 'x', '2'])],
            ['size', r.pick(['1', '200', '201', 'x'])],
            ...(r.chance(0.3) ? [['action', adminText(c)] as [string, string]] : []),
          ]),
      }),
    ],
    [
      1,
      'GET',
      () => ({
        path:
          '/admin/api/usage' +
          (r.chance(0.7) ? `?hours=${r.pick(['1', '24', '720', '721', '0', 'x', '1.5', ''])}` : ''),
      }),
    ],
    [0.5, 'GET', () => ({ path: '/admin/api/openapi.json' })],
    [
      0.5,
      r.pick(['GET', 'POST', 'PUT']),
      () => ({
        path: r.pick(['/admin/api/nope', '/admin/api/', '/admin/api/keys/1/2/3', '/admin/api/datasets//rows']),
      }),
    ],
  ];
  const [, m0, make] = r.weighted(routes.map((x) => [x[0], x] as const));
  const made = make();
  const m = r.chance(0.04) ? r.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) : m0;
  // The session: mostly right; sometimes missing, wrong, or without its CSRF token.
  const auth = r.weighted<string>([
    [20, 'ok'],
    [1.5, 'no-csrf'],
    [1, 'bad-csrf'],
    [1.5, 'none'],
    [1, 'bad-cookie'],
    [0.5, 'bearer'],
  ]);
  const headers: Record<string, string | string[]> = { ...extraHeaders(c) };
  // Signing out would end the session the other requests use.
  const signOut = m === 'DELETE' && made.path === '/admin/api/session';
  if ((auth === 'ok' || auth === 'no-csrf' || auth === 'bad-csrf') && !signOut) headers.cookie = A.cookie;
  if (auth === 'bad-cookie' || signOut) headers.cookie = 'dg_session=' + r.pick(['junk', '', A.cookie.slice(11, -2)]);
  if (auth === 'bearer') headers.authorization = 'Bearer dgt_' + 'a'.repeat(40);
  if (auth === 'ok' && m !== 'GET') headers['x-csrf-token'] = A.csrf;
  if (auth === 'bad-csrf') headers['x-csrf-token'] = r.pick(['x', '', A.csrf.slice(0, -1)]);
  let body: Buffer | undefined;
  if (made.raw) {
    body = made.raw.body;
    Object.assign(headers, made.raw.headers);
  } else if (made.body !== undefined || (m !== 'GET' && m !== 'HEAD' && r.chance(0.2))) {
    const kind = r.weighted<string>([
      [12, 'json'],
      [1, 'bad-json'],
      [1, 'other-type'],
      [0.5, 'huge'],
      [0.5, 'non-object'],
      [0.3, 'deep'],
      [0.3, 'nul-key'],
    ]);
    if (kind === 'json') {
      body = Buffer.from(JSON.stringify(made.body ?? {}));
      headers['content-type'] = r.chance(0.9) ? 'application/json' : 'application/json; charset=utf-8';
    } else if (kind === 'bad-json') {
      body = Buffer.from(r.pick(['{', '{"a":', '', 'nul', '\ufeff{}', '{"a":"\\ud800"}']));
      headers['content-type'] = 'application/json';
    } else if (kind === 'other-type') {
      body = Buffer.from('name=x');
      headers['content-type'] = r.pick([
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      ]);
    } else if (kind === 'huge') {
      c.tag('oversize-body');
      body = Buffer.from(JSON.stringify({ name: 'x'.repeat(r.int(70_000, 300_000)) }));
      headers['content-type'] = 'application/json';
    } else if (kind === 'non-object') {
      body = Buffer.from(r.pick(['[]', '1', '"x"', 'null', 'true', '[{}]']));
      headers['content-type'] = 'application/json';
    } else if (kind === 'deep') {
      const n = r.int(100, 5000);
      body = Buffer.from('{"a":'.repeat(n) + '1' + '}'.repeat(n));
      headers['content-type'] = 'application/json';
    } else {
      c.tag('nul');
      body = Buffer.from(JSON.stringify({ ...(made.body as object), 'k\u0000': 'v\u0000' }));
      headers['content-type'] = 'application/json';
    }
  }
  const route = made.path.split('?')[0].replace(/\/(\d{6,}|[^/]*%[^/]*|x{50,}|é|abc|0|-1|\.\.)(?=\/|$)/g, '/{id}');
  return {
    request: { method: m, path: made.path, headers, body },
    intent: { area: 'admin', method: m },
    classes: c.classes,
    label: `admin ${m} ${route}`,
  };
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

/** One request; those of an excluded class are drawn again (up to a point). */
export function generate(r: Random, fx: Fixture, state: GenState, exclude: readonly string[]): Generated {
  for (let i = 0; ; i++) {
    const c = new Ctx(r);
    const kind = r.weighted<string>([
      [55, 'read'],
      [8, 'other'],
      [37, 'admin'],
    ]);
    const g = kind === 'read' ? publicRead(c, fx) : kind === 'other' ? publicOther(c, fx) : adminRequest(c, fx, state);
    // Node's HTTP parser takes at most 16 KiB of request line and headers.
    const head =
      g.request.path.length +
      Object.entries(g.request.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0);
    if (head > 15_000) c.tag('oversize');
    if (/^\/admin\/api\/(\?|$)/.test(g.request.path)) c.tag('admin-api-slash');
    if (!exclude.some((e) => g.classes.has(e)) || i > 1000) return g;
  }
}

export type { FieldType };
