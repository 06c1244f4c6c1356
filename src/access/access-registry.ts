import { LRUCache } from 'lru-cache';
import type { Store } from '../store/index.ts';
import { hashKey, looksLikeKey } from './key-crypto.ts';
import type { ResourceType } from './key-service.ts';
import { compileAllowList, parseStoredList, type AddressCheck } from '../shared/network.ts';

/** Who is calling: the resolved key, passed down as plain data. */
export interface Principal {
  readonly keyId: string;
  readonly tenantId: string;
  readonly rateLimit: number;
  /** The addresses the key may be used from, compiled once per snapshot; null: any address. */
  readonly allowIps: AddressCheck | null;
  /** The browser origins that may read the key's answers; null: none (no CORS headers). */
  readonly corsOrigins: ReadonlySet<string> | null;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'INVALID' | 'EXPIRED' | 'DISABLED' };

/** A secret the registry knows: its key, and until when it works (ms since the epoch; null: no end). */
interface KnownSecret {
  readonly principal: Principal;
  readonly disabled: boolean;
  /** When the key expires. */
  readonly expiresAt: number | null;
  /** For a rotated key's previous secret: when its grace ends (refused as unknown after it). */
  readonly graceEndsAt: number | null;
}

/** One binding of a resource to a key, as the registry holds it: one frozen object per binding. */
export interface Binding {
  readonly keyId: string;
  readonly type: ResourceType;
  readonly resourceId: string;
  /** The row scope in the filter language; `''` = every row. */
  readonly where: string;
  /** The type of each field the scope names, as when it was bound. */
  readonly whereTypes: Readonly<Record<string, string>>;
}

interface KeyBindings {
  /** Resource id → binding, per type, in binding order. */
  readonly dataset: ReadonlyMap<string, Binding>;
  readonly widget: ReadonlyMap<string, Binding>;
  /** The same ids as arrays, for listings. */
  readonly ids: Readonly<Record<ResourceType, readonly string[]>>;
}

interface Snapshot {
  readonly keysByHash: ReadonlyMap<string, KnownSecret>;
  readonly enabledTenants: ReadonlySet<string>;
  /** keyId → its bindings. */
  readonly boundByKey: ReadonlyMap<string, KeyBindings>;
}

/**
 * The in-memory view of keys, switches and bindings that the public API reads on every
 * request. Rebuilt whole from the database when the change counter moves, so a request
 * never waits on the database for access decisions.
 */
export function createAccessRegistry(deps: { store: Store }) {
  const { store } = deps;
  let snap: Snapshot = { keysByHash: new Map(), enabledTenants: new Set(), boundByKey: new Map() };
  // The snapshot each principal was authenticated from. A request answers from one
  // snapshot from start to end: were its bindings read from a newer one, a key removed
  // while the request waited on its rate limit would look present but unbound (403).
  // One map for every snapshot: a principal authenticated before a reload still finds
  // its own snapshot after it (a principal object belongs to one snapshot only).
  const snapOf = new WeakMap<Principal, Snapshot>();
  /** The bindings of a key, from the principal's own snapshot when given one. */
  const boundOf = (key: string | Pick<Principal, 'keyId'>): KeyBindings | undefined =>
    typeof key === 'string'
      ? snap.boundByKey.get(key)
      : (snapOf.get(key as Principal) ?? snap).boundByKey.get(key.keyId);
  const lastUsed = new Map<string, number>();
  // SHA-256 of a presented key costs more than the rest of the look-up; a key's hash
  // never changes, so the hashes of the keys in use are remembered (10,000 keys ≈ 2 MB).
  const hashes = new LRUCache<string, string>({ max: 10_000 });
  const hashOf = (secret: string) => {
    let h = hashes.get(secret);
    if (h === undefined) hashes.set(secret, (h = hashKey(secret)));
    return h;
  };

  return {
    async reload(): Promise<void> {
      // One snapshot for the three reads: read apart, a key removed in between could
      // show up as present but unbound (403) instead of unknown (401).
      const [keys, tenants, bindings] = await store.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(
          async (trx) =>
            [
              await trx
                .selectFrom('apiKeys')
                .select([
                  'id',
                  'tenantId',
                  'rateLimit',
                  'keyHash',
                  'expiresAt',
                  'disabled',
                  'prevKeyHash',
                  'prevValidUntil',
                  'allowIps',
                  'corsOrigins',
                ])
                .execute(),
              await trx.selectFrom('tenants').select(['id', 'publicApiEnabled']).execute(),
              await trx
                .selectFrom('bindings')
                .select(['keyId', 'resourceType', 'resourceId', 'where', 'whereTypes'])
                .orderBy('createdAt')
                .execute(),
            ] as const,
        );
      const boundByKey = new Map<
        string,
        { dataset: Map<string, Binding>; widget: Map<string, Binding>; ids: Record<ResourceType, string[]> }
      >();
      for (const b of bindings) {
        const type = b.resourceType as ResourceType;
        if (type !== 'dataset' && type !== 'widget') continue;
        let entry = boundByKey.get(b.keyId);
        if (!entry)
          boundByKey.set(
            b.keyId,
            (entry = { dataset: new Map(), widget: new Map(), ids: { dataset: [], widget: [] } }),
          );
        entry[type].set(
          b.resourceId,
          Object.freeze({
            keyId: b.keyId,
            type,
            resourceId: b.resourceId,
            where: b.where,
            whereTypes: Object.freeze(parseTypes(b.whereTypes)),
          }),
        );
        entry.ids[type].push(b.resourceId);
      }
      const keysByHash = new Map<string, KnownSecret>();
      for (const k of keys) {
        // One principal for both secrets of a rotated key: same key, same rate-limit bucket.
        // A stored allowlist that can't be read is one entry that matches nothing: every
        // address is refused rather than every one allowed.
        const allowIps = parseStoredList(k.allowIps, ['unreadable']);
        const origins = parseStoredList(k.corsOrigins, []);
        const principal: Principal = Object.freeze({
          keyId: k.id,
          tenantId: k.tenantId,
          rateLimit: Number(k.rateLimit),
          allowIps: compileAllowList(allowIps),
          corsOrigins: origins.length > 0 ? new Set(origins) : null,
        });
        const known = {
          principal,
          disabled: Number(k.disabled) === 1,
          expiresAt: k.expiresAt === null ? null : Date.parse(k.expiresAt),
        };
        keysByHash.set(k.keyHash, Object.freeze({ ...known, graceEndsAt: null }));
        if (k.prevKeyHash !== null && k.prevValidUntil !== null) {
          keysByHash.set(k.prevKeyHash, Object.freeze({ ...known, graceEndsAt: Date.parse(k.prevValidUntil) }));
        }
      }
      const next: Snapshot = {
        keysByHash,
        enabledTenants: new Set(tenants.filter((t) => Number(t.publicApiEnabled) === 1).map((t) => t.id)),
        boundByKey,
      };
      for (const k of next.keysByHash.values()) snapOf.set(k.principal, next);
      snap = next;
    },
    /**
     * The key a secret belongs to, as of `now` (the injected clock's time): a previous
     * secret past its grace is unknown; a disabled key is refused before an expired one.
     */
    authenticate(secret: string, now: number): AuthResult {
      const known = looksLikeKey(secret) ? snap.keysByHash.get(hashOf(secret)) : undefined;
      if (!known || (known.graceEndsAt !== null && now >= known.graceEndsAt)) return { ok: false, reason: 'INVALID' };
      if (known.disabled) return { ok: false, reason: 'DISABLED' };
      if (known.expiresAt !== null && now >= known.expiresAt) return { ok: false, reason: 'EXPIRED' };
      return { ok: true, principal: known.principal };
    },
    isEnabled(tenantId: string): boolean {
      return snap.enabledTenants.has(tenantId);
    },
    isBound(keyId: string, type: ResourceType, resourceId: string): boolean {
      return snap.boundByKey.get(keyId)?.[type].has(resourceId) ?? false;
    },
    /** The binding of this resource to this key, if there is one; the same object until the next reload. */
    binding(key: string | Pick<Principal, 'keyId'>, type: ResourceType, resourceId: string): Binding | undefined {
      return boundOf(key)?.[type].get(resourceId);
    },
    /** The ids of the resources of one type bound to a key, in binding order. */
    boundIds(key: string | Pick<Principal, 'keyId'>, type: ResourceType): readonly string[] {
      return boundOf(key)?.ids[type] ?? [];
    },
    /**
     * The widget bindings of the keys that can read now (not disabled, public API of the
     * tenant on), each with its key's tenant, in binding order per key.
     */
    widgetBindings(): { tenantId: string; binding: Binding }[] {
      const out: { tenantId: string; binding: Binding }[] = [];
      const seen = new Set<string>();
      for (const k of snap.keysByHash.values()) {
        const { keyId, tenantId } = k.principal;
        // A rotated key has two secrets and one principal: its bindings once.
        if (k.disabled || seen.has(keyId) || !snap.enabledTenants.has(tenantId)) continue;
        seen.add(keyId);
        for (const binding of snap.boundByKey.get(keyId)?.widget.values() ?? []) out.push({ tenantId, binding });
      }
      return out;
    },
    /** Remembers a use of the key, until `forgetWritten` is told it is stored. */
    noteUse(keyId: string, at: number): void {
      lastUsed.set(keyId, at);
    },
    /** A use of the key this node has seen but not yet written, if any. */
    unwrittenUse(keyId: string): number | undefined {
      return lastUsed.get(keyId);
    },
    /**
     * The uses to write. They stay remembered while the write is under way (the console
     * reads them meanwhile) and after a write that failed (the next one retries them).
     */
    unwrittenUses(): Map<string, number> {
      return new Map(lastUsed);
    },
    /** Forgets the uses a write stored, but not a later use of the same key. */
    forgetWritten(written: ReadonlyMap<string, number>): void {
      for (const [keyId, at] of written) if (lastUsed.get(keyId) === at) lastUsed.delete(keyId);
    },
  };
}

export type AccessRegistry = ReturnType<typeof createAccessRegistry>;

/** A binding's recorded scope field types; anything unreadable is none (the scope is still parsed and checked). */
function parseTypes(json: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
