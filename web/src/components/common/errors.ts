// One way to tell the admin that a call failed.
import { ElMessage } from 'element-plus';
import { ApiError } from '../../api.ts';

/**
 * Shows the server's message as an error toast. An expired session (401
 * UNAUTHENTICATED) is left to the shell, which says so once and goes to the sign-in page.
 */
export function showError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401 && err.code === 'UNAUTHENTICATED') return;
  const message = err instanceof Error && err.message ? err.message : 'Something went wrong';
  ElMessage.error(message);
}
