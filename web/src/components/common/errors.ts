// One way from a failed call to what the admin reads: `messageOf` for a message shown
// in place (an alert in a dialog or a card), `showError` for a toast.
import type { Ref } from 'vue';
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api.ts';

/** The message of anything thrown: the server's own words for an ApiError. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || 'Something went wrong';
  return typeof err === 'string' && err ? err : 'Something went wrong';
}

/** Whether the failure is an expired session, which the shell reports once and handles. */
export const isSignedOut = (err: unknown) =>
  err instanceof ApiError && err.status === 401 && err.code === 'UNAUTHENTICATED';

/**
 * Shows the server's message as an error toast. An expired session (401
 * UNAUTHENTICATED) is left to the shell, which says so once and goes to the sign-in page.
 */
export function showError(err: unknown): void {
  if (isSignedOut(err)) return;
  ElMessage.error(messageOf(err));
}

/**
 * Runs `work` with `busy` true meanwhile (a second call while busy does nothing); a
 * failure goes to `onError`, an error toast unless given (e.g. an alert's message).
 */
export async function whileBusy(
  busy: Ref<boolean>,
  work: () => Promise<void>,
  onError: (err: unknown) => void = showError,
): Promise<void> {
  if (busy.value) return;
  busy.value = true;
  try {
    await work();
  } catch (err) {
    onError(err);
  } finally {
    busy.value = false;
  }
}

/** Runs `work`; a failure is an error toast (showError). */
export async function attempt(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    showError(err);
  }
}
