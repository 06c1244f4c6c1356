import { sql } from 'kysely';
import { systemClock, type Clock } from '../shared/clock.ts';
import type { Store } from '../store/index.ts';

/** A bucket's width: usage is kept per key, minute and status. */
export const MINUTE_MS = 60_000;
const HOUR_MINUTES = 60;
// The report's longest window: 30 days (the Usage page asks for 24 hours; an operator
// may ask for a month). Buckets older than that can never be shown, so they are deleted.
export const MAX_REPORT_HOURS = 720;
const KEEP_MINUTES = MAX_REPORT_HOURS * HOUR_MINUTES;
// Old buckets are deleted once an hour, not at every flush: a delete finds them through
// the (tenant_id, minute) index, and an hour's worth is all there is to find.
const PRUNE_EVERY_MINUTES = 60;
// Counts that could not be written (database down) are kept for the next flush, up to a
// day old: the Usage page's default window. The bound is memory: a day of an active key
// is 1,440 minutes × its statuses (a few) entries of ~150 bytes, about 1 MB a key.
const CARRY_MINUTES = 24 * HOUR_MINUTES;
// Rows per INSERT: 5 parameters a row, 2,500 a statement, well under SQLite's 32,766
// and PostgreSQL's 65,535; a minute of 500 active keys is one statement.
const ROWS_PER_STATEMENT = 500;
// Separates the parts of a bucket's name; no id contains it.
const SEP = '\u0000';

/** One counted bucket: requests of one key, in one minute, answered with one status. */
export interface UsageBucket {
  readonly tenantId: string;
  readonly keyId: string;
  /** Epoch minute: ms / 60,000, rounded down. */
  readonly minute: number;
  readonly status: number;
  readonly count: number;
}

export interface UsagePoint {
  /** The hour's start, ISO. */
  readonly at: string;
  readonly requests: number;
  /** Answers with status 400 or above. */
  readonly errors: number;
}

export interface KeyUsage {
  readonly keyId: string;
  readonly keyName: string;
  /** The key was removed; its requests stay counted, under the name it had. */
  readonly removed: boolean;
  readonly lastUsedAt: string | null;
  readonly requests: number;
  /** Requests by HTTP status, e.g. `{"200": 10, "429": 2}`; statuses without requests are absent. */
  readonly byStatus: Record<string, number>;
  /** One point per hour of the window, oldest first, zeros included. */
  readonly series: UsagePoint[];
}

export interface UsageReport {
  /**
   * The window's start, ISO: the start of the hour `hours - 1` hours before the current
   * one, or the `from` asked for (rounded down to the minute, clamped to the retention).
   */
  readonly from: string;
  /** The window's end: now, or the `to` asked for (no later than now), ISO. */
  readonly to: string;
  /** `from` was earlier than the oldest kept usage and was moved up to it. */
  readonly clamped: boolean;
  readonly keys: KeyUsage[];
}

/** A window of instants (ms) to report on; see `clampWindow`. */
export interface UsageWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Requests of one key in one hour with one status. */
interface UsageCell {
  readonly keyId: string;
  /** Epoch hour. */
  readonly hour: number;
  readonly status: number;
  readonly requests: number;
}

/** One line of the CSV download: requests of one key in one hour with one status. */
export interface UsageRow {
  /** The hour's start, ISO. */
  readonly hour: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly removed: boolean;
  readonly status: number;
  readonly requests: number;
}

export interface UsageRows {
  readonly from: string;
  readonly to: string;
  readonly clamped: boolean;
  readonly rows: UsageRow[];
}

/** The oldest instant whose usage is kept: older minutes are deleted by the hourly prune. */
export function retentionStart(now: number): number {
  return (Math.floor(now / MINUTE_MS) - KEEP_MINUTES) * MINUTE_MS;
}

/**
 * A window as the report reads it: `to` no later than now, `from` no earlier than the
 * oldest kept minute (`clamped` says it was moved). The caller checks that `from` is
 * before `to` and that `to` is not before the retention start.
 */
export function clampWindow(w: UsageWindow, now: number): UsageWindow & { clamped: boolean } {
  const oldest = retentionStart(now);
  const toMs = Math.min(w.toMs, now);
  return { fromMs: Math.max(w.fromMs, oldest), toMs, clamped: w.fromMs < oldest };
}

/** What a flush did; it never throws, so that a timer can call it. */
export interface FlushResult {
  /** Buckets written. */
  readonly written: number;
  /** The write's failure; its buckets are kept for the next flush. */
  readonly error?: unknown;
  /** Buckets kept for the next flush after a failure. */
  readonly kept: number;
  /** Kept buckets given up because they were older than a day. */
  readonly dropped: number;
}

type Counts = Map<string, { n: number }>;

/** One key's counts in one minute, by status: what a request increments. */
interface KeyMinute {
  readonly tenantId: string;
  readonly keyId: string;
  readonly minute: number;
  readonly byStatus: Map<number, number>;
}

function bucketName(tenantId: string, keyId: string, minute: number, status: number): string {
  return `${tenantId}${SEP}${keyId}${SEP}${minute}${SEP}${status}`;
}

function parseBucket(name: string, n: number): UsageBucket {
  const [tenantId, keyId, minute, status] = name.split(SEP);
  return { tenantId, keyId, minute: Number(minute), status: Number(status), count: n };
}

function addInto(into: Counts, from: Counts): void {
  for (const [name, c] of from) {
    const have = into.get(name);
    if (have) have.n += c.n;
    else into.set(name, { n: c.n });
  }
}

/**
 * Public API requests per key, minute and status: counted in this process's memory on
 * every answer, added to the database's `usage_minutes` in batches (the server flushes
 * once a minute), and reported per hour for the Usage page.
 */
export function createUsageService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  // Counted since the last flush: each key's current minute, looked up by the key id
  // (the same string object on every request of a key, so its hash is computed once;
  // building a bucket name per request and looking that up cost ~0.5 µs a request on
  // the bench machine against ~0.09 µs, of which the clock is ~0.05; see BENCHMARKS.md),
  // and the minutes that ended since.
  let current = new Map<string, KeyMinute>();
  let ended: KeyMinute[] = [];
  // Taken by the flush that is writing them now.
  let writing: Counts = new Map();
  // Failed to be written; merged into the next flush.
  let carried: Counts = new Map();
  let flushing: Promise<FlushResult> | undefined;
  let lastPrune = -Infinity;

  async function write(batch: Counts, nowMinute: number): Promise<void> {
    const rows = [...batch].map(([name, c]) => parseBucket(name, c.n));
    const prune = nowMinute - lastPrune >= PRUNE_EVERY_MINUTES;
    // One transaction: the batch is added whole or not at all, so a retry never counts twice.
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        await trx
          .insertInto('usageMinutes')
          .values(rows.slice(i, i + ROWS_PER_STATEMENT))
          // Every node adds its counts into the same rows.
          .onConflict((oc) =>
            oc
              .columns(['keyId', 'minute', 'status'])
              .doUpdateSet((eb) => ({ count: eb('usageMinutes.count', '+', eb.ref('excluded.count')) })),
          )
          .execute();
      }
      if (prune) {
        // Through the (tenant_id, minute) index: one range per tenant.
        await trx
          .deleteFrom('usageMinutes')
          .where('tenantId', 'in', trx.selectFrom('tenants').select('id'))
          .where('minute', '<', nowMinute - KEEP_MINUTES)
          .execute();
        // A key removed before the longest window can have no requests left to name.
        await trx
          .deleteFrom('removedKeys')
          .where('removedAt', '<', new Date((nowMinute - KEEP_MINUTES) * MINUTE_MS).toISOString())
          .execute();
      }
    });
    if (prune) lastPrune = nowMinute;
  }

  /** The counts since the last flush, by bucket name; counting starts afresh. */
  function takeCounted(): Counts {
    const out: Counts = new Map();
    for (const e of [...ended, ...current.values()]) {
      for (const [status, n] of e.byStatus) {
        const name = bucketName(e.tenantId, e.keyId, e.minute, status);
        const have = out.get(name);
        if (have) have.n += n;
        else out.set(name, { n });
      }
    }
    current = new Map();
    ended = [];
    return out;
  }

  async function flushOnce(): Promise<FlushResult> {
    const batch = takeCounted();
    addInto(batch, carried);
    carried = new Map();
    writing = batch;
    const nowMinute = Math.floor(clock.now() / MINUTE_MS);
    try {
      if (batch.size > 0 || nowMinute - lastPrune >= PRUNE_EVERY_MINUTES) await write(batch, nowMinute);
      return { written: batch.size, kept: 0, dropped: 0 };
    } catch (error) {
      let dropped = 0;
      for (const name of batch.keys()) {
        if (parseBucket(name, 0).minute < nowMinute - CARRY_MINUTES) {
          batch.delete(name);
          dropped++;
        }
      }
      carried = batch;
      return { written: 0, error, kept: batch.size, dropped };
    } finally {
      writing = new Map();
    }
  }

  /** This process's counts not yet in the database, as buckets. */
  function unwrittenBuckets(): UsageBucket[] {
    const out: UsageBucket[] = [];
    for (const e of [...ended, ...current.values()]) {
      for (const [status, count] of e.byStatus)
        out.push({ tenantId: e.tenantId, keyId: e.keyId, minute: e.minute, status, count });
    }
    for (const counts of [writing, carried]) for (const [name, c] of counts) out.push(parseBucket(name, c.n));
    return out;
  }

  /** This process's counts not yet in the database, of one tenant, from `fromMinute` until before `toMinute`. */
  function unwritten(tenantId: string, fromMinute: number, toMinute: number): UsageBucket[] {
    return unwrittenBuckets().filter((b) => b.tenantId === tenantId && b.minute >= fromMinute && b.minute < toMinute);
  }

  /** The window in minutes (from included, to excluded) and as the answer names it. */
  function minutesOf(window: number | UsageWindow) {
    const now = clock.now();
    if (typeof window === 'number') {
      const nowHour = Math.floor(now / MINUTE_MS / HOUR_MINUTES);
      const fromMinute = (nowHour - window + 1) * HOUR_MINUTES;
      // Buckets a node with a clock ahead of this one wrote for a later hour are left for then.
      const toMinute = (nowHour + 1) * HOUR_MINUTES;
      const from = new Date(fromMinute * MINUTE_MS).toISOString();
      return { fromMinute, toMinute, from, to: new Date(now).toISOString(), clamped: false };
    }
    const range = clampWindow(window, now);
    const fromMinute = Math.floor(range.fromMs / MINUTE_MS);
    // The minute that holds `to` counts unless `to` is its very start.
    const toMinute = Math.max(Math.ceil(range.toMs / MINUTE_MS), fromMinute + 1);
    const from = new Date(fromMinute * MINUTE_MS).toISOString();
    return { fromMinute, toMinute, from, to: new Date(range.toMs).toISOString(), clamped: range.clamped };
  }

  /** The tenant's keys (removed ones too, named as they were) and their counts per hour and status. */
  async function collect(tenantId: string, fromMinute: number, toMinute: number) {
    const hourOf = sql<number>`minute / 60`;
    const [listed, stored] = await Promise.all([
      store.db
        .selectFrom('apiKeys')
        .select(['id', 'name', 'lastUsedAt', sql<number>`0`.as('removed')])
        .where('tenantId', '=', tenantId)
        .unionAll(
          store.db
            .selectFrom('removedKeys')
            .select(['id', 'name', 'lastUsedAt', sql<number>`1`.as('removed')])
            .where('tenantId', '=', tenantId)
            .where('id', 'not in', store.db.selectFrom('apiKeys').select('id')),
        )
        .orderBy('name')
        .orderBy('id')
        .execute(),
      store.db
        .selectFrom('usageMinutes')
        .select((eb) => ['keyId', 'status', hourOf.as('hour'), eb.fn.sum<number>('count').as('n')])
        .where('tenantId', '=', tenantId)
        .where('minute', '>=', fromMinute)
        .where('minute', '<', toMinute)
        .groupBy(['keyId', 'status', hourOf])
        .execute(),
    ]);
    const keys = listed.map((k) => ({ ...k, removed: Number(k.removed) === 1 }));
    const known = new Set(keys.map((k) => k.id));
    const cells: UsageCell[] = [];
    // PostgreSQL gives bigint and numeric as strings.
    for (const r of stored)
      if (known.has(r.keyId))
        cells.push({ keyId: r.keyId, hour: Number(r.hour), status: Number(r.status), requests: Number(r.n) });
    for (const b of unwritten(tenantId, fromMinute, toMinute))
      if (known.has(b.keyId))
        cells.push({ keyId: b.keyId, hour: Math.floor(b.minute / HOUR_MINUTES), status: b.status, requests: b.count });
    return { keys, cells };
  }

  return {
    /**
     * Counts one answer of the public API. On every request: the clock, two map look-ups
     * (the key, then the status) and an increment; nothing allocated but once a minute
     * per key, nothing waits.
     */
    count(tenantId: string, keyId: string, status: number): void {
      const minute = Math.floor(clock.now() / MINUTE_MS);
      let e = current.get(keyId);
      if (e === undefined || e.minute !== minute) {
        if (e !== undefined) ended.push(e);
        e = { tenantId, keyId, minute, byStatus: new Map() };
        current.set(keyId, e);
      }
      e.byStatus.set(status, (e.byStatus.get(status) ?? 0) + 1);
    },

    /**
     * Adds the counts so far to the database in one transaction. A failed write keeps
     * them for the next flush (up to a day old). Flushes never overlap: a call during
     * one waits for it.
     */
    flush(): Promise<FlushResult> {
      if (!flushing) flushing = flushOnce().finally(() => (flushing = undefined));
      return flushing;
    },

    /** This process's counts not yet written, as buckets (for tests and diagnostics). */
    unwrittenBuckets,

    /**
     * Requests of every key of the tenant per hour and status over the last `hours`
     * hours (the current one included), or over a window of instants, from the database
     * and this process's unwritten counts. Removed keys are listed, marked `removed`,
     * when they have requests in the window.
     */
    async report(tenantId: string, window: number | UsageWindow): Promise<UsageReport> {
      const { fromMinute, toMinute, from, to, clamped } = minutesOf(window);
      const { keys, cells } = await collect(tenantId, fromMinute, toMinute);
      const fromHour = Math.floor(fromMinute / HOUR_MINUTES);
      const hours = Math.floor((toMinute - 1) / HOUR_MINUTES) - fromHour + 1;
      const usage = new Map<string, { byStatus: Record<string, number>; requests: number[]; errors: number[] }>();
      for (const k of keys)
        usage.set(k.id, { byStatus: {}, requests: new Array(hours).fill(0), errors: new Array(hours).fill(0) });
      for (const c of cells) {
        const u = usage.get(c.keyId)!;
        u.byStatus[c.status] = (u.byStatus[c.status] ?? 0) + c.requests;
        u.requests[c.hour - fromHour] += c.requests;
        if (c.status >= 400) u.errors[c.hour - fromHour] += c.requests;
      }
      return {
        from,
        to,
        clamped,
        keys: keys.flatMap((k) => {
          const u = usage.get(k.id)!;
          const requests = u.requests.reduce((a, b) => a + b, 0);
          // A removed key without requests in the window has nothing to show.
          if (k.removed && requests === 0) return [];
          return {
            keyId: k.id,
            keyName: k.name,
            removed: k.removed,
            lastUsedAt: k.lastUsedAt,
            requests,
            byStatus: u.byStatus,
            series: u.requests.map((requests, i) => ({
              at: new Date((fromHour + i) * HOUR_MINUTES * MINUTE_MS).toISOString(),
              requests,
              errors: u.errors[i],
            })),
          };
        }),
      };
    },

    /**
     * The same counts as `report`, one row per key, hour and status with requests, ordered
     * by hour, key name and status: what the CSV download lists.
     */
    async rows(tenantId: string, window: number | UsageWindow): Promise<UsageRows> {
      const { fromMinute, toMinute, from, to, clamped } = minutesOf(window);
      const { keys, cells } = await collect(tenantId, fromMinute, toMinute);
      const order = new Map(keys.map((k, i) => [k.id, i]));
      const merged = new Map<string, UsageCell>();
      for (const c of cells) {
        const name = `${c.hour}${SEP}${c.keyId}${SEP}${c.status}`;
        const have = merged.get(name);
        if (have) merged.set(name, { ...have, requests: have.requests + c.requests });
        else merged.set(name, c);
      }
      const byId = new Map(keys.map((k) => [k.id, k]));
      const rows = [...merged.values()]
        .sort((a, b) => a.hour - b.hour || order.get(a.keyId)! - order.get(b.keyId)! || a.status - b.status)
        .map((c) => {
          const k = byId.get(c.keyId)!;
          return {
            hour: new Date(c.hour * HOUR_MINUTES * MINUTE_MS).toISOString(),
            keyId: k.id,
            keyName: k.name,
            removed: k.removed,
            status: c.status,
            requests: c.requests,
          };
        });
      return { from, to, clamped, rows };
    },
  };
}

export type UsageService = ReturnType<typeof createUsageService>;
