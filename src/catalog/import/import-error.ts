import { basename } from 'node:path';

/** A refused source file: the file, the 1-based physical line when one applies, and why. */
export class ImportError extends Error {
  readonly file: string;
  readonly line: number | null;
  readonly reason: string;

  constructor(file: string, line: number | null, reason: string) {
    super(`${basename(file)}${line === null ? '' : ` line ${line}`}: ${reason}`);
    this.name = 'ImportError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** Wraps a file-system error (missing file, permission, read failure) as an ImportError. */
export function readFailure(file: string, err: unknown): ImportError {
  if (err instanceof ImportError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const detail = code ?? (err instanceof Error ? err.message : String(err));
  return new ImportError(file, null, `cannot read the file (${detail})`);
}

/**
 * The error's message with `name` in place of the file's own name: an upload is stored
 * under a generated name, and the admin knows it by the name it had on their disk.
 */
export function importMessage(err: ImportError, name?: string): string {
  if (name === undefined) return err.message;
  return `${name}${err.line === null ? '' : ` line ${err.line}`}: ${err.reason}`;
}
