import type { Store } from './index.ts';

/**
 * Polls the store's change counter and calls `onChange` when it moves, so that changes
 * made by another process (the command line, another node) reach this one.
 */
export function createChangeWatcher(deps: {
  store: Store;
  intervalMs: number;
  onChange: () => Promise<void>;
  /** Called for the first failure of a run of failures (an outage is logged once). */
  onError: (err: unknown) => void;
  /** Called when checking works again after failures. */
  onRecover?: () => void;
}) {
  let failing = false;
  let seen = -1;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function check(): Promise<void> {
    const g = await deps.store.readGeneration();
    if (g !== seen) {
      await deps.onChange();
      seen = g;
    }
  }

  function tick(): void {
    if (running) return;
    running = check()
      .then(() => {
        if (failing) deps.onRecover?.();
        failing = false;
      })
      .catch((err: unknown) => {
        if (!failing) deps.onError(err);
        failing = true;
      })
      .finally(() => {
        running = undefined;
      });
  }

  return {
    /** Loads once, then polls. */
    async start(): Promise<void> {
      await check();
      timer = setInterval(tick, deps.intervalMs);
      timer.unref();
    },
    /** Checks now: after a change made in this process, so it shows at once. */
    async poke(): Promise<void> {
      if (running) await running;
      await check();
    },
    stop(): void {
      if (timer) clearInterval(timer);
    },
  };
}
