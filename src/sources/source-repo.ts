import type { Kysely } from 'kysely';
import type { ControlSchema, Store } from '../store/index.ts';

export type SourceRow = ControlSchema['datasetSources'];
export type RunRow = ControlSchema['syncRuns'];

/** The rows of `dataset_sources` and `sync_runs`; every read names the tenant. */
export function createSourceRepo(store: Pick<Store, 'db'>) {
  const { db } = store;
  return {
    async insert(row: SourceRow, trx?: Kysely<ControlSchema>): Promise<void> {
      await (trx ?? db).insertInto('datasetSources').values(row).execute();
    },

    async get(tenantId: string, datasetId: string): Promise<SourceRow | undefined> {
      return db
        .selectFrom('datasetSources')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .where('datasetId', '=', datasetId)
        .executeTakeFirst();
    },

    async listOf(tenantId: string): Promise<SourceRow[]> {
      return db.selectFrom('datasetSources').selectAll().where('tenantId', '=', tenantId).execute();
    },

    /** Sources whose next due time is at or before `nowIso`, in every tenant. */
    async due(nowIso: string): Promise<SourceRow[]> {
      return db
        .selectFrom('datasetSources')
        .selectAll()
        .where('nextRunAt', 'is not', null)
        .where('nextRunAt', '<=', nowIso)
        .orderBy('nextRunAt')
        .execute();
    },

    /**
     * Claims the run due at `dueAt` by moving the source's next due time to `next`: true
     * for exactly one caller, however many nodes try at once (compare-and-set).
     */
    async claimDue(datasetId: string, dueAt: string, schedule: string, next: string | null): Promise<boolean> {
      // The schedule too: `next` was computed from it, and an edit may have changed it
      // while keeping the same next due time.
      const r = await db
        .updateTable('datasetSources')
        .set({ nextRunAt: next })
        .where('datasetId', '=', datasetId)
        .where('nextRunAt', '=', dueAt)
        .where('schedule', '=', schedule)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /** Changes a source (an edit): what it reads, and its schedule with its next due time. */
    async update(
      tenantId: string,
      datasetId: string,
      set: Omit<SourceRow, 'datasetId' | 'tenantId' | 'types' | 'lastError' | 'lastErrorAt' | 'createdAt'>,
    ): Promise<void> {
      await db
        .updateTable('datasetSources')
        .set(set)
        .where('tenantId', '=', tenantId)
        .where('datasetId', '=', datasetId)
        .execute();
    },

    async setError(datasetId: string, error: string | null, at: string | null): Promise<void> {
      await db
        .updateTable('datasetSources')
        .set({ lastError: error, lastErrorAt: at })
        .where('datasetId', '=', datasetId)
        .execute();
    },

    async startRun(run: RunRow): Promise<void> {
      await db.insertInto('syncRuns').values(run).execute();
    },

    async endRun(id: string, end: Pick<RunRow, 'endedAt' | 'result' | 'rows' | 'error'>): Promise<void> {
      await db.updateTable('syncRuns').set(end).where('id', '=', id).execute();
    },

    /** Marks runs of a dataset still "running" as interrupted: called while holding its sync lock. */
    async interruptStale(datasetId: string, at: string): Promise<void> {
      await db
        .updateTable('syncRuns')
        .set({ result: 'failed', endedAt: at, error: 'interrupted: the process running it stopped' })
        .where('datasetId', '=', datasetId)
        .where('result', '=', 'running')
        .execute();
    },

    async runs(tenantId: string, datasetId: string, limit: number): Promise<RunRow[]> {
      return db
        .selectFrom('syncRuns')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .where('datasetId', '=', datasetId)
        .orderBy('startedAt', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
  };
}

export type SourceRepo = ReturnType<typeof createSourceRepo>;
