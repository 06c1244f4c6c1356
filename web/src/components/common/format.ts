// How the console shows times, counts, sizes and cell values: one place for every page.

const pad = (n: number) => String(n).padStart(2, '0');

/** "2023/02/10 08:50:28" in the browser's time zone, like the product's cards; "—" for none. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return (
    `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

/** "3 minutes ago", "yesterday", … for recent times; the date for older ones; "never" for none. */
export function formatRelative(iso: string | null | undefined, never = 'never'): string {
  if (!iso) return never;
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return String(iso);
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 45) return 'just now';
  const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
  if (s < 3600) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.round(s / 3600), 'hour');
  if (s < 86400 * 30) return rtf.format(-Math.round(s / 86400), 'day');
  return formatDateTime(iso).slice(0, 10);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "12 Mar 2026, 14:05" in the browser's locale and zone, for the list pages; "—" for nothing. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const steps: [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Infinity],
];

/** "5 minutes ago" in the browser's locale, for the list pages; "never" for nothing. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  let v = (t - now) / 1000;
  for (const [unit, n] of steps) {
    if (Math.abs(v) < n) return relative.format(Math.round(v), unit);
    v /= n;
  }
  return formatTime(iso);
}

/** 12345 -> "12,345" (in the browser's locale); "—" for nothing. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString();
}

/** "1 dataset", "2 datasets", "1,500 entries" (with `many`). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** 1536 -> "1.5 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A cell value as text: null stays visible as "null", objects as JSON. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Turns filter-language text ("status=Open&priority=1,3") into query pairs, keeping repeats. */
export function filterPairs(text: string): [string, string][] {
  const t = text.trim().replace(/^\?/, '');
  if (!t) return [];
  return [...new URLSearchParams(t).entries()];
}
