import type { Store } from '../store/index.ts';
import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';

/** What an admin can star. */
export type FavouriteType = 'dataset' | 'widget';

const TABLE = { dataset: 'datasets', widget: 'widgets' } as const;

/**
 * Each admin's starred datasets and widgets. Every call names the tenant and the user:
 * a resource of another tenant is not found, and one admin's stars are not another's.
 */
export function createFavourites(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  async function mustExist(tenantId: string, type: FavouriteType, id: string): Promise<void> {
    const row = await store.db
      .selectFrom(TABLE[type])
      .select('id')
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `no ${type} "${id}" in this tenant`);
  }

  return {
    /** Stars a dataset or widget of the tenant for this user; starring twice is the same as once. */
    async star(tenantId: string, userId: string, type: FavouriteType, id: string): Promise<void> {
      await mustExist(tenantId, type, id);
      await store.db
        .insertInto('favourites')
        .values({ userId, tenantId, resourceType: type, resourceId: id, createdAt: isoNow(clock) })
        .onConflict((oc) => oc.columns(['userId', 'resourceType', 'resourceId']).doNothing())
        .execute();
    },

    /** Takes the star off; a resource that was not starred stays so. */
    async unstar(tenantId: string, userId: string, type: FavouriteType, id: string): Promise<void> {
      await mustExist(tenantId, type, id);
      await store.db
        .deleteFrom('favourites')
        .where('tenantId', '=', tenantId)
        .where('userId', '=', userId)
        .where('resourceType', '=', type)
        .where('resourceId', '=', id)
        .execute();
    },

    /** Which of `ids` (every one when omitted) this user starred. */
    async starred(
      tenantId: string,
      userId: string,
      type: FavouriteType,
      ids?: readonly string[],
    ): Promise<Set<string>> {
      if (ids && ids.length === 0) return new Set();
      let q = store.db
        .selectFrom('favourites')
        .select('resourceId')
        .where('tenantId', '=', tenantId)
        .where('userId', '=', userId)
        .where('resourceType', '=', type);
      if (ids) q = q.where('resourceId', 'in', ids);
      return new Set((await q.execute()).map((r) => r.resourceId));
    },
  };
}

export type Favourites = ReturnType<typeof createFavourites>;
