import type { Worker } from 'node:worker_threads';
import { QueryTimeoutError, TableGoneError } from '../../shared/errors.ts';
import { startWorkerThread } from '../../shared/worker-thread.ts';
import type { ConnectionLimits } from './sqlite-connection.ts';

/** A query as the server sends it to a worker. */
export interface WorkerRequest {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly deadline?: number;
}

/** A worker's answer to one request. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly rows: unknown[][] }
  | { readonly id: number; readonly ok: false; readonly kind: 'timeout' }
  | { readonly id: number; readonly ok: false; readonly kind: 'gone'; readonly table: string }
  | {
      readonly id: number;
      readonly ok: false;
      readonly kind: 'error';
      readonly message: string;
      readonly code?: string;
    };

/**
 * How long past its deadline (or past being handed to a worker, when that came later) a
 * query may still take before it is answered with a timeout. The guard stops a scan
 * within ~0.1 ms of the deadline and the worker answers at once; this is for the
 * phases the guard does not reach (a sort, the groups of a GROUP BY). 25 ms lets a page
 * of rows that was handed over at the last moment finish on a loaded machine (a page
 * reads in well under a millisecond), and is small next to any time limit worth setting.
 */
export const STOP_GRACE_MS = 25;
/**
 * How long after that answer a worker may take to come back before it is terminated
 * and replaced. One stopped by its guard comes back within milliseconds, or a few
 * scheduler slices on a busy machine; one still busy a quarter of a second later is
 * sorting or grouping rows, which nothing inside the statement can stop.
 */
export const KILL_AFTER_MS = 250;

interface Job {
  readonly id: number;
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly deadline?: number;
  readonly resolve: (rows: unknown[][]) => void;
  readonly reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  /** The job was answered with a timeout; the worker is busy with it until it comes back or is replaced. */
  abandoned?: NodeJS.Timeout;
  /** When the worker was given its job (Date.now()). */
  since?: number;
}

export type ReadInThread = (sql: string, params: readonly unknown[], deadline?: number) => unknown[][];

/**
 * A fixed number of worker threads, each with a read-only connection to `file`, that
 * run dataset queries off the event loop, one query per worker at a time, the others
 * waiting in order. A query past its deadline is answered with a QueryTimeoutError at
 * the deadline whatever its worker is doing; a worker that has not stopped by then
 * (STOP_GRACE_MS) is terminated and replaced. If the workers cannot start at all, every
 * query runs through `inThread` (the main connection), as with no pool.
 */
export function createQueryPool(opts: {
  file: string;
  size: number;
  limits?: ConnectionLimits;
  inThread: ReadInThread;
}) {
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;
  /** Set when a worker failed before it was ready: the pool then reads in-thread. */
  let broken: Error | undefined;
  /** Workers given up on (past a deadline) that have not exited yet. */
  const retiring = new Set<Promise<number>>();

  function fail(job: Job, e: unknown): void {
    clearTimeout(job.timer);
    job.reject(e);
  }

  function runInThread(job: Job): void {
    clearTimeout(job.timer);
    try {
      job.resolve(opts.inThread(job.sql, job.params, job.deadline));
    } catch (e) {
      job.reject(e);
    }
  }

  function spawn(slot?: Slot): Slot {
    const worker = startWorkerThread(import.meta.url, 'sqlite-worker', { file: opts.file, limits: opts.limits });
    // Idle workers never keep the process alive; close() ends them.
    worker.unref();
    const s: Slot = slot ?? { worker, ready: false };
    s.worker = worker;
    s.ready = false;
    s.job = undefined;
    s.abandoned = undefined;
    let lastError: Error | undefined;
    worker.on('message', (m: WorkerReply | { ready: true }) => {
      if ('ready' in m) {
        s.ready = true;
        pump();
        return;
      }
      const job = s.job;
      if (!job || job.id !== m.id) return;
      s.job = undefined;
      clearTimeout(job.timer);
      if (s.abandoned) {
        // Already answered with a timeout: the worker is free again.
        clearTimeout(s.abandoned);
        s.abandoned = undefined;
        pump();
        return;
      }
      if (m.ok) job.resolve(m.rows);
      else if (m.kind === 'timeout') job.reject(new QueryTimeoutError());
      else if (m.kind === 'gone') job.reject(new TableGoneError(m.table));
      else job.reject(Object.assign(new Error(m.message), m.code === undefined ? {} : { code: m.code }));
      pump();
    });
    worker.on('error', (e) => {
      lastError = e;
    });
    worker.on('exit', () => {
      if (s.worker !== worker || closed) return;
      const job = s.abandoned ? undefined : s.job;
      clearTimeout(s.abandoned);
      s.job = undefined;
      if (!s.ready) {
        // It never opened its connection (no worker file, a driver that won't load in a
        // thread): workers won't start now, so the main connection takes over.
        broken = lastError ?? new Error('a query worker exited before it was ready');
        process.emitWarning(`datagate: query workers unavailable, reading on the main thread (${broken.message})`);
        for (const other of slots) if (other !== s) release(other.worker);
        if (job) runInThread(job);
        for (const j of queue.splice(0)) runInThread(j);
        return;
      }
      if (job) fail(job, lastError ?? new Error('the query worker stopped'));
      spawn(s);
    });
    return s;
  }

  /** Stops a worker whose answers no longer matter. */
  function release(worker: Worker): Promise<number> {
    worker.removeAllListeners();
    worker.on('error', () => undefined);
    return worker.terminate();
  }

  /** Gives up a worker that is past its job's deadline and starts a fresh one in its place. */
  function replace(slot: Slot): void {
    // Takes effect as soon as the thread runs JavaScript again (the guard function, or
    // the end of the statement); the new worker serves the queue meanwhile.
    const exited = release(slot.worker);
    retiring.add(exited);
    void exited.finally(() => retiring.delete(exited));
    spawn(slot);
  }

  function dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    slot.since = Date.now();
    clearTimeout(job.timer);
    if (job.deadline !== undefined) {
      const stopAt = Math.max(job.deadline, Date.now()) + STOP_GRACE_MS;
      job.timer = setTimeout(() => {
        if (slot.job !== job) return;
        job.reject(new QueryTimeoutError());
        slot.abandoned = setTimeout(() => {
          if (slot.job !== job) return;
          replace(slot);
          pump();
        }, KILL_AFTER_MS);
        slot.abandoned.unref();
      }, stopAt - Date.now());
      job.timer.unref();
    }
    const req: WorkerRequest = { id: job.id, sql: job.sql, params: job.params, deadline: job.deadline };
    slot.worker.postMessage(req);
  }

  function pump(): void {
    if (closed || broken) return;
    while (queue.length > 0) {
      const slot = slots.find((s) => s.ready && !s.job);
      if (!slot) return;
      dispatch(slot, queue.shift()!);
    }
  }

  for (let i = 0; i < opts.size; i++) slots.push(spawn());

  return {
    /**
     * Runs a SELECT on a worker; rejects with QueryTimeoutError at the deadline, TableGoneError
     * if its table was dropped.
     */
    rows(sql: string, params: readonly unknown[], deadline?: number): Promise<unknown[][]> {
      return new Promise<unknown[][]>((resolve, reject) => {
        if (closed) return reject(new Error('the store is closed'));
        const job: Job = { id: nextId++, sql, params, deadline, resolve, reject };
        if (broken) return runInThread(job);
        if (deadline !== undefined) {
          // Waiting for a worker counts against the time limit: answered at the deadline.
          job.timer = setTimeout(() => {
            const i = queue.indexOf(job);
            if (i < 0) return;
            queue.splice(i, 1);
            reject(new QueryTimeoutError());
          }, deadline - Date.now());
          job.timer.unref();
        }
        queue.push(job);
        pump();
      });
    },
    /** Threads in service, those running a query, and queries waiting for one. */
    stats() {
      return {
        kind: 'workers' as const,
        size: slots.length,
        busy: slots.filter((s) => s.job !== undefined || s.abandoned !== undefined).length,
        waiting: queue.length,
      };
    },
    /**
     * How long every worker has been on its query, in ms: the time since the latest of
     * them started; 0 while a worker is free.
     */
    heldMs(): number {
      const now = Date.now();
      let least = slots.length === 0 ? 0 : Infinity;
      for (const s of slots) {
        const busy = (s.job !== undefined || s.abandoned !== undefined) && s.since !== undefined;
        least = Math.min(least, busy ? now - s.since! : 0);
      }
      return least;
    },
    /** The thread ids of the workers in service (tests: to see one replaced). */
    threadIds(): number[] {
      return slots.map((s) => s.worker.threadId);
    },
    /** Resolves once every worker in service has opened its connection (a replaced one starts anew). */
    async started(): Promise<void> {
      while (!closed && !broken && slots.some((s) => !s.ready)) await new Promise((r) => setTimeout(r, 5));
    },
    /** Resolves once every worker given up on has exited (its statement has stopped). */
    async retired(): Promise<void> {
      await Promise.all([...retiring]);
    },
    /** Stops every worker, waiting for those given up on too; queries still waiting fail. */
    async close(): Promise<void> {
      closed = true;
      for (const j of queue.splice(0)) fail(j, new Error('the store is closed'));
      await Promise.all(
        slots.map(async (s) => {
          clearTimeout(s.abandoned);
          if (s.job && !s.abandoned) fail(s.job, new Error('the store is closed'));
          await release(s.worker);
        }),
      );
      await Promise.all([...retiring]);
    },
  };
}

export type QueryPool = ReturnType<typeof createQueryPool>;
