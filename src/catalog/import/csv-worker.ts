// A worker thread that reads a planned CSV file (csv-source.ts's readCsv) and posts its
// rows to the thread that started it, a batch at a time, then its outcome; that thread
// ends it (see csv-thread.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { readCsv } from './csv-source.ts';
import { ImportError } from './import-error.ts';
import type { CsvThreadData, FromCsvThread } from './csv-thread.ts';

const { file, plan, batchSize, ahead } = workerData as CsvThreadData;
const port = parentPort!;
const post = (m: FromCsvThread) => port.postMessage(m);

// Batches posted and not yet taken: the reader waits at `ahead`, so that a slow
// consumer never has the whole file in memory.
let unread = 0;
let taken: (() => void) | null = null;
port.on('message', () => {
  unread--;
  taken?.();
  taken = null;
});

let lastProgress = 0;
readCsv(
  file,
  plan,
  async (rows) => {
    while (unread >= ahead) await new Promise<void>((resolve) => (taken = resolve));
    unread++;
    post({ kind: 'rows', rows });
  },
  batchSize,
  {
    update(bytesRead) {
      const now = Date.now();
      if (now - lastProgress < 50) return;
      lastProgress = now;
      post({ kind: 'progress', bytesRead });
    },
    finish() {},
  },
).then(
  (rows) => post({ kind: 'done', rows }),
  (e: unknown) => {
    post(
      e instanceof ImportError
        ? { kind: 'refused', file: e.file, line: e.line, reason: e.reason }
        : { kind: 'failed', message: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code },
    );
  },
);
