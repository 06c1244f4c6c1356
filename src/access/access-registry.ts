import { LRUCache } from 'lru-cache';
import type { Store } from '../store/index.ts';
import { hashKey, looksLikeKey } from './key-crypto.ts';
import type { ResourceType } from './key-service.ts';

/** Who is calling: the resolved key, passed down as plain data. */
export interface Principal {
  readonly keyId: string;
  readonly tenantId: string;
  readonly rateLimit: number;
}

export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: 'INVALID' };

interface Snapshot {
  readonly keysByHash: ReadonlyMap<string, Principal>;
  readonly enabledTenants: ReadonlySet<string>;
  /** `${keyId} ${type} ${resourceId}` */
  readonly bindings: ReadonlySet<string>;
  /** keyId → type → resource ids, in binding order. */
  readonly boundByKey: ReadonlyMap<string, Readonly<Record<ResourceType, readonly string[]>>>;
}

/**
 * The in-memory view of keys, switches and bindings that the public API reads on every
 * request. Rebuilt whole from the database when the change counter moves, so a request
 * never waits on the database for access decisions.
 */
export function createAccessRegistry(deps: { store: Store }) {
  const { store } = deps;
  let snap: Snapshot = { keysByHash: new Map(), enabledTenants: new Set(), bindings: new Set(), boundByKey: new Map() };
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
        .execute(async (trx) => [
          await trx.selectFrom('apiKeys').select(['id', 'tenantId', 'rateLimit', 'keyHash']).execute(),
          await trx.selectFrom('tenants').select(['id', 'publicApiEnabled']).execute(),
          await trx.selectFrom('bindings').select(['keyId', 'resourceType', 'resourceId']).orderBy('createdAt').execute(),
        ] as const);
      const boundByKey = new Map<string, Record<ResourceType, string[]>>();
      for (const b of bindings) {
        let entry = boundByKey.get(b.keyId);
        if (!entry) boundByKey.set(b.keyId, (entry = { dataset: [], widget: [] }));
        entry[b.resourceType as ResourceType]?.push(b.resourceId);
      }
      snap = {
        keysByHash: new Map(
          keys.map((k) => [k.keyHash, Object.freeze({ keyId: k.id, tenantId: k.tenantId, rateLimit: Number(k.rateLimit) })]),
        ),
        enabledTenants: new Set(tenants.filter((t) => Number(t.publicApiEnabled) === 1).map((t) => t.id)),
        bindings: new Set(bindings.map((b) => `${b.keyId} ${b.resourceType} ${b.resourceId}`)),
        boundByKey,
      };
    },
    authenticate(secret: string): AuthResult {
      const principal = looksLikeKey(secret) ? snap.keysByHash.get(hashOf(secret)) : undefined;
      return principal ? { ok: true, principal } : { ok: false, reason: 'INVALID' };
    },
    isEnabled(tenantId: string): boolean {
      return snap.enabledTenants.has(tenantId);
    },
    isBound(keyId: string, type: ResourceType, resourceId: string): boolean {
      return snap.bindings.has(`${keyId} ${type} ${resourceId}`);
    },
    /** The ids of the resources of one type bound to a key, in binding order. */
    boundIds(keyId: string, type: ResourceType): readonly string[] {
      return snap.boundByKey.get(keyId)?.[type] ?? [];
    },
    /** Remembers a use of the key; `takeLastUsed` hands the batch to whoever writes it. */
    noteUse(keyId: string, at: number): void {
      lastUsed.set(keyId, at);
    },
    /** A use of the key this node has seen but not yet written, if any. */
    unwrittenUse(keyId: string): number | undefined {
      return lastUsed.get(keyId);
    },
    takeLastUsed(): Map<string, number> {
      const out = new Map(lastUsed);
      lastUsed.clear();
      return out;
    },
  };
}

export type AccessRegistry = ReturnType<typeof createAccessRegistry>;
