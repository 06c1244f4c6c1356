import { Cron } from 'croner';
import { DomainError } from '../shared/errors.ts';

/** Where a live dataset's rows come from. */
export type SourceKind = 'postgres' | 'mysql' | 'http';

/** The formats an HTTP source may serve. */
export type HttpFormat = 'csv' | 'json' | 'ndjson';

/** A source as connected: the URL and headers in clear (only ever held in memory). */
export interface SourceSpec {
  readonly kind: SourceKind;
  readonly url: string;
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  /** '' = decided by the response's Content-Type or the URL's extension. */
  readonly format: HttpFormat | '';
  readonly recordsPath: string;
}

const SCHEMES: Record<string, SourceKind> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
  'http:': 'http',
  'https:': 'http',
};

// A query text is a statement, not a script; 100 KB is far above any hand-written one.
const MAX_QUERY_CHARS = 100_000;
// Headers carry a token or two; 50 is far above what any API asks for.
const MAX_HEADERS = 50;
const MASK = '****';
// A header's name: an HTTP token (RFC 9110).
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
// Header values shown in full: they describe the request and never carry a credential.
const PLAIN_HEADERS = new Set(['accept', 'accept-language', 'accept-encoding', 'content-type', 'user-agent']);
// Query parameters whose values are masked: the names APIs use for credentials.
const SECRET_PARAM = /pass|pwd|secret|token|key|auth|sig|credential|session|code/i;

function invalid(message: string): never {
  throw new DomainError('INVALID_INPUT', message);
}

/** The kind of source a URL names; refuses any scheme but postgres, mysql, http and https. */
export function sourceKindOf(url: string): SourceKind {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: it may carry a password.
    return invalid('the source URL is not a valid URL');
  }
  const kind = SCHEMES[parsed.protocol];
  if (!kind)
    invalid(`unsupported source scheme "${parsed.protocol}": expected postgres://, mysql://, https:// or http://`);
  if (!parsed.hostname) invalid('the source URL names no host');
  return kind;
}

/** Parses one `--header 'Name: value'`. */
export function parseHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = colon > 0 ? line.slice(0, colon).trim() : '';
  if (!HEADER_NAME.test(name)) invalid('a header is written "Name: value"');
  const value = line.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) invalid(`the value of header "${name}" holds a line break or NUL`);
  return [name, value];
}

/** Checks a source before anything is stored or fetched: scheme, query, headers, format. */
export function checkSource(spec: SourceSpec): SourceSpec {
  const kind = sourceKindOf(spec.url);
  if (kind !== spec.kind) invalid('the source kind does not match its URL');
  if (kind === 'http') {
    if (spec.query) invalid('--query is for postgres:// and mysql:// sources; an http(s) source serves a file');
    if (spec.recordsPath && spec.format && spec.format !== 'json')
      invalid('--records-path picks the array inside a JSON document: it needs --format json');
    if (Object.keys(spec.headers).length > MAX_HEADERS) invalid(`at most ${MAX_HEADERS} headers`);
    // As `--header` parses them: a name is an HTTP token, a value holds no line break.
    for (const [name, value] of Object.entries(spec.headers)) {
      if (!HEADER_NAME.test(name)) invalid(`headers: "${name.slice(0, 100)}" is not a header name`);
      if (/[\r\n\0]/.test(value)) invalid(`headers: the value of "${name}" holds a line break or NUL`);
    }
  } else {
    if (!spec.query.trim()) invalid(`a ${kind} source needs --query: the SELECT whose rows fill the dataset`);
    checkReadQuery(spec.query, kind);
    if (Object.keys(spec.headers).length > 0) invalid('--header is for http(s) sources');
    if (spec.format || spec.recordsPath) invalid('--format and --records-path are for http(s) sources');
  }
  return spec;
}

/**
 * The query's text with string literals, quoted names and comments blanked, so that
 * keywords and semicolons can be looked for in what is left.
 */
function codeOnly(query: string): string {
  let out = '';
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    const two = query.slice(i, i + 2);
    let end = -1;
    if (c === "'" || c === '"' || c === '`') {
      end = i + 1;
      while (end < query.length) {
        if (query[end] === '\\' && c === "'") end += 2;
        else if (query[end] === c && query[end + 1] === c) end += 2;
        else if (query[end] === c) break;
        else end++;
      }
      end = Math.min(end + 1, query.length);
    } else if (two === '--' || c === '#') {
      end = query.indexOf('\n', i);
      if (end === -1) end = query.length;
    } else if (two === '/*') {
      end = query.indexOf('*/', i + 2);
      end = end === -1 ? query.length : end + 2;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(query.slice(i))?.[0];
      if (tag) {
        end = query.indexOf(tag, i + tag.length);
        end = end === -1 ? query.length : end + tag.length;
      }
    }
    if (end === -1) {
      out += c;
      i++;
    } else {
      out += ' ';
      i = end;
    }
  }
  return out;
}

/**
 * Refuses what is not one read statement: several statements, or one that does not start
 * with SELECT, WITH, VALUES or TABLE. The sync also runs it in a READ ONLY transaction,
 * which refuses writes that slip past this (a function that writes, a data-modifying CTE).
 */
export function checkReadQuery(query: string, kind: 'postgres' | 'mysql'): void {
  if (query.length > MAX_QUERY_CHARS) invalid(`the query is longer than ${MAX_QUERY_CHARS} characters`);
  const code = codeOnly(query).trim().replace(/;\s*$/, '');
  if (code.includes(';')) invalid('the query holds several statements; a source runs exactly one SELECT');
  const first = /^\(*\s*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase();
  if (!first || !['SELECT', 'WITH', 'VALUES', 'TABLE'].includes(first))
    invalid(`the query must be one read statement (SELECT, WITH, VALUES or TABLE), not ${first ?? 'empty'}`);
  if (kind === 'mysql' && /\binto\s+(outfile|dumpfile)\b/i.test(code))
    invalid('the query writes a file on the database server (INTO OUTFILE/DUMPFILE); a source only reads');
}

/** The query text as sent: without a trailing semicolon, which a cursor declaration would refuse. */
export function statementOf(query: string): string {
  return query.trim().replace(/;\s*$/, '').trimEnd();
}

/**
 * Checks a cron schedule (UTC) and returns it trimmed; '' means no schedule. Five fields
 * (minute hour day month weekday) or a nickname such as @hourly: nothing more often than
 * once a minute, which a seconds field would allow.
 */
export function checkSchedule(schedule: string): string {
  const s = schedule.trim();
  if (!s) return '';
  const fields = s.split(/\s+/);
  if (!s.startsWith('@') && fields.length !== 5)
    invalid(
      `the schedule "${s}" has ${fields.length} fields; write 5 (minute hour day-of-month month day-of-week): ` +
        'a sync runs at most once a minute',
    );
  try {
    new Cron(s, { timezone: 'UTC', paused: true });
  } catch (e) {
    invalid(`the schedule "${s}" is not valid cron: ${(e as Error).message}`);
  }
  if (nextRunAfter(s, 0) === null) invalid(`the schedule "${s}" never runs`);
  return s;
}

/** The first due time of `schedule` strictly after `afterMs`, or null when it never runs again. */
export function nextRunAfter(schedule: string, afterMs: number): Date | null {
  return new Cron(schedule, { timezone: 'UTC', paused: true }).nextRun(new Date(afterMs));
}

/** The URL as it may be shown: password and credential-like query values masked. */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  if (parsed.password) parsed.password = MASK;
  for (const [name] of [...parsed.searchParams]) {
    if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, MASK);
  }
  // URLSearchParams percent-encodes the mask; shown as typed.
  return parsed.toString().replaceAll(encodeURIComponent(MASK), MASK);
}

/** Headers as they may be shown: every value masked but the few that never carry a credential. */
export function maskHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      if (PLAIN_HEADERS.has(name.toLowerCase())) return [name, value];
      // The scheme of an Authorization header tells which credential it is, not the credential.
      const scheme = /^(Bearer|Basic|Token|Digest)\s+/i.exec(value)?.[0];
      return [name, `${scheme ?? ''}${MASK}`];
    }),
  );
}

/** Every secret a source holds, as it could appear in a driver's error message. */
export function secretsOf(spec: Pick<SourceSpec, 'url' | 'headers'>): string[] {
  const found: string[] = [];
  try {
    const parsed = new URL(spec.url);
    if (parsed.password) found.push(parsed.password, decodeURIComponent(parsed.password));
    for (const [name, value] of parsed.searchParams) if (SECRET_PARAM.test(name)) found.push(value);
  } catch {
    // An unparsable URL is never stored.
  }
  for (const [name, value] of Object.entries(spec.headers)) {
    if (PLAIN_HEADERS.has(name.toLowerCase())) continue;
    found.push(value, value.replace(/^(Bearer|Basic|Token|Digest)\s+/i, ''));
  }
  // Very short values would mask ordinary words in messages; such a secret is no secret.
  return [...new Set(found)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** `text` with the source's URL and every secret in it masked: for errors, history and logs. */
export function redact(text: string, spec: Pick<SourceSpec, 'url' | 'headers'>): string {
  let out = text.replaceAll(spec.url, maskUrl(spec.url));
  for (const s of secretsOf(spec)) out = out.replaceAll(s, MASK);
  return out;
}

/** Whether two source URLs reach the same server as the same user: where a stored credential may be sent. */
export function sameServer(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.hostname === y.hostname && x.port === y.port && x.username === y.username;
  } catch {
    return false;
  }
}

/** Each `name=value` of a URL's query as written, by decoded name. */
function queryPairs(search: string): { name: string; raw: string; value: string }[] {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replaceAll('+', ' '));
    } catch {
      return s;
    }
  };
  return search
    .replace(/^\?/, '')
    .split('&')
    .filter(Boolean)
    .map((raw) => {
      const eq = raw.indexOf('=');
      return {
        raw,
        name: decode(eq === -1 ? raw : raw.slice(0, eq)),
        value: eq === -1 ? '' : decode(raw.slice(eq + 1)),
      };
    });
}

/**
 * The URL an edit means: where it still shows a masked password or parameter (`****`, as
 * `maskUrl` shows them), the stored one's. A stored credential is only ever sent to the
 * server it was given for: a masked value on another host, port, scheme or user is refused.
 */
export function unmaskUrl(next: string, stored: string): string {
  if (next === maskUrl(stored)) return stored;
  if (!next.includes(MASK)) return next;
  sourceKindOf(next);
  const n = new URL(next);
  const s = new URL(stored);
  if (!sameServer(next, stored))
    invalid(
      'url: it keeps a masked credential (****) but names another server or user; ' +
        'give the credential again: a stored one is only sent where it was given for',
    );
  if (n.password === MASK) {
    if (!s.password) invalid('url: its password is masked (****) but none is stored; give the password');
    n.password = s.password;
  }
  const stored$ = queryPairs(s.search);
  n.search = queryPairs(n.search)
    .map((p) => {
      if (p.value !== MASK) return p.raw;
      const kept = stored$.find((q) => q.name === p.name);
      if (!kept) invalid(`url: the parameter "${p.name}" is masked (****) but none is stored; give its value`);
      return kept.raw;
    })
    .join('&');
  return n.toString();
}

/**
 * The headers an edit means: a value left as `maskHeaders` shows it ("****", "Bearer ****")
 * is the stored value of that header; any other value replaces it. Refused when a stored
 * credential would go to another server than `storedUrl`'s.
 */
export function unmaskHeaders(
  next: Readonly<Record<string, string>>,
  stored: Readonly<Record<string, string>>,
  nextUrl: string,
  storedUrl: string,
): Record<string, string> {
  const byName = new Map(Object.entries(stored).map(([k, v]) => [k.toLowerCase(), v]));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(next)) {
    const old = byName.get(name.toLowerCase());
    const masked = old !== undefined && !PLAIN_HEADERS.has(name.toLowerCase()) && maskHeaders({ [name]: old })[name];
    if (masked && value === masked) {
      if (!sameServer(nextUrl, storedUrl))
        invalid(
          `headers: "${name}" keeps its masked value but the URL names another server; ` +
            'give the header again: a stored credential is only sent where it was given for',
        );
      out[name] = old!;
    } else if (value.includes(MASK) && /^(\S+\s+)?\*{4}$/.test(value)) {
      invalid(`headers: "${name}" is masked (****) but no value is stored for it; give its value`);
    } else out[name] = value;
  }
  return out;
}

/** Whether `headers` hold a value that may be a credential (anything but Accept, Content-Type…). */
export function holdsCredential(headers: Readonly<Record<string, string>>): boolean {
  return Object.keys(headers).some((name) => !PLAIN_HEADERS.has(name.toLowerCase()));
}
