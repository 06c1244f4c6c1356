import type { SyncLog, SyncService, TickRun } from './sync-service.ts';

// How often a server looks for due syncs, unless DATAGATE_SYNC_TICK_MS says otherwise.
// Schedules are at most once a minute, so a due run starts within 15 s of its time; the
// look-up is one indexed query.
export const SCHEDULER_TICK_MS = 15_000;

/** Runs due syncs in the server: a timer calling `tick`, never two ticks at once on one node. */
export function createSyncScheduler(deps: { sync: Pick<SyncService, 'tick'>; log?: SyncLog }) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  /** Runs the syncs due at `now` and logs each (errors masked); returns them. */
  async function runDue(now?: number): Promise<TickRun[]> {
    const runs = await deps.sync.tick(now, (c) =>
      deps.log?.info({ datasetId: c.datasetId, dueAt: c.dueAt }, 'scheduled sync started'),
    );
    for (const r of runs) {
      if (r.ok) deps.log?.info({ datasetId: r.datasetId, rows: r.rows }, 'scheduled sync done');
      else deps.log?.warn({ datasetId: r.datasetId, error: r.error }, 'scheduled sync failed; previous rows kept');
    }
    return runs;
  }
  const tick = () => {
    if (running) return;
    running = runDue()
      .catch((err: Error) => deps.log?.warn({ err: err.message }, 'looking for due syncs failed'))
      .finally(() => (running = undefined));
  };
  return {
    runDue,
    start(intervalMs = SCHEDULER_TICK_MS): void {
      timer ??= setInterval(tick, intervalMs);
      timer.unref();
    },
    /**
     * Stops the timer. A sync in progress is not waited for (it may take minutes): if the
     * process exits first, the dataset keeps its previous rows, as after a crash.
     */
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

export type SyncScheduler = ReturnType<typeof createSyncScheduler>;
