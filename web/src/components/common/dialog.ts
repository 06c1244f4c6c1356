// Helpers the console's dialogs share.

/**
 * Focuses a dialog's first field as soon as it opens. Element Plus's focus trap moves
 * the focus to the dialog itself one tick after `open-auto-focus`; a zero timeout runs
 * after that, and well before the opening animation ends, so no keystroke is lost.
 */
export function focusSoon(focus: () => void): void {
  setTimeout(focus, 0);
}
