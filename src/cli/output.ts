/** How a command prints: one JSON object with --json, else lines for people. */
export interface Output {
  readonly json: boolean;
  result(json: unknown, human: string | (() => string)): void;
  /** Progress and notes for people; never on stdout, never with --json. */
  note(line: string): void;
}

/** BigInt-safe JSON for results. */
export function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(value, human) {
      process.stdout.write((json ? toJson(value) : typeof human === 'function' ? human() : human) + '\n');
    },
    note(line) {
      if (!json) process.stderr.write(line + '\n');
    },
  };
}

/** A usage mistake: exit code 2. */
export class UsageError extends Error {}

/** A one-line progress bar on a terminal's stderr; does nothing elsewhere. */
export function createProgressBar(enabled: boolean) {
  const tty = enabled && process.stderr.isTTY;
  let last = 0;
  let shown = false;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  return {
    update(label: string, done: number, total: number) {
      if (!tty) return;
      const now = Date.now();
      // Redrawing more than ten times a second only costs time.
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      process.stderr.write(
        `\r${label.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` +
          `${String(Math.round(frac * 100)).padStart(3)}%  ${mb(done)} / ${mb(total)}`,
      );
      shown = true;
    },
    done() {
      if (tty && shown) process.stderr.write('\n');
      shown = false;
    },
  };
}

/**
 * Confirms a change that cannot be undone: `--yes` confirms it; on a terminal the person
 * is asked (`y` or `yes`); elsewhere (a script, a pipe) the command is refused, so that
 * nothing is removed by a command that could not ask.
 */
export async function confirmRemoval(yes: boolean | undefined, what: string): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new UsageError(`${what}: refused without a terminal to ask on; pass --yes to remove without asking`);
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${what}? [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

/** `  label: name (id), ...` or `  label: none`, one line. */
export function affected(label: string, refs: readonly { id: string; name: string }[]): string {
  return `  ${label}: ${refs.length === 0 ? 'none' : refs.map((r) => `${r.name} (${r.id})`).join(', ')}\n`;
}
