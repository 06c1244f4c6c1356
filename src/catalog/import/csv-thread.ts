import type { Value } from '../types.ts';
import { startWorkerThread } from '../../shared/worker-thread.ts';
import { ImportError } from './import-error.ts';
import type { Progress } from './progress.ts';
import type { SourcePlan } from './source-reader.ts';

/** What the CSV reader thread is started with. */
export interface CsvThreadData {
  readonly file: string;
  readonly plan: SourcePlan;
  readonly batchSize: number;
  /** Batches the thread may post before the first of them is taken. */
  readonly ahead: number;
}

/** What the CSV reader thread posts. */
export type FromCsvThread =
  | { readonly kind: 'rows'; readonly rows: Value[][] }
  | { readonly kind: 'progress'; readonly bytesRead: number }
  | { readonly kind: 'done'; readonly rows: number }
  | { readonly kind: 'refused'; readonly file: string; readonly line: number | null; readonly reason: string }
  | { readonly kind: 'failed'; readonly message: string; readonly code?: string };

/** Batches read ahead of the load: parsing runs while the previous batches are stored. */
const AHEAD = 2;

/**
 * `readCsv` on a thread of its own: the file is parsed and its values converted there
 * while `onBatch` stores the previous batch here, so a large load uses both cores. The
 * same rows, in the same batches and order, and the same refusals as `readCsv`; the
 * thread stops when `onBatch` throws.
 */
export async function readCsvInThread(
  file: string,
  plan: SourcePlan,
  onBatch: (rows: Value[][]) => void | Promise<void>,
  batchSize: number,
  progress: Progress,
): Promise<number> {
  const data: CsvThreadData = { file, plan, batchSize, ahead: AHEAD };
  const worker = startWorkerThread(import.meta.url, 'csv-worker', data);
  const batches: Value[][][] = [];
  let outcome: { rows: number } | { error: Error } | undefined;
  let wake: (() => void) | null = null;
  const settle = (o: { rows: number } | { error: Error }) => {
    outcome ??= o;
    wake?.();
  };
  worker.on('message', (m: FromCsvThread) => {
    if (m.kind === 'progress') progress.update(m.bytesRead);
    else if (m.kind === 'rows') {
      batches.push(m.rows);
      wake?.();
    } else if (m.kind === 'done') settle({ rows: m.rows });
    else if (m.kind === 'refused') settle({ error: new ImportError(m.file, m.line, m.reason) });
    else settle({ error: Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }) });
  });
  worker.on('error', (e) => settle({ error: e }));
  worker.on('exit', (code) => settle({ error: new Error(`the CSV reader thread stopped (exit code ${code})`) }));
  try {
    for (;;) {
      const next = batches.shift();
      if (next) {
        await onBatch(next);
        worker.postMessage('taken');
      } else if (outcome) {
        if ('error' in outcome) throw outcome.error;
        return outcome.rows;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    }
  } finally {
    await worker.terminate();
  }
}
