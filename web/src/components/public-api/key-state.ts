// What the Public API page says about a key's state: disabled, expired, and the warnings
// worth a look (expiring soon, unused for a month). Pure functions of the key and a time.
import type { ApiKey } from '../../api-types.ts';

const DAY = 86_400_000;
/** A key that stops working within this many days gets a warning: two weeks to renew it. */
export const EXPIRY_WARNING_DAYS = 14;
/** A key unused this long is probably forgotten (or its client broke): a month. */
export const IDLE_WARNING_DAYS = 30;

type KeyTimes = Pick<ApiKey, 'expiresAt' | 'lastUsedAt' | 'createdAt'>;

/** Whether the key's expiry has passed: its clients get 401 "API key expired". */
export function isExpired(k: Pick<ApiKey, 'expiresAt'>, now = Date.now()): boolean {
  return k.expiresAt !== null && Date.parse(k.expiresAt) <= now;
}

/** Whole days until `iso`, rounded up (a key expiring in 3 hours expires "in 1 day"). */
function daysUntil(iso: string, now: number): number {
  return Math.max(1, Math.ceil((Date.parse(iso) - now) / DAY));
}

/** One reason for the warning badge: a word or two for the badge, a sentence for its tooltip. */
export interface KeyWarning {
  readonly short: string;
  readonly detail: string;
}

/**
 * The reasons for the key's warning badge; none: no badge. An expired key has its own
 * tag instead, and a key younger than a month is not "unused" yet.
 */
export function keyWarnings(k: KeyTimes, now = Date.now()): KeyWarning[] {
  const out: KeyWarning[] = [];
  if (k.expiresAt !== null && !isExpired(k, now) && Date.parse(k.expiresAt) - now <= EXPIRY_WARNING_DAYS * DAY) {
    const days = daysUntil(k.expiresAt, now);
    const inDays = `${days} ${days === 1 ? 'day' : 'days'}`;
    out.push({
      short: `Expires in ${inDays}`,
      detail: `Expires in ${inDays}: extend it in Edit, or give its client a new key.`,
    });
  }
  const since = k.lastUsedAt ?? k.createdAt;
  if (now - Date.parse(since) >= IDLE_WARNING_DAYS * DAY) {
    out.push({
      short: k.lastUsedAt === null ? 'Never used' : `Unused for ${IDLE_WARNING_DAYS} days`,
      detail:
        k.lastUsedAt === null
          ? `Never used in the ${IDLE_WARNING_DAYS} days since it was created.`
          : `Not used in the last ${IDLE_WARNING_DAYS} days.`,
    });
  }
  return out;
}

/** The rotation grace periods offered, as the admin API takes them. */
export const GRACE_CHOICES = [
  { value: '0', label: 'None: the previous secret stops at once' },
  { value: '1h', label: '1 hour' },
  { value: '24h', label: '24 hours (default)' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days (the longest)' },
] as const;
