// Ready-to-run requests for one bound resource, in the languages clients use most.
import type { ResourceKind } from './types.ts';

export type SnippetLang = 'curl' | 'powershell' | 'python';
export const snippetLangs: { id: SnippetLang; label: string }[] = [
  { id: 'curl', label: 'curl' },
  { id: 'powershell', label: 'PowerShell' },
  { id: 'python', label: 'Python' },
];

const sq = (s: string) => `'${s.replace(/'/g, "'\\''")}'`; // POSIX shell single quotes
const psq = (s: string) => `'${s.replace(/'/g, "''")}'`; // PowerShell single quotes
const pyq = (s: string) => JSON.stringify(s); // a JSON string is a valid Python string literal

/** The request for `GET {base}/api/{kind}/{id}?current=1&size=10` with header apikey = `key`. */
export function snippet(lang: SnippetLang, base: string, kind: ResourceKind, id: string, key: string): string {
  const url = `${base.replace(/\/+$/, '')}/api/${kind}/${encodeURIComponent(id)}`;
  switch (lang) {
    case 'curl':
      return `curl ${sq(`${url}?current=1&size=10`)} \\\n  -H ${sq(`apikey: ${key}`)} \\\n  -X GET`;
    case 'powershell':
      return [
        `$response = Invoke-RestMethod -Method Get \``,
        `  -Uri ${psq(`${url}?current=1&size=10`)} \``,
        `  -Headers @{ apikey = ${psq(key)} }`,
        kind === 'dataset' ? '$response.data.records | Format-Table' : '$response.data | Format-Table',
      ].join('\n');
    case 'python':
      return [
        'import requests',
        '',
        'response = requests.get(',
        `    ${pyq(url)},`,
        `    headers={"apikey": ${pyq(key)}},`,
        '    params={"current": 1, "size": 10},',
        '    timeout=30,',
        ')',
        'response.raise_for_status()',
        kind === 'dataset'
          ? 'page = response.json()["data"]\nprint(page["total"], "rows")\nfor row in page["records"]:\n    print(row)'
          : 'for row in response.json()["data"]:\n    print(row)',
      ].join('\n');
  }
}
