// Copying to the clipboard. navigator.clipboard exists only in secure contexts (https or
// localhost); a console reached over plain http on another host falls back to the old
// hidden-textarea + execCommand('copy') way, which still works there.

/** Writes `text` to the clipboard; throws when neither way works. */
export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return;
    } catch {
      /* denied (no focus, permissions): try the fallback below */
    }
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.setAttribute('aria-hidden', 'true');
  ta.style.position = 'fixed';
  ta.style.top = '0';
  ta.style.left = '-9999px';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  const active = document.activeElement as HTMLElement | null;
  ta.select();
  let ok: boolean;
  try {
    ok = document.execCommand('copy');
  } finally {
    document.body.removeChild(ta);
    active?.focus?.();
  }
  if (!ok) throw new Error('The browser refused to copy; select the text and copy it by hand.');
}
