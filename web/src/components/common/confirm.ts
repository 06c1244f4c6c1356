// Asking before something that can't be undone (removing, turning off): one look for
// every such question, a warning with a red confirm button.
import { ElMessageBox } from 'element-plus';

/**
 * Asks `message` under `title`; true when the admin confirms with `confirm`, false when
 * they cancel or close the box. `className` marks the box for tests and styles.
 */
export async function confirmDanger(
  message: string,
  title: string,
  confirm: string,
  className?: string,
): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: confirm,
      confirmButtonClass: 'el-button--danger',
      cancelButtonText: 'Cancel',
      ...(className ? { customClass: className } : {}),
    });
    return true;
  } catch {
    return false;
  }
}

/** Asks before something that is easy to undo (enabling again): a plain question, a primary button. */
export async function confirmAction(
  message: string,
  title: string,
  confirm: string,
  className?: string,
): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'info',
      confirmButtonText: confirm,
      cancelButtonText: 'Cancel',
      ...(className ? { customClass: className } : {}),
    });
    return true;
  } catch {
    return false;
  }
}
