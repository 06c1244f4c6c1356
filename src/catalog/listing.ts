/** How the console lists datasets or widgets: a text search, one integration group, an order and a page. */
export interface ListQuery {
  /** Case-insensitive substring of the name (datasets: or of the description); '' = all. */
  readonly search?: string;
  /** Only this integration group; undefined = all. */
  readonly group?: string;
  /** Only what this user (id) starred; undefined = all. */
  readonly starredBy?: string;
  /** Widgets only: only those this user (id) created; undefined = all. */
  readonly createdBy?: string;
  /** Widgets only: only those over this dataset (id); undefined = all. */
  readonly datasetId?: string;
  readonly sort: 'modified' | 'name';
  readonly order: 'asc' | 'desc';
  /** 1-based. */
  readonly page: number;
  readonly size: number;
}

/** One page of a listing, the number of matches over all pages, and the tenant's integration groups. */
export interface ListPage<T> {
  readonly items: T[];
  readonly total: number;
  /** Every distinct non-empty integration group among what is listed, ignoring the search and group. */
  readonly groups: string[];
}

/**
 * An in-memory catalogue that the public API reads on every request, rebuilt with `load`
 * when the store's change counter moves. A lookup names the tenant: another tenant's
 * entry is not found.
 */
export function createTenantRegistry<T extends { readonly id: string; readonly tenantId: string }>(
  load: () => Promise<T[]>,
) {
  let byId: ReadonlyMap<string, T> = new Map();
  return {
    async reload(): Promise<void> {
      byId = new Map((await load()).map((x) => [x.id, x]));
    },
    get(tenantId: string, id: string): T | undefined {
      const x = byId.get(id);
      return x && x.tenantId === tenantId ? x : undefined;
    },
  };
}
