import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { parseInstant } from '../shared/durations.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { Kysely } from 'kysely';
import type { ControlSchema, Store } from '../store/index.ts';
import { generateKeySecret, hashKey, KEY_PREFIX, keyHint, type KeyCipher } from './key-crypto.ts';
import { parseAllowIps, parseCorsOrigins, parseStoredList } from '../shared/network.ts';

export type ResourceType = 'dataset' | 'widget';

export interface KeySummary {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly description: string;
  readonly rateLimit: number;
  readonly hint: string;
  /** `dgk_1a2b…9f0e`: enough to tell keys apart, far too little to use (16 of 160 bits besides the hint's). */
  readonly maskedKey: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** When the key stops working; null: never. */
  readonly expiresAt: string | null;
  /** Refused (403) until enabled again; its bindings are kept. */
  readonly disabled: boolean;
  /** While a rotation's grace runs: until when the previous secret works; null otherwise. */
  readonly previousValidUntil: string | null;
  /** The networks (CIDR) the key may be used from; empty: any address. */
  readonly allowIps: string[];
  /** The browser origins that may read the key's answers (CORS); empty: none. */
  readonly corsOrigins: string[];
  readonly bindings: { readonly datasets: string[]; readonly widgets: string[] };
  /** Each binding with its row scope (`''` = every row), in binding order. */
  readonly scopes: readonly BindingScope[];
}

/**
 * A scope checked against its dataset: the type of each field it names (kept with the
 * binding, so that a reload that retypes one fails closed), or what is wrong.
 */
export type ScopeCheck =
  | { readonly ok: true; readonly types: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly message: string };

/** A binding and its row scope, in the filter language. */
export interface BindingScope {
  readonly type: ResourceType;
  readonly id: string;
  readonly where: string;
  /** The type of each field the scope names, as when it was bound (absent where only the scope is shown). */
  readonly whereTypes?: Readonly<Record<string, string>>;
}

/** A binding's stored field types (JSON); anything unreadable as none. */
function typesOf(json: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(json);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The most characters a scope may hold: a long `[in]` list fits; a scope is not a data set. */
export const MAX_SCOPE_LENGTH = 20_000;

export const KEY_TYPES = ['Custom'] as const;
export const DEFAULT_RATE_LIMIT = 60;
// A per-minute limit above this is almost certainly a typo; an operator who really
// wants more can raise it here.
const MAX_RATE_LIMIT = 1_000_000_000;
/** A rotation's grace lets a fleet of clients switch secrets; past 30 days it's a second key. */
const MAX_GRACE_MS = 30 * 86_400_000;
export const DEFAULT_GRACE_MS = 86_400_000;

export interface KeyServiceDeps {
  store: Store;
  cipher: KeyCipher;
  clock?: Clock;
  /** Whether a resource exists in the tenant; bindings to nothing are refused. */
  resourceExists(tenantId: string, type: ResourceType, id: string): Promise<boolean>;
  /**
   * Whether a row scope on this resource parses against the fields of the dataset (or of
   * the widget's dataset): the types of the fields it names, or what is wrong.
   */
  checkScope?(tenantId: string, type: ResourceType, id: string, where: string): Promise<ScopeCheck>;
}

/** What changed in a key, as the audit log words it; empty when nothing did. */
export function keyChanges(before: KeySummary, after: KeySummary): string[] {
  const changes: string[] = [];
  const list = (l: readonly string[], empty: string) => (l.length === 0 ? empty : l.join(', '));
  if (before.name !== after.name) changes.push(`name "${before.name}" → "${after.name}"`);
  if (before.description !== after.description) changes.push('description changed');
  if (before.rateLimit !== after.rateLimit) changes.push(`rate limit ${before.rateLimit} → ${after.rateLimit}/min`);
  if (before.expiresAt !== after.expiresAt) {
    changes.push(`expires ${before.expiresAt ?? 'never'} → ${after.expiresAt ?? 'never'}`);
  }
  if (before.allowIps.join() !== after.allowIps.join()) {
    changes.push(`allowed addresses ${list(before.allowIps, 'any')} → ${list(after.allowIps, 'any')}`);
  }
  if (before.corsOrigins.join() !== after.corsOrigins.join()) {
    changes.push(`CORS origins ${list(before.corsOrigins, 'none')} → ${list(after.corsOrigins, 'none')}`);
  }
  return changes;
}

/** API keys and their bindings, as an admin manages them. */
export function createKeyService(deps: KeyServiceDeps) {
  const { store, cipher } = deps;
  const clock = deps.clock ?? systemClock;

  async function requireKey(tenantId: string, id: string) {
    const row = await store.db
      .selectFrom('apiKeys')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `no key "${id}" in this tenant`);
    return row;
  }

  /** `dgk_` and the first and last four hex digits; the hint alone when the secret can't be decrypted. */
  function masked(row: { keyCipher: string; keyHint: string }): string {
    try {
      const secret = cipher.decrypt(row.keyCipher);
      return `${secret.slice(0, KEY_PREFIX.length + 4)}…${secret.slice(-4)}`;
    } catch {
      return row.keyHint;
    }
  }

  function validateName(raw: string): string {
    const name = raw.trim();
    if (!name) throw new DomainError('INVALID_INPUT', 'a key needs a name');
    if (name.length > 200) throw new DomainError('INVALID_INPUT', 'a key name is at most 200 characters');
    return name;
  }

  function validateDescription(d: string): string {
    // A description is a sentence or two for people; 2000 characters is a generous page.
    if (d.length > 2000) throw new DomainError('INVALID_INPUT', 'a key description is at most 2000 characters');
    return d;
  }

  async function summaries(tenantId: string, onlyId?: string): Promise<KeySummary[]> {
    let q = store.db.selectFrom('apiKeys').selectAll().where('tenantId', '=', tenantId);
    if (onlyId !== undefined) q = q.where('id', '=', onlyId);
    const keys = await q.orderBy('createdAt').orderBy('id').execute();
    let bq = store.db
      .selectFrom('bindings')
      .innerJoin('apiKeys', 'apiKeys.id', 'bindings.keyId')
      .select([
        'bindings.keyId',
        'bindings.resourceType',
        'bindings.resourceId',
        'bindings.where',
        'bindings.whereTypes',
      ])
      .where('apiKeys.tenantId', '=', tenantId);
    if (onlyId !== undefined) bq = bq.where('bindings.keyId', '=', onlyId);
    const bindings = await bq.orderBy('bindings.createdAt').execute();
    return keys.map((k) => ({
      id: k.id,
      name: k.name,
      type: k.type,
      description: k.description,
      rateLimit: Number(k.rateLimit),
      hint: k.keyHint,
      maskedKey: masked(k),
      createdAt: k.createdAt,
      lastUsedAt: k.lastUsedAt,
      expiresAt: k.expiresAt,
      disabled: Number(k.disabled) === 1,
      previousValidUntil:
        k.prevValidUntil !== null && Date.parse(k.prevValidUntil) > clock.now() ? k.prevValidUntil : null,
      allowIps: parseStoredList(k.allowIps, []),
      corsOrigins: parseStoredList(k.corsOrigins, []),
      bindings: {
        datasets: bindings.filter((b) => b.keyId === k.id && b.resourceType === 'dataset').map((b) => b.resourceId),
        widgets: bindings.filter((b) => b.keyId === k.id && b.resourceType === 'widget').map((b) => b.resourceId),
      },
      scopes: bindings
        .filter((b) => b.keyId === k.id)
        .map((b) => ({
          type: b.resourceType as ResourceType,
          id: b.resourceId,
          where: b.where,
          whereTypes: typesOf(b.whereTypes),
        })),
    }));
  }

  /** Checks the key and every resource, then binds them all in one transaction. */
  async function insertBindings(
    tenantId: string,
    id: string,
    resources: readonly { type: ResourceType; id: string; where?: string }[],
    refusedSuffix: string,
  ) {
    await requireKey(tenantId, id);
    const typesOf = new Map<(typeof resources)[number], string>();
    for (const r of resources) {
      if (!(await deps.resourceExists(tenantId, r.type, r.id))) {
        throw new DomainError('NOT_FOUND', `no ${r.type} "${r.id}" in this tenant${refusedSuffix}`);
      }
      const where = r.where ?? '';
      if (r.where !== undefined && typeof r.where !== 'string')
        throw new DomainError('INVALID_INPUT', `a scope must be a string${refusedSuffix}`);
      if (where.length > MAX_SCOPE_LENGTH)
        throw new DomainError('INVALID_INPUT', `a scope is at most ${MAX_SCOPE_LENGTH} characters${refusedSuffix}`);
      const check = where.trim() === '' ? undefined : await deps.checkScope?.(tenantId, r.type, r.id, where);
      if (check !== undefined && !check.ok)
        throw new DomainError(
          'INVALID_INPUT',
          `the scope on ${r.type} "${r.id}" is invalid: ${check.message}${refusedSuffix}`,
        );
      typesOf.set(r, check?.ok ? JSON.stringify(check.types) : '{}');
    }
    if (resources.length === 0) return;
    await store.db.transaction().execute(async (trx) => {
      for (const r of resources) {
        const where = r.where?.trim();
        const whereTypes = typesOf.get(r) ?? '{}';
        await trx
          .insertInto('bindings')
          .values({
            keyId: id,
            resourceType: r.type,
            resourceId: r.id,
            createdAt: isoNow(clock),
            where: where ?? '',
            whereTypes,
          })
          .onConflict((oc) =>
            // Binding again keeps the binding's place; a scope given replaces the scope, none keeps it.
            where === undefined
              ? oc.columns(['keyId', 'resourceType', 'resourceId']).doNothing()
              : oc.columns(['keyId', 'resourceType', 'resourceId']).doUpdateSet({ where, whereTypes }),
          )
          .execute();
      }
      await store.bumpGeneration(trx);
    });
  }

  /** An expiry time: an ISO 8601 date-time in the future, or null for none. */
  function validateExpiry(raw: string | null): string | null {
    if (raw === null) return null;
    const t = parseInstant(raw);
    if (!t.ok) throw new DomainError('INVALID_INPUT', `expiresAt: ${t.message}`);
    if (t.value <= clock.now()) throw new DomainError('INVALID_INPUT', `expiresAt: "${raw}" is in the past`);
    return new Date(t.value).toISOString();
  }

  /** An allowlist as stored (JSON), each entry checked; a bad one is named in the message. */
  function validateAllowIps(list: readonly string[]): string {
    if (!Array.isArray(list)) throw new DomainError('INVALID_INPUT', 'allowIps must be a list of addresses or CIDRs');
    const p = parseAllowIps(list);
    if (!p.ok) throw new DomainError('INVALID_INPUT', `allowIps: ${p.message}`);
    return JSON.stringify(p.value);
  }

  /** A list of CORS origins as stored (JSON), each entry checked; a bad one is named in the message. */
  function validateCorsOrigins(list: readonly string[]): string {
    if (!Array.isArray(list)) throw new DomainError('INVALID_INPUT', 'corsOrigins must be a list of origins');
    const p = parseCorsOrigins(list);
    if (!p.ok) throw new DomainError('INVALID_INPUT', `corsOrigins: ${p.message}`);
    return JSON.stringify(p.value);
  }

  function validateRateLimit(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RATE_LIMIT) {
      throw new DomainError(
        'INVALID_INPUT',
        `rate limit must be a whole number of requests per minute from 1 to ${MAX_RATE_LIMIT}, got ${n}`,
      );
    }
    return n;
  }

  return {
    /** Creates a key; the secret is returned once here and can be shown again with `reveal`. */
    async create(
      tenantId: string,
      input: {
        name: string;
        description?: string;
        type?: string;
        rateLimit?: number;
        expiresAt?: string | null;
        allowIps?: readonly string[];
        corsOrigins?: readonly string[];
      },
    ): Promise<{
      id: string;
      name: string;
      key: string;
      rateLimit: number;
      expiresAt: string | null;
      allowIps: readonly string[];
      corsOrigins: readonly string[];
    }> {
      const name = validateName(input.name);
      const description = validateDescription(input.description ?? '');
      const type = input.type ?? 'Custom';
      if (!(KEY_TYPES as readonly string[]).includes(type)) {
        throw new DomainError('INVALID_INPUT', `key type must be one of ${KEY_TYPES.join(', ')}, got "${type}"`);
      }
      const rateLimit = validateRateLimit(input.rateLimit ?? DEFAULT_RATE_LIMIT);
      const expiresAt = validateExpiry(input.expiresAt ?? null);
      const allowIps = validateAllowIps(input.allowIps ?? []);
      const corsOrigins = validateCorsOrigins(input.corsOrigins ?? []);
      const secret = generateKeySecret();
      const id = newId();
      await store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('apiKeys')
          .values({
            id,
            tenantId,
            name,
            type,
            description,
            rateLimit,
            keyHash: hashKey(secret),
            keyCipher: cipher.encrypt(secret),
            keyHint: keyHint(secret),
            createdAt: isoNow(clock),
            lastUsedAt: null,
            expiresAt,
            allowIps,
            corsOrigins,
          })
          .execute();
        await store.bumpGeneration(trx);
      });
      return {
        id,
        name,
        key: secret,
        rateLimit,
        expiresAt,
        allowIps: JSON.parse(allowIps) as string[],
        corsOrigins: JSON.parse(corsOrigins) as string[],
      };
    },

    async list(tenantId: string): Promise<KeySummary[]> {
      return summaries(tenantId);
    },

    /** One key of the tenant, without its secret. */
    async get(tenantId: string, id: string): Promise<KeySummary> {
      const [k] = await summaries(tenantId, id);
      if (!k) throw new DomainError('NOT_FOUND', `no key "${id}" in this tenant`);
      return k;
    },

    /**
     * Changes a key's name, description, rate limit, expiry, allowlist or CORS origins (in
     * effect within a second); returns the key before and after.
     */
    async update(
      tenantId: string,
      id: string,
      input: {
        name?: string;
        description?: string;
        rateLimit?: number;
        expiresAt?: string | null;
        allowIps?: readonly string[];
        corsOrigins?: readonly string[];
      },
    ): Promise<{ before: KeySummary; after: KeySummary }> {
      const [before] = await summaries(tenantId, id);
      if (!before) throw new DomainError('NOT_FOUND', `no key "${id}" in this tenant`);
      const set: {
        name?: string;
        description?: string;
        rateLimit?: number;
        expiresAt?: string | null;
        allowIps?: string;
        corsOrigins?: string;
      } = {};
      if (input.expiresAt !== undefined) set.expiresAt = validateExpiry(input.expiresAt);
      if (input.name !== undefined) set.name = validateName(input.name);
      if (input.description !== undefined) set.description = validateDescription(input.description);
      if (input.rateLimit !== undefined) set.rateLimit = validateRateLimit(input.rateLimit);
      if (input.allowIps !== undefined) set.allowIps = validateAllowIps(input.allowIps);
      if (input.corsOrigins !== undefined) set.corsOrigins = validateCorsOrigins(input.corsOrigins);
      if (Object.keys(set).length > 0) {
        await store.db.transaction().execute(async (trx) => {
          await trx.updateTable('apiKeys').set(set).where('tenantId', '=', tenantId).where('id', '=', id).execute();
          await store.bumpGeneration(trx);
        });
      }
      return { before, after: Object.keys(set).length > 0 ? (await summaries(tenantId, id))[0] : before };
    },

    /** Refuses (disabled) or accepts the key again, within a second; its bindings are kept. */
    async setDisabled(tenantId: string, id: string, disabled: boolean): Promise<KeySummary> {
      await requireKey(tenantId, id);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('apiKeys')
          .set({ disabled: disabled ? 1 : 0 })
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .execute();
        await store.bumpGeneration(trx);
      });
      return (await summaries(tenantId, id))[0];
    },

    /**
     * A new secret for the same key (same id, bindings and rate-limit bucket). The previous
     * secret keeps working for `graceMs` (0: not at all); a secret from an earlier rotation
     * whose grace still ran stops at once, as only one previous secret is kept.
     */
    async rotate(
      tenantId: string,
      id: string,
      graceMs: number,
    ): Promise<{ id: string; key: string; previousValidUntil: string }> {
      if (!Number.isInteger(graceMs) || graceMs < 0 || graceMs > MAX_GRACE_MS) {
        throw new DomainError('INVALID_INPUT', `grace must be from 0 to ${MAX_GRACE_MS / 86_400_000} days`);
      }
      const row = await requireKey(tenantId, id);
      const secret = generateKeySecret();
      const previousValidUntil = new Date(clock.now() + graceMs).toISOString();
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('apiKeys')
          .set({
            keyHash: hashKey(secret),
            keyCipher: cipher.encrypt(secret),
            keyHint: keyHint(secret),
            prevKeyHash: graceMs > 0 ? row.keyHash : null,
            prevValidUntil: graceMs > 0 ? previousValidUntil : null,
          })
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .execute();
        await store.bumpGeneration(trx);
      });
      return { id, key: secret, previousValidUntil };
    },

    /** The key's secret, decrypted for an admin to copy again. */
    async reveal(tenantId: string, id: string): Promise<{ id: string; key: string }> {
      const row = await requireKey(tenantId, id);
      return { id, key: cipher.decrypt(row.keyCipher) };
    },

    async setRateLimit(tenantId: string, id: string, rateLimit: number): Promise<void> {
      await requireKey(tenantId, id);
      validateRateLimit(rateLimit);
      await store.db.transaction().execute(async (trx) => {
        await trx.updateTable('apiKeys').set({ rateLimit }).where('id', '=', id).execute();
        await store.bumpGeneration(trx);
      });
    },

    /**
     * Removes a key and its bindings; clients using it are refused within a second. Its
     * usage stays, under its name (kept in `removed_keys`).
     */
    async remove(tenantId: string, id: string): Promise<void> {
      const row = await requireKey(tenantId, id);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('removedKeys')
          .values({ id, tenantId, name: row.name, removedAt: isoNow(clock), lastUsedAt: row.lastUsedAt })
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
        await trx.deleteFrom('bindings').where('keyId', '=', id).execute();
        await trx.deleteFrom('apiKeys').where('id', '=', id).execute();
        await store.bumpGeneration(trx);
      });
    },

    /**
     * Binds a resource of the key's tenant to the key, limited to the rows of `where`
     * (the filter language; `''` or none = every row). Binding again replaces the scope.
     */
    async bind(tenantId: string, id: string, type: ResourceType, resourceId: string, where = ''): Promise<void> {
      await insertBindings(tenantId, id, [{ type, id: resourceId, where }], '');
    },

    /**
     * Binds several resources at once, all or none: every id is checked first, and the
     * first unknown one is refused before anything is bound. Binding twice is harmless:
     * without a `where`, a binding that exists keeps its scope.
     */
    async bindAll(
      tenantId: string,
      id: string,
      resources: readonly { type: ResourceType; id: string; where?: string }[],
    ): Promise<void> {
      await insertBindings(tenantId, id, resources, '; nothing was bound');
    },

    async unbind(tenantId: string, id: string, type: ResourceType, resourceId: string): Promise<void> {
      await requireKey(tenantId, id);
      const res = await store.db.transaction().execute(async (trx) => {
        const r = await trx
          .deleteFrom('bindings')
          .where('keyId', '=', id)
          .where('resourceType', '=', type)
          .where('resourceId', '=', resourceId)
          .executeTakeFirst();
        await store.bumpGeneration(trx);
        return r;
      });
      if (Number(res.numDeletedRows) === 0) {
        throw new DomainError('NOT_FOUND', `${type} "${resourceId}" is not bound to key "${id}"`);
      }
    },

    /** For each resource of `type`, the keys it is bound to (for "linked keys" and delete warnings). */
    async bindingsOf(tenantId: string, type: ResourceType): Promise<Map<string, { id: string; name: string }[]>> {
      const rows = await store.db
        .selectFrom('bindings')
        .innerJoin('apiKeys', 'apiKeys.id', 'bindings.keyId')
        .select(['bindings.resourceId', 'apiKeys.id', 'apiKeys.name'])
        .where('apiKeys.tenantId', '=', tenantId)
        .where('bindings.resourceType', '=', type)
        .orderBy('apiKeys.name')
        .execute();
      const out = new Map<string, { id: string; name: string }[]>();
      for (const r of rows) {
        const list = out.get(r.resourceId) ?? [];
        list.push({ id: r.id, name: r.name });
        out.set(r.resourceId, list);
      }
      return out;
    },

    /**
     * Removes every binding of the tenant's keys to these resources (when they are
     * deleted); inside `trx` when given, in a transaction of its own otherwise.
     */
    async removeBindingsTo(
      tenantId: string,
      type: ResourceType,
      resourceIds: readonly string[],
      trx?: Kysely<ControlSchema>,
    ): Promise<void> {
      if (resourceIds.length === 0) return;
      const run = async (t: Kysely<ControlSchema>) => {
        const keyIds = t.selectFrom('apiKeys').select('id').where('tenantId', '=', tenantId);
        await t
          .deleteFrom('bindings')
          .where('resourceType', '=', type)
          .where('resourceId', 'in', resourceIds as string[])
          .where('keyId', 'in', keyIds)
          .execute();
        await store.bumpGeneration(t);
      };
      await (trx ? run(trx) : store.db.transaction().execute(run));
    },

    /** Records when keys were last used; called in batches, never per request. */
    async recordLastUsed(times: ReadonlyMap<string, number>): Promise<void> {
      if (times.size === 0) return;
      await store.db.transaction().execute(async (trx) => {
        for (const [id, t] of times) {
          await trx
            .updateTable('apiKeys')
            .set({ lastUsedAt: new Date(t).toISOString() })
            .where('id', '=', id)
            .execute();
        }
      });
    },
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
