/**
 * A query worker (a worker thread started by `sqlite-pool.ts`): one read-only
 * connection to the database file, reading dataset rows one query at a time off the
 * server's event loop. Kept small: it loads only the driver, the connection and the reader.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { QueryTimeoutError, TableGoneError } from '../../shared/errors.ts';
import { openDatabase, type ConnectionLimits } from './sqlite-connection.ts';
import { createRowReader } from './sqlite-deadline.ts';
import type { WorkerReply, WorkerRequest } from './sqlite-pool.ts';

const { file, limits } = workerData as { file: string; limits?: ConnectionLimits };
const port = parentPort!;

const reader = createRowReader(openDatabase(file, { readonly: true, limits }));

port.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: req.id, ok: true, rows: reader.read(req.sql, req.params, req.deadline) };
  } catch (e) {
    if (e instanceof QueryTimeoutError) reply = { id: req.id, ok: false, kind: 'timeout' };
    else if (e instanceof TableGoneError) reply = { id: req.id, ok: false, kind: 'gone', table: e.table };
    else {
      const err = e as Error & { code?: string };
      reply = { id: req.id, ok: false, kind: 'error', message: err.message, code: err.code };
    }
  }
  try {
    port.postMessage(reply);
  } catch (e) {
    // A value the structured clone cannot copy; the query fails, the worker goes on.
    port.postMessage({ id: req.id, ok: false, kind: 'error', message: (e as Error).message } satisfies WorkerReply);
  }
});

port.postMessage({ ready: true });
