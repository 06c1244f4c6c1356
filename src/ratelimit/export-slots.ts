/**
 * How many exports each key runs at once, on this node: a key holds a slot from the
 * start of an export until its response ends (finished, failed or the client gone).
 * Counted in this process only, so with several nodes behind a balancer a key may run
 * this many on each node.
 */
export function createExportSlots(perKey: number) {
  const running = new Map<string, number>();
  return {
    perKey,
    /** Takes a slot for `keyId`; undefined when the key already runs `perKey` exports. The release is idempotent. */
    acquire(keyId: string): (() => void) | undefined {
      const n = running.get(keyId) ?? 0;
      if (n >= perKey) return undefined;
      running.set(keyId, n + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (running.get(keyId) ?? 1) - 1;
        if (left <= 0) running.delete(keyId);
        else running.set(keyId, left);
      };
    },
    /** Exports running for `keyId` now. */
    running: (keyId: string): number => running.get(keyId) ?? 0,
  };
}

export type ExportSlots = ReturnType<typeof createExportSlots>;
