import { LRUCache } from 'lru-cache';
import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { Store } from '../store/index.ts';
import type { ParsedQuery } from './filter/filter-parser.ts';
import { ImportError, planImport, readRows } from './import/source-reader.ts';
import { buildCountQuery, buildPageQuery, pageFields } from './query/dataset-query.ts';
import { toDataset, type Dataset } from './dataset-registry.ts';
import type { Field, FieldType } from './types.ts';

export interface ImportInput {
  readonly file: string;
  readonly name?: string;
  readonly description?: string;
  readonly integrationGroup?: string;
  readonly owner?: string;
  readonly types?: Record<string, FieldType>;
  /** Reload this dataset instead of creating one. */
  readonly replaceId?: string;
  readonly onProgress?: (phase: 'scan' | 'load', done: number, total: number) => void;
}

export interface Page {
  readonly total: number;
  readonly fields: readonly Field[];
  readonly rows: unknown[][];
}

// Counts of filtered rows, keyed by table (which names the version) and the filter's
// SQL and values. Datasets don't change between loads, so an entry never goes stale;
// 10,000 entries of ~200 bytes bound it at a few MB.
const COUNT_CACHE_SIZE = 10_000;
// How long a replaced table is kept for readers that still hold the old version:
// every node sees a change within a second, queries finish long before a minute.
const RETIRE_GRACE_MS = 60_000;
// Rows per insert transaction while loading: large enough to amortise the commit,
// small enough that other writers (admin changes) never wait long.
const LOAD_BATCH = 20_000;

function paramKey(p: unknown): string {
  return typeof p === 'bigint' ? `${p}n` : JSON.stringify(p);
}

/** Datasets: import, reload, listing and reading pages. */
export function createDatasetService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const counts = new LRUCache<string, number>({ max: COUNT_CACHE_SIZE });

  async function sweepRetired(): Promise<void> {
    const cutoff = new Date(clock.now() - RETIRE_GRACE_MS).toISOString();
    const old = await store.db.selectFrom('retiredTables').select('tableName').where('retiredAt', '<', cutoff).execute();
    for (const { tableName } of old) {
      await store.tables.drop(tableName);
      await store.db.deleteFrom('retiredTables').where('tableName', '=', tableName).execute();
    }
  }

  async function get(tenantId: string, id: string): Promise<Dataset> {
    const row = await store.db.selectFrom('datasets').selectAll().where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `no dataset "${id}" in this tenant`);
    return toDataset(row);
  }

  return {
    get,
    sweepRetired,

    async list(tenantId: string): Promise<Dataset[]> {
      const rows = await store.db.selectFrom('datasets').selectAll().where('tenantId', '=', tenantId).orderBy('createdAt').execute();
      return rows.map(toDataset);
    },

    async exists(tenantId: string, id: string): Promise<boolean> {
      const row = await store.db.selectFrom('datasets').select('id').where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Loads a file into a new dataset, or reloads one. The rows go into a new table
     * that is swapped in by one transaction at the end: readers see all old rows or
     * all new ones, and a failure half-way leaves the old rows as they were.
     */
    async importFile(tenantId: string, input: ImportInput): Promise<Dataset> {
      const previous = input.replaceId ? await get(tenantId, input.replaceId) : undefined;
      const name = (input.name ?? previous?.name ?? '').trim();
      if (!name) throw new DomainError('INVALID_INPUT', 'a dataset needs a name');
      let plan;
      try {
        plan = await planImport(input.file, {
          types: input.types,
          onProgress: input.onProgress && ((done, total) => input.onProgress!('scan', done, total)),
        });
      } catch (e) {
        if (e instanceof ImportError) throw new DomainError('IMPORT_INVALID', e.message);
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DomainError('NOT_FOUND', `no file ${input.file}`);
        throw e;
      }
      const fields: Field[] = plan.fields.map((f, i) => Object.freeze({ name: f.name, type: f.type, column: `c${i}` }));
      const id = previous?.id ?? newId();
      const version = (previous?.version ?? 0) + 1;
      const tableName = `ds_${id}_v${version}`;

      // A crash in an earlier attempt may have left its table behind; tables still in
      // their grace period after a replace are left to the sweep.
      const retired = new Set((await store.db.selectFrom('retiredTables').select('tableName').execute()).map((r) => r.tableName));
      for (const t of await store.tables.list(`ds_${id}_`)) {
        if (t !== previous?.tableName && !retired.has(t)) await store.tables.drop(t);
      }
      await store.tables.create(tableName, fields);
      try {
        let loaded = 0;
        let batch: unknown[][] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await store.tables.insert(tableName, fields, batch as never, loaded + 1);
          loaded += batch.length;
          batch = [];
        };
        await readRows(
          input.file,
          plan,
          async (rows) => {
            for (const r of rows) batch.push(r);
            if (batch.length >= LOAD_BATCH) await flush();
          },
          { onProgress: input.onProgress && ((done, total) => input.onProgress!('load', done, total)) },
        );
        await flush();
        await store.tables.index(tableName, fields);

        const now = isoNow(clock);
        await store.db.transaction().execute(async (trx) => {
          if (previous) {
            await trx
              .updateTable('datasets')
              .set({
                name,
                description: input.description ?? previous.description,
                integrationGroup: input.integrationGroup ?? previous.integrationGroup,
                modifiedAt: now,
                syncedAt: now,
                version,
                tableName,
                fields: JSON.stringify(fields),
                rowCount: loaded,
              })
              .where('id', '=', id)
              .execute();
            await trx.insertInto('retiredTables').values({ tableName: previous.tableName, retiredAt: now }).execute();
          } else {
            await trx
              .insertInto('datasets')
              .values({
                id,
                tenantId,
                name,
                description: input.description ?? '',
                integrationGroup: input.integrationGroup ?? '',
                owner: input.owner ?? '',
                createdAt: now,
                modifiedAt: now,
                syncedAt: now,
                version,
                tableName,
                fields: JSON.stringify(fields),
                rowCount: loaded,
              })
              .execute();
          }
          await store.bumpGeneration(trx);
        });
      } catch (e) {
        await store.tables.drop(tableName).catch(() => undefined);
        if (e instanceof ImportError) throw new DomainError('IMPORT_INVALID', e.message);
        throw e;
      }
      await sweepRetired();
      return get(tenantId, id);
    },

    /**
     * One page of rows and the total of matching rows. Past `deadline` (epoch ms) the
     * query is stopped with a QueryTimeoutError.
     */
    async readPage(ds: Dataset, q: ParsedQuery, opts: { deadline?: number } = {}): Promise<Page> {
      let total = ds.rowCount;
      const count = buildCountQuery(store.data, store.caps, ds, q);
      if (count) {
        const key = `${ds.tableName}\n${count.sql}\n${count.parameters.map(paramKey).join('\n')}`;
        const cached = counts.get(key);
        if (cached !== undefined) {
          total = cached;
        } else {
          total = Number((await store.tables.rows(count, opts))[0][0]);
          counts.set(key, total);
        }
      }
      const fields = pageFields(ds, q);
      if ((q.current - 1) * q.size >= total) return { total, fields, rows: [] };
      return { total, fields, rows: await store.tables.rows(buildPageQuery(store.data, store.caps, ds, q, total), opts) };
    },
  };
}

export type DatasetService = ReturnType<typeof createDatasetService>;
