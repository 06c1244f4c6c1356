/** Receives bytes read so far and the file's size. */
export type ProgressListener = (bytesRead: number, totalBytes: number) => void;

// Ten updates a second keep a progress bar fluid without the callback showing up in profiles.
const INTERVAL_MS = 100;

/** Throttles a progress listener to one call per interval, plus a final call when the pass ends. */
export function throttleProgress(totalBytes: number, listener: ProgressListener | undefined) {
  let last = 0;
  return {
    update(bytesRead: number): void {
      if (!listener) return;
      const now = Date.now();
      if (now - last < INTERVAL_MS) return;
      last = now;
      listener(bytesRead, totalBytes);
    },
    finish(): void {
      listener?.(totalBytes, totalBytes);
    },
  };
}
/** A throttled progress reporter for one pass. */
export type Progress = ReturnType<typeof throttleProgress>;
