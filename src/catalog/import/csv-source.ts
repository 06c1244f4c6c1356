import Papa from 'papaparse';
import { hasNul, NUL_REASON } from '../../shared/text.ts';
import type { FieldType, Value } from '../types.ts';
import { checkTypesKnown, columnCheck, MAX_FIELDS } from './columns.ts';
import type { ColumnCheck } from './columns.ts';
import { ImportError, readFailure } from './import-error.ts';
import type { Progress } from './progress.ts';
import type { SourcePlan } from './source-reader.ts';
import { TextFileStream } from './text-file-stream.ts';
import { fromText, INVALID, invalidValueReason } from './convert.ts';
import type { DateFormat } from '../values/values.ts';

// Papaparse keeps an unfinished record and parses it again with every new chunk, so an
// unclosed quote early in a large file would make it buffer, and rescan, the rest of the
// file: quadratic. Records longer than this are refused instead. Measured on a 30 MB file
// with an unclosed quote on line 3: refused in 0.4 s at 8 MiB, 3.9 s at 16 MiB. No real
// dataset row served a page at a time comes near 8 MiB.
const MAX_RECORD_CHARS = 8 * 1024 * 1024;

const CHANGED = 'the file changed after the import was planned';

/** Refuses a record; the physical line is worked out only when refusing (see lineOfRecord). */
class RecordError extends Error {
  constructor(
    readonly record: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const CANCELLED = new Error('cancelled');

interface CsvScan {
  /** Settles when the file is parsed; rejects with a RecordError, an ImportError or a read error. */
  readonly done: Promise<void>;
  pause(): void;
  resume(): void;
  cancel(): void;
}

/**
 * Streams the records of a CSV file to `onRows` in chunks; `first` is the record index of
 * `rows[0]` (the header is record 0). `onRows` may throw to stop the scan.
 */
function scanCsv(
  file: string,
  onRows: (rows: string[][], first: number, linebreak: string) => void,
  progress: Progress | null,
): CsvScan {
  const stream = new TextFileStream(file);
  let received = 0;
  let next = 0;
  let failed = false;
  let fail: (err: unknown) => void = () => {};
  // Set once any text read holds U+0000; only then are cells searched for it, so a clean
  // file costs one indexOf per chunk.
  let nulSeen = false;
  let header: readonly string[] = [];
  // Registered before papaparse's listener, so `received` already counts the chunk it parses.
  stream.on('data', (chunk: string) => {
    received += chunk.length;
    if (!nulSeen && chunk.indexOf('\0') !== -1) nulSeen = true;
    progress?.update(stream.bytesRead);
  });
  const done = new Promise<void>((resolve, reject) => {
    fail = (err) => {
      if (failed) return;
      failed = true;
      stream.destroy();
      reject(err);
    };
    Papa.parse<string[]>(stream, {
      delimiter: ',',
      header: false,
      beforeFirstChunk: (chunk) => (chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : undefined),
      chunk(results, parser) {
        if (failed) return;
        try {
          const { data, errors, meta } = results;
          // Papaparse also reports errors in the unfinished last record, which it parses
          // again with the next chunk; only errors in the records it returns count.
          const error = errors.find((e) => e.row !== undefined && e.row < data.length);
          let end = error?.row ?? data.length;
          if (next === 0 && data.length > 0) header = data[0];
          let nul: RecordError | null = null;
          for (let i = 0; nulSeen && i < end; i++) {
            const cell = data[i].findIndex(hasNul);
            if (cell === -1) continue;
            nul = new RecordError(next + i, nulReason(next + i, cell, header));
            end = i;
          }
          if (end > 0) onRows(end === data.length ? data : data.slice(0, end), next, meta.linebreak);
          if (nul) throw nul;
          if (error) throw new RecordError(next + end, quoteReason(error));
          next += data.length;
          if (received - meta.cursor > MAX_RECORD_CHARS) {
            throw new RecordError(
              next,
              `unclosed quote (or a record longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB)`,
            );
          }
        } catch (err) {
          fail(err);
          parser.abort();
        }
      },
      complete: () => {
        if (!failed) resolve();
      },
      error: (err) => fail(readFailure(file, err)),
    });
  });
  return {
    done,
    pause: () => stream.pause(),
    resume: () => stream.resume(),
    cancel: () => fail(CANCELLED),
  };
}

/** PostgreSQL can't store U+0000 in text, so no backend takes it (SQLite would). */
function nulReason(record: number, cell: number, header: readonly string[]): string {
  if (record === 0) return `the name of field ${cell + 1} in the header ${NUL_REASON}`;
  return `field ${JSON.stringify(header[cell] ?? String(cell + 1))} ${NUL_REASON}`;
}

function quoteReason(error: Papa.ParseError): string {
  if (error.code === 'MissingQuotes') return 'unclosed quote';
  if (error.code === 'InvalidQuotes')
    return 'malformed quoted field: a closing quote must be followed by a comma or the end of the line';
  return error.message;
}

function newlinesIn(row: readonly string[], newline: string): number {
  let count = 0;
  for (const field of row) {
    for (let at = field.indexOf(newline); at !== -1; at = field.indexOf(newline, at + 1)) count++;
  }
  return count;
}

/**
 * The physical line where a record starts, counting newlines inside quoted fields. It
 * rescans the file, which keeps newline counting out of the per-cell loop of both passes:
 * the line is needed only when a file is refused.
 */
async function lineOfRecord(file: string, record: number): Promise<number> {
  let line = 1;
  const found = new Error('found');
  const scan = scanCsv(
    file,
    (rows, first, linebreak) => {
      // Embedded line breaks come as written; in a CR-only file they are bare CRs.
      const newline = linebreak === '\r' ? '\r' : '\n';
      for (let i = 0; i < rows.length; i++) {
        if (first + i >= record) throw found;
        line += 1 + newlinesIn(rows[i], newline);
      }
      if (first + rows.length >= record) throw found;
    },
    null,
  );
  try {
    await scan.done;
  } catch (err) {
    if (err !== found && !(err instanceof RecordError)) throw err;
  }
  return line;
}

/** Turns a RecordError into the ImportError it stands for; other errors pass through. */
async function refusal(file: string, err: unknown): Promise<unknown> {
  if (!(err instanceof RecordError)) return err;
  return new ImportError(file, err.record === 0 ? 1 : await lineOfRecord(file, err.record), err.reason);
}

function readHeader(row: readonly string[]): string[] {
  if (row.length > MAX_FIELDS)
    throw new RecordError(0, `the header has ${row.length} fields; at most ${MAX_FIELDS} are supported`);
  const seen = new Map<string, number>();
  row.forEach((name, i) => {
    if (name.trim() === '') {
      throw new RecordError(
        0,
        row.length === 1 ? 'the header row is empty' : `the header has no name for field ${i + 1}`,
      );
    }
    const earlier = seen.get(name);
    if (earlier !== undefined)
      throw new RecordError(0, `duplicate field name "${name}" in the header (fields ${earlier + 1} and ${i + 1})`);
    seen.set(name, i);
  });
  return [...row];
}

/**
 * Blank lines are held back until the next record: trailing ones are dropped, others are
 * refused, except in a one-field file where a blank line is a missing value.
 */
class BlankLines {
  private count = 0;
  private first = -1;

  hold(record: number): void {
    if (this.count++ === 0) this.first = record;
  }

  /** Called before a non-blank record: how many held lines are rows of one null. */
  release(width: number): number {
    const count = this.count;
    if (count === 0) return 0;
    if (width !== 1) throw new RecordError(this.first, `expected ${width} fields, found an empty line`);
    this.count = 0;
    return count;
  }
}

function isBlank(row: readonly string[]): boolean {
  return row.length === 1 && row[0] === '';
}

/** Pass 1 over a CSV file: checks every record, infers or checks each field's type, counts rows. */
export async function planCsv(
  file: string,
  types: ReadonlyMap<string, FieldType>,
  dates: DateFormat | null,
  progress: Progress,
): Promise<{ columns: ColumnCheck[]; rows: number }> {
  let columns: ColumnCheck[] = [];
  // Fields whose values still need a look: forced to a non-TEXT type, or not yet settled as TEXT.
  let watched: number[] = [];
  let width = 0;
  let rows = 0;
  const blanks = new BlankLines();

  const onRows = (data: string[][], first: number): void => {
    let i = 0;
    if (first === 0) {
      const names = readHeader(data[0]);
      checkTypesKnown(file, names, types);
      columns = names.map((name) => columnCheck(name, types, dates));
      watched = columns.flatMap((c, index) => (c.forced === 'TEXT' ? [] : [index]));
      width = names.length;
      i = 1;
    }
    for (; i < data.length; i++) {
      const row = data[i];
      if (isBlank(row)) {
        blanks.hold(first + i);
        continue;
      }
      rows += blanks.release(width);
      if (row.length !== width) throw new RecordError(first + i, `expected ${width} fields, found ${row.length}`);
      rows++;
      let settled = false;
      for (let w = 0; w < watched.length; w++) {
        const s = row[watched[w]];
        if (s === '') continue;
        const column = columns[watched[w]];
        if (column.guess !== null) {
          column.guess.observe(s);
          settled ||= column.guess.settled;
        } else if (fromText(column.forced!, s, dates) === INVALID) {
          throw new RecordError(first + i, invalidValueReason(column.name, column.forced!, s, dates));
        }
      }
      if (settled) watched = watched.filter((index) => columns[index].guess?.settled !== true);
    }
  };

  try {
    await scanCsv(file, onRows, progress).done;
  } catch (err) {
    throw await refusal(file, err);
  }
  if (columns.length === 0) throw new ImportError(file, null, 'the file is empty; a CSV file starts with a header row');
  return { columns, rows };
}

/**
 * Pass 2 over a CSV file: sends typed rows to `onBatch`, pausing the file while a batch is handled; returns the row
 * count.
 */
export async function readCsv(
  file: string,
  plan: SourcePlan,
  onBatch: (rows: Value[][]) => void | Promise<void>,
  batchSize: number,
  progress: Progress,
): Promise<number> {
  const names = plan.fields.map((f) => f.name);
  const types = plan.fields.map((f) => f.type);
  const dates = plan.dates;
  const width = names.length;
  const blanks = new BlankLines();
  const ready: Value[][][] = [];
  let batch: Value[][] = [];
  let rows = 0;

  const push = (row: Value[]): void => {
    batch.push(row);
    rows++;
    if (batch.length >= batchSize) {
      ready.push(batch);
      batch = [];
      scan.pause();
      wake();
    }
  };

  const onRows = (data: string[][], first: number): void => {
    let i = 0;
    if (first === 0) {
      const header = data[0];
      if (header.length !== width || header.some((name, index) => name !== names[index]))
        throw new RecordError(0, CHANGED);
      i = 1;
    }
    for (; i < data.length; i++) {
      const cells = data[i];
      if (isBlank(cells)) {
        blanks.hold(first + i);
        continue;
      }
      for (let k = blanks.release(width); k > 0; k--) push([null]);
      if (cells.length !== width) throw new RecordError(first + i, `expected ${width} fields, found ${cells.length}`);
      // Converted in place: papaparse's array becomes the row, one allocation fewer per row.
      const row: Value[] = cells;
      for (let c = 0; c < width; c++) {
        const s = cells[c];
        if (s === '') {
          row[c] = null;
          continue;
        }
        const type = types[c];
        if (type === 'TEXT') continue;
        const value = fromText(type, s, dates);
        if (value === INVALID) throw new RecordError(first + i, invalidValueReason(names[c], type, s, dates));
        row[c] = value;
      }
      push(row);
    }
  };

  const scan = scanCsv(file, onRows, progress);
  let finished = false;
  let failure: unknown = null;
  let waiting: (() => void) | null = null;
  const wake = (): void => {
    waiting?.();
    waiting = null;
  };
  scan.done.then(
    () => {
      finished = true;
      wake();
    },
    (err: unknown) => {
      failure = err;
      wake();
    },
  );

  try {
    for (;;) {
      if (failure !== null) throw await refusal(file, failure);
      const next = ready.shift();
      if (next) {
        await onBatch(next);
        if (ready.length === 0) scan.resume();
      } else if (finished) {
        break;
      } else {
        await new Promise<void>((resolve) => (waiting = resolve));
      }
    }
  } catch (err) {
    scan.cancel();
    throw err;
  }
  if (batch.length > 0) await onBatch(batch);
  return rows;
}
