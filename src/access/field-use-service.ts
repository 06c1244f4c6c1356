import { systemClock, type Clock } from '../shared/clock.ts';
import type { Store } from '../store/index.ts';

/** How a request named a field: in a filter, in its sort, or in its projection. */
export type FieldUseKind = 'filter' | 'sort' | 'select';

const KINDS: readonly FieldUseKind[] = ['filter', 'sort', 'select'];

/**
 * The dataset fields one request named, by use: names as the dataset spells them (a
 * request's parser resolved them), each once. Requests that name none share one object.
 */
export interface UsedFieldNames {
  readonly filter: readonly string[];
  readonly sort: readonly string[];
  readonly select: readonly string[];
}

/** A key's recent use of one field of a dataset, as a reload's check reads it. */
export interface FieldUse {
  readonly keyId: string;
  readonly keyName: string;
  readonly field: string;
  /** How the key's clients named it, in the order filter, sort, select. */
  readonly uses: readonly FieldUseKind[];
  /** The last time any of them did, ISO. */
  readonly lastUsedAt: string;
}

/** One stored row: a key's last use of a field of a dataset in one way. */
export interface FieldUseRow {
  readonly tenantId: string;
  readonly keyId: string;
  readonly datasetId: string;
  readonly use: FieldUseKind;
  readonly field: string;
  /** Epoch ms. */
  readonly usedAt: number;
}

/** What a flush did; it never throws, so that a timer can call it. */
export interface FieldUseFlush {
  /** Rows written (rows whose time moved less than `REWRITE_MS` since written are skipped). */
  readonly written: number;
  /** The write's failure; its rows are kept for the next flush. */
  readonly error?: unknown;
  /** Uses not recorded since the last flush because the memory cap was reached. */
  readonly dropped: number;
}

/** What a reload's check looks back over: a day, as the console's warning says. */
export const RECENT_MS = 24 * 60 * 60 * 1000;
// Rows are kept twice as long as anything reads them, so that a node whose clock runs a
// little behind, or a row written late after an outage, never loses a use it should list.
export const KEEP_MS = 2 * RECENT_MS;
// The deletion of old rows runs once an hour, not at every flush: rows expire by the day.
const PRUNE_EVERY_MS = 60 * 60 * 1000;
/**
 * A row already written is written again only once its time has moved by a minute: a
 * client polling every second with the same filter costs one upsert a minute, not one
 * per flush, and "last used" is at most a minute behind on the other nodes.
 */
export const REWRITE_MS = 60_000;
/**
 * The most distinct (key, dataset, use, field) entries held between two flushes, and the
 * most remembered as written. Names come only from the datasets' own fields (a request
 * naming anything else is refused before it is recorded), so this bounds keys × datasets
 * × fields actually in use within a few seconds; 50,000 entries of ~100 bytes are ~5 MB.
 * Past it, new entries wait for the next flush (known ones keep their times moving).
 */
export const MAX_ENTRIES = 50_000;
// Rows per INSERT: 6 parameters a row, 1,800 a statement, under SQLite's 32,766 and
// PostgreSQL's 65,535.
const ROWS_PER_STATEMENT = 300;
// Separates the parts of a row's name; no id holds it, and the field name comes last, so
// its own characters can't make two names collide.
const SEP = '\u0000';

/**
 * One key's uses of one dataset since the last flush: the field names, per use. No time
 * per request: the flush stamps them with its own time, at most FLUSH_MS after the use.
 */
interface Pending {
  readonly tenantId: string;
  readonly byKind: readonly [Set<string>, Set<string>, Set<string>];
  /** The last request's names, as given: a page-cache hit gives the same object again. */
  last: UsedFieldNames | null;
}

function rowName(r: Pick<FieldUseRow, 'keyId' | 'datasetId' | 'use' | 'field'>): string {
  return `${r.keyId}${SEP}${r.datasetId}${SEP}${r.use}${SEP}${r.field}`;
}

/**
 * Which dataset fields each key's clients filter, sort and select on (`/api/` and
 * `/odata/`), with the last time: noted in this process's memory on every request that
 * names fields, upserted into `field_uses` in batches (the server flushes every few
 * seconds) with the flush's time, so a time is later than the use by at most the flush
 * interval; merged across nodes by keeping the latest time, deleted after two days.
 */
export function createFieldUseService(deps: { store: Store; clock?: Clock; maxEntries?: number }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const maxEntries = deps.maxEntries ?? MAX_ENTRIES;
  // Noted since the last flush, by key id then dataset id: the same string objects on
  // every request of a key (the principal's, the dataset's), so their hashes are cached.
  let pending = new Map<string, Map<string, Pending>>();
  let size = 0;
  let dropped = 0;
  // Taken by the flush writing now, or failed to be written and kept for the next one.
  let unsent: FieldUseRow[] = [];
  // Row name → the time last written, for rows written within REWRITE_MS.
  let written = new Map<string, number>();
  let flushing: Promise<FieldUseFlush> | undefined;
  let lastPrune = -Infinity;

  function note(into: Set<string>, names: readonly string[]): void {
    for (let i = 0; i < names.length; i++) {
      const before = into.size;
      into.add(names[i]);
      if (into.size !== before && ++size > maxEntries) {
        into.delete(names[i]);
        size--;
        dropped++;
      }
    }
  }

  /** The uses noted since the last flush, as rows stamped `usedAt`. */
  function pendingRows(usedAt: number): FieldUseRow[] {
    const rows: FieldUseRow[] = [];
    for (const [keyId, byDataset] of pending)
      for (const [datasetId, p] of byDataset)
        for (let k = 0; k < KINDS.length; k++)
          for (const field of p.byKind[k])
            rows.push({ tenantId: p.tenantId, keyId, datasetId, use: KINDS[k], field, usedAt });
    return rows;
  }

  /** Every use noted since the last flush, as rows of time `now`; noting starts afresh. */
  function takePending(now: number): FieldUseRow[] {
    const rows = pendingRows(now);
    pending = new Map();
    size = 0;
    return rows;
  }

  /** `rows` with one row per name, the latest. */
  function latest(rows: readonly FieldUseRow[]): Map<string, FieldUseRow> {
    const out = new Map<string, FieldUseRow>();
    for (const r of rows) {
      const name = rowName(r);
      const have = out.get(name);
      if (have === undefined || have.usedAt < r.usedAt) out.set(name, r);
    }
    return out;
  }

  async function write(rows: readonly FieldUseRow[], now: number): Promise<void> {
    const prune = now - lastPrune >= PRUNE_EVERY_MS;
    await store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        await trx
          .insertInto('fieldUses')
          .values(
            rows.slice(i, i + ROWS_PER_STATEMENT).map((r) => ({ ...r, usedAt: new Date(r.usedAt).toISOString() })),
          )
          // Every node writes into the same rows; the latest time wins. ISO times of one
          // format compare as text in time order.
          .onConflict((oc) =>
            oc
              .columns(['keyId', 'datasetId', 'use', 'field'])
              .doUpdateSet((eb) => ({ usedAt: eb.ref('excluded.usedAt') }))
              .where('fieldUses.usedAt', '<', (eb) => eb.ref('excluded.usedAt')),
          )
          .execute();
      }
      if (prune)
        await trx
          .deleteFrom('fieldUses')
          .where('usedAt', '<', new Date(now - KEEP_MS).toISOString())
          .execute();
    });
    if (prune) lastPrune = now;
  }

  async function flushOnce(): Promise<FieldUseFlush> {
    const now = clock.now();
    const lost = dropped;
    dropped = 0;
    const all = latest([...unsent, ...takePending(now)]);
    // Rows written a moment ago with nearly the same time are left as they are.
    const rows = [...all].filter(([name, r]) => !(r.usedAt - (written.get(name) ?? -Infinity) < REWRITE_MS));
    unsent = rows.map(([, r]) => r);
    try {
      if (rows.length > 0 || now - lastPrune >= PRUNE_EVERY_MS) await write(unsent, now);
      for (const [name, r] of rows) written.set(name, r.usedAt);
      for (const [name, at] of written) if (now - at >= REWRITE_MS) written.delete(name);
      // Forgetting what was written costs only writes, never a use.
      if (written.size > maxEntries) written = new Map();
      unsent = [];
      return { written: rows.length, dropped: lost };
    } catch (error) {
      // Kept for the next flush, as long as a reload's check could still list them, and
      // no more than the cap (the newest kept).
      unsent = unsent
        .filter((r) => now - r.usedAt < RECENT_MS)
        .sort((a, b) => b.usedAt - a.usedAt)
        .slice(0, maxEntries);
      return { written: 0, error, dropped: lost };
    }
  }

  /**
   * This process's uses not yet in the database: kept after a failed write, or being
   * written, with their times; noted since the last flush, with the time now (as the
   * next flush would stamp them).
   */
  function unwritten(): FieldUseRow[] {
    return [...unsent, ...pendingRows(clock.now())];
  }

  return {
    /**
     * Notes that a request of key `keyId` named `used` fields of dataset `datasetId`. On
     * every public request that names fields: two map look-ups (key, dataset), then, unless
     * `used` is the object this key's last request on the dataset gave (a page-cache hit
     * of the same query), one set insert per field. No clock; allocates only for a key and
     * dataset new since the last flush. A request that names none returns at once.
     */
    record(tenantId: string, keyId: string, datasetId: string, used: UsedFieldNames): void {
      if (used.filter.length === 0 && used.sort.length === 0 && used.select.length === 0) return;
      let byDataset = pending.get(keyId);
      let p = byDataset?.get(datasetId);
      if (p === undefined) {
        // A new pair holds nothing yet; past the cap it would stay empty.
        if (size >= maxEntries) {
          dropped++;
          return;
        }
        if (byDataset === undefined) pending.set(keyId, (byDataset = new Map()));
        p = { tenantId, byKind: [new Set(), new Set(), new Set()], last: null };
        byDataset.set(datasetId, p);
      } else if (p.last === used) return;
      p.last = used;
      if (used.filter.length > 0) note(p.byKind[0], used.filter);
      if (used.sort.length > 0) note(p.byKind[1], used.sort);
      if (used.select.length > 0) note(p.byKind[2], used.select);
    },

    /**
     * Upserts the uses noted so far in one transaction, each row keeping the latest time
     * any node wrote, and once an hour deletes rows older than two days. A failed write
     * keeps the rows for the next flush. Flushes never overlap: a call during one waits.
     */
    flush(): Promise<FieldUseFlush> {
      if (!flushing) flushing = flushOnce().finally(() => (flushing = undefined));
      return flushing;
    },

    /** This process's uses not yet written, as rows (for tests and diagnostics). */
    unwritten,

    /**
     * The fields of dataset `datasetId` that the tenant's keys used within the last day
     * (stored rows, and this process's unwritten ones), one entry per key and field, by
     * key name then field. Removed keys are left out: they have no clients left.
     */
    async recent(tenantId: string, datasetId: string): Promise<FieldUse[]> {
      const since = clock.now() - RECENT_MS;
      const [stored, keys] = await Promise.all([
        store.db
          .selectFrom('fieldUses')
          .select(['keyId', 'use', 'field', 'usedAt'])
          .where('tenantId', '=', tenantId)
          .where('datasetId', '=', datasetId)
          .where('usedAt', '>=', new Date(since).toISOString())
          .execute(),
        store.db.selectFrom('apiKeys').select(['id', 'name']).where('tenantId', '=', tenantId).execute(),
      ]);
      const names = new Map(keys.map((k) => [k.id, k.name]));
      const byKeyField = new Map<string, { keyId: string; field: string; uses: Set<string>; last: number }>();
      const add = (keyId: string, use: string, field: string, at: number) => {
        if (!names.has(keyId) || at < since) return;
        const name = `${keyId}${SEP}${field}`;
        let e = byKeyField.get(name);
        if (e === undefined) byKeyField.set(name, (e = { keyId, field, uses: new Set(), last: at }));
        e.uses.add(use);
        if (at > e.last) e.last = at;
      };
      for (const r of stored) add(r.keyId, r.use, r.field, Date.parse(r.usedAt));
      for (const r of unwritten())
        if (r.tenantId === tenantId && r.datasetId === datasetId) add(r.keyId, r.use, r.field, r.usedAt);
      return [...byKeyField.values()]
        .map((e) => ({
          keyId: e.keyId,
          keyName: names.get(e.keyId)!,
          field: e.field,
          uses: KINDS.filter((k) => e.uses.has(k)),
          lastUsedAt: new Date(e.last).toISOString(),
        }))
        .sort(
          (a, b) =>
            a.keyName.localeCompare(b.keyName) || a.keyId.localeCompare(b.keyId) || a.field.localeCompare(b.field),
        );
    },
  };
}

export type FieldUseService = ReturnType<typeof createFieldUseService>;
