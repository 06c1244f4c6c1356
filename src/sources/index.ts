import path from 'node:path';
import type { DatasetService } from '../catalog/index.ts';
import type { Clock } from '../shared/clock.ts';
import { createSecretBox } from '../shared/secret-box.ts';
import type { Store } from '../store/index.ts';
import { createSyncScheduler } from './sync-scheduler.ts';
import { createSyncService, type ReloadCheck, type SyncLimits, type SyncLog } from './sync-service.ts';

export type {
  ConnectInput,
  SourceEdit,
  SourceView,
  SyncLimits,
  SyncLog,
  SyncResult,
  SyncRun,
  SyncService,
  TickRun,
} from './sync-service.ts';
export type { SyncScheduler } from './sync-scheduler.ts';
export { SCHEDULER_TICK_MS } from './sync-scheduler.ts';
export { parseHeader, maskUrl, maskHeaders, type HttpFormat } from './source-spec.ts';

/** The sources module: live datasets filled from a database query or an HTTP(S) URL, on a schedule. */
export function createSources(deps: {
  store: Store;
  datasets: DatasetService;
  serverSecret: string;
  clock: Clock;
  dataDir: string;
  limits: SyncLimits;
  reloadCheck?: ReloadCheck;
}) {
  const sync = createSyncService({
    reloadCheck: deps.reloadCheck,
    store: deps.store,
    datasets: deps.datasets,
    box: createSecretBox(deps.serverSecret, 'source-credentials'),
    clock: deps.clock,
    workDir: path.join(deps.dataDir, 'sync'),
    limits: deps.limits,
  });
  return { sync, scheduler: (log?: SyncLog) => createSyncScheduler({ sync, log }) };
}

export type Sources = ReturnType<typeof createSources>;
