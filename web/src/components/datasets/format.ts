// Small display helpers shared by the console's list pages.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "12 Mar 2026, 14:05" in the browser's locale and zone; "—" for nothing. */
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

/** "5 minutes ago"; "never" for nothing. */
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

/** 12345 -> "12,345". */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString();
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

/** Error message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Focuses a dialog's first field as soon as it opens. Element Plus's focus trap moves
 * the focus to the dialog itself one tick after `open-auto-focus`; a zero timeout runs
 * after that, and well before the opening animation ends, so no keystroke is lost.
 */
export function focusSoon(focus: () => void): void {
  setTimeout(focus, 0);
}
