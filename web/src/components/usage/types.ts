// The Usage page's sums over GET /admin/api/usage (docs/admin-api.md).
import type { KeyUsage, Usage, UsagePoint } from '../../api-types.ts';

const HOUR = 3600_000;

/** One point per hour from `from` to `to`, the selected keys' counts summed. */
export function hourly(usage: Usage, keys: KeyUsage[]): UsagePoint[] {
  const start = Math.floor(new Date(usage.from).getTime() / HOUR) * HOUR;
  const end = Math.floor((new Date(usage.to).getTime() - 1) / HOUR) * HOUR;
  const sums = new Map<number, UsagePoint>();
  for (let t = start; t <= end && sums.size < 24 * 31; t += HOUR)
    sums.set(t, { at: new Date(t).toISOString(), requests: 0, errors: 0 });
  for (const k of keys) {
    for (const p of k.series ?? []) {
      const t = Math.floor(new Date(p.at).getTime() / HOUR) * HOUR;
      let s = sums.get(t);
      if (!s) {
        s = { at: new Date(t).toISOString(), requests: 0, errors: 0 };
        sums.set(t, s);
      }
      s.requests += p.requests ?? 0;
      s.errors += p.errors ?? 0;
    }
  }
  return [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** Status counts of the selected keys, summed; 5xx folded into one entry. */
export function statuses(keys: KeyUsage[]): { status: string; count: number }[] {
  const m = new Map<string, number>();
  for (const k of keys) {
    for (const [s, n] of Object.entries(k.byStatus ?? {})) {
      const label = Number(s) >= 500 ? '5xx' : s;
      m.set(label, (m.get(label) ?? 0) + n);
    }
  }
  return [...m.entries()]
    .map(([status, count]) => ({ status, count }))
    .sort((a, b) => a.status.localeCompare(b.status));
}

/** A key's name as the Usage page shows it: "(removed)" after a removed key's. */
export const usageKeyLabel = (k: Pick<KeyUsage, 'keyName' | 'removed'>) =>
  k.removed ? `${k.keyName} (removed)` : k.keyName;

export const isError = (status: string) => status === '5xx' || Number(status) >= 400;
