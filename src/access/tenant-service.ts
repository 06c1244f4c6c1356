import type { Kysely } from 'kysely';
import { isoNow, type Clock, systemClock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import { DomainError } from '../shared/errors.ts';
import type { ControlSchema, Store } from '../store/index.ts';

export interface Tenant {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly publicApiEnabled: boolean;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Tenants and their Enable Public API switch. */
export function createTenantService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  async function find(slug: string, db: Kysely<ControlSchema> = store.db): Promise<Tenant | undefined> {
    const row = await db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
    return row && { id: row.id, slug: row.slug, name: row.name, publicApiEnabled: Number(row.publicApiEnabled) === 1 };
  }

  return {
    find,
    /** The tenant with this slug, created (switch on) on first use. */
    async ensure(slug: string): Promise<Tenant> {
      if (!SLUG.test(slug)) {
        throw new DomainError(
          'INVALID_INPUT',
          `tenant "${slug}" is not a valid slug: lowercase letters, digits and dashes`,
        );
      }
      const found = await find(slug);
      if (found) return found;
      await store.db
        .insertInto('tenants')
        .values({ id: newId(), slug, name: slug, publicApiEnabled: 1, createdAt: isoNow(clock) })
        .onConflict((oc) => oc.column('slug').doNothing())
        .execute();
      return (await find(slug))!;
    },
    /** Flips the switch; clients see it within a second. */
    async setPublicApi(tenantId: string, enabled: boolean): Promise<void> {
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('tenants')
          .set({ publicApiEnabled: enabled ? 1 : 0 })
          .where('id', '=', tenantId)
          .execute();
        await store.bumpGeneration(trx);
      });
    },
  };
}

export type TenantService = ReturnType<typeof createTenantService>;
