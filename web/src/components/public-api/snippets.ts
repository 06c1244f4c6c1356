// Ready-to-run programs that fetch every row of one bound resource, with the filters
// entered in "Try it", in the languages clients use most: curl downloads the export in
// one request; PowerShell and Python walk every page of 1,000, wait as long as a 429's
// Retry-After says, and start again if X-Dataset-Version changes (a reload) mid-walk.
import type { ResourceKind } from './types.ts';

export type SnippetLang = 'curl' | 'powershell' | 'python';
export const snippetLangs: { id: SnippetLang; label: string }[] = [
  { id: 'curl', label: 'curl' },
  { id: 'powershell', label: 'PowerShell' },
  { id: 'python', label: 'Python' },
];

/** What a snippet is about: the server, the resource, the key and the filters/options to send. */
export interface SnippetTarget {
  base: string;
  kind: ResourceKind;
  id: string;
  /** The resource's name: the downloaded file's name. */
  name: string;
  key: string;
  /** Filter and option parameters (`status` → `Open`, `_sort` → `-id`); paging is the snippet's. */
  params?: Readonly<Record<string, string>>;
}

const PAGE_SIZE = 1000;

const sq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`; // POSIX shell single quotes
const psq = (s: string) => `'${s.replace(/'/g, "''")}'`; // PowerShell single quotes
const pyq = (s: string) => JSON.stringify(s); // a JSON string is a valid Python string literal

/** A name safe as a file name on every system: letters, digits, `.`, `-`, `_`; others become `_`. */
export function fileName(name: string, ext: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '');
  return `${base || 'export'}.${ext}`;
}

/** The filters and options as a query string (without paging), in the order given. */
function filterQuery(params: Readonly<Record<string, string>> | undefined): string {
  const qs = new URLSearchParams();
  for (const [name, value] of Object.entries(params ?? {}))
    if (name !== 'current' && name !== 'size') qs.append(name, value);
  return qs.toString();
}

/** A program that fetches every row of the resource, as described at the top of this file. */
export function snippet(lang: SnippetLang, t: SnippetTarget): string {
  const url = `${t.base.replace(/\/+$/, '')}/api/${t.kind}/${encodeURIComponent(t.id)}`;
  const query = filterQuery(t.params);
  switch (lang) {
    case 'curl': {
      const exportUrl = `${url}/export?format=csv${query ? `&${query}` : ''}`;
      return [
        `# Every matching row as CSV in one request (also format=ndjson or xlsx).`,
        `curl -s -f -o ${sq(fileName(t.name, 'csv'))} \\`,
        `  -H ${sq(`apikey: ${t.key}`)} \\`,
        `  ${sq(exportUrl)}`,
      ].join('\n');
    }
    case 'powershell':
      return powershell(url, t, query);
    case 'python':
      return python(url, t);
  }
}

function powershell(url: string, t: SnippetTarget, query: string): string {
  const rows = t.kind === 'dataset' ? '$body.data.records' : '$body.data';
  const pages =
    t.kind === 'dataset'
      ? '$body.data.pages'
      : `[math]::Ceiling([int]($r.Headers['X-Total-Count'] | Select-Object -First 1) / ${PAGE_SIZE})`;
  return [
    `# PowerShell 7: every row, ${PAGE_SIZE} a page; waits out 429s, starts again if the data is reloaded.`,
    `$url = ${psq(url)}`,
    `$headers = @{ apikey = ${psq(t.key)} }`,
    `$filters = ${psq(query)}`,
    '$rows = [System.Collections.Generic.List[object]]::new()',
    '$current = 1; $version = $null',
    'while ($true) {',
    `  $r = Invoke-WebRequest -Uri "$url\`?current=$current&size=${PAGE_SIZE}&$filters" -Headers $headers \``,
    '    -SkipHttpErrorCheck',
    '  if ($r.StatusCode -eq 429) {',
    "    Start-Sleep -Seconds ([int]($r.Headers['Retry-After'] | Select-Object -First 1)); continue",
    '  }',
    '  if ($r.StatusCode -ne 200) { throw "HTTP $($r.StatusCode): $($r.Content)" }',
    "  $v = $r.Headers['X-Dataset-Version'] | Select-Object -First 1",
    '  if ($null -ne $version -and $v -ne $version) { $rows.Clear(); $current = 1; $version = $null; continue }',
    '  $version = $v',
    '  $body = $r.Content | ConvertFrom-Json',
    `  foreach ($row in ${rows}) { $rows.Add($row) }`,
    `  if ($current -ge ${pages}) { break }`,
    '  $current++',
    '}',
    '"$($rows.Count) rows"',
    '$rows | Select-Object -First 10 | Format-Table',
  ].join('\n');
}

function python(url: string, t: SnippetTarget): string {
  const params = Object.entries(t.params ?? {}).filter(([n]) => n !== 'current' && n !== 'size');
  const filters = params.length === 0 ? '{}' : `{${params.map(([n, v]) => `${pyq(n)}: ${pyq(v)}`).join(', ')}}`;
  const page =
    t.kind === 'dataset'
      ? ['    rows.extend(body["data"]["records"])', '    pages = body["data"]["pages"]']
      : ['    rows.extend(body["data"])', `    pages = -(-int(response.headers["X-Total-Count"]) // ${PAGE_SIZE})`];
  return [
    `# Python 3, standard library only: every row, ${PAGE_SIZE} a page; waits out 429s,`,
    '# starts again if the data is reloaded (X-Dataset-Version changes) during the walk.',
    'import json, time, urllib.error, urllib.parse, urllib.request',
    '',
    `URL = ${pyq(url)}`,
    `KEY = ${pyq(t.key)}`,
    `FILTERS = ${filters}`,
    '',
    '',
    'def fetch(current):',
    `    query = urllib.parse.urlencode({**FILTERS, "current": current, "size": ${PAGE_SIZE}})`,
    '    request = urllib.request.Request(f"{URL}?{query}", headers={"apikey": KEY})',
    '    while True:',
    '        try:',
    '            with urllib.request.urlopen(request, timeout=60) as response:',
    '                return response, json.load(response)',
    '        except urllib.error.HTTPError as error:',
    '            if error.code != 429:',
    '                raise SystemExit(f"HTTP {error.code}: {error.read().decode()}")',
    '            time.sleep(int(error.headers.get("Retry-After", "1")))',
    '',
    '',
    'rows, current, version = [], 1, None',
    'while True:',
    '    response, body = fetch(current)',
    '    if version is not None and response.headers["X-Dataset-Version"] != version:',
    '        rows, current, version = [], 1, None',
    '        continue',
    '    version = response.headers["X-Dataset-Version"]',
    ...page,
    '    if current >= pages:',
    '        break',
    '    current += 1',
    '',
    'print(len(rows), "rows")',
    'for row in rows[:10]:',
    '    print(row)',
  ].join('\n');
}
