import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { FIELD_TYPES, isFieldType } from '../types.ts';
import type { FieldType, Value } from '../types.ts';
import { checkTypesKnown, typeOf } from './columns.ts';
import { planCsv, readCsv } from './csv-source.ts';
import { readCsvInThread } from './csv-thread.ts';
import { ImportError, readFailure } from './import-error.ts';
import { planJson, readJson } from './json-source.ts';
import { throttleProgress } from './progress.ts';
import { dateFormatOf, type DateFormat, type DateFormatName } from '../values/values.ts';
import type { ProgressListener } from './progress.ts';

export { ImportError, importMessage } from './import-error.ts';
export type { ProgressListener } from './progress.ts';

/** The source formats an import reads. */
export type SourceFormat = 'csv' | 'json' | 'ndjson';

/** A field of a source file as planned: its name and type. */
export interface SourceField {
  readonly name: string;
  readonly type: FieldType;
}

/**
 * What pass 1 learnt about a file: its format, fields in order, row count and size in bytes, and the date format it
 * was read with (null: ISO 8601 only), which pass 2 reads it with too.
 */
export interface SourcePlan {
  readonly format: SourceFormat;
  readonly dates: DateFormat | null;
  readonly fields: readonly SourceField[];
  readonly rows: number;
  readonly bytes: number;
}

// Large enough that per-batch costs (a transaction, a multi-row insert) vanish, small
// enough that a batch of wide rows stays a few MB.
const DEFAULT_BATCH_SIZE = 5000;

// CSV files at least this large are parsed on a thread of their own while the rows are
// stored (csv-thread.ts); below it, starting the thread costs more than it saves.
const THREAD_MIN_BYTES = 16 * 1024 * 1024;

const FORMATS: Record<string, SourceFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/** The format of a file by its extension (`.csv`, `.json`, `.ndjson` or `.jsonl`, any case), or null. */
export function formatOf(file: string): SourceFormat | null {
  return FORMATS[extname(file).toLowerCase()] ?? null;
}

async function sizeOf(file: string): Promise<number> {
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new ImportError(file, null, 'not a regular file');
    return info.size;
  } catch (err) {
    throw readFailure(file, err);
  }
}

function formatOrRefuse(file: string): SourceFormat {
  const format = formatOf(file);
  if (format === null)
    throw new ImportError(file, null, 'unsupported file type; expected .csv, .json, .ndjson or .jsonl');
  return format;
}

/**
 * Pass 1: validates the whole file, infers field types (unless given in `types`) and counts
 * rows, streaming the file without keeping rows in memory. Dates are ISO 8601, or also written
 * in `dateFormat` when given.
 * @example const plan = await planImport('tickets.csv', { types: { zip: 'TEXT' }, dateFormat: 'DD.MM.YYYY' });
 */
export async function planImport(
  file: string,
  opts: { types?: Record<string, FieldType>; dateFormat?: DateFormatName; onProgress?: ProgressListener } = {},
): Promise<SourcePlan> {
  const format = formatOrRefuse(file);
  const dates = opts.dateFormat === undefined ? null : dateFormatOf(opts.dateFormat);
  const types = new Map(Object.entries(opts.types ?? {}));
  for (const [name, type] of types) {
    if (!isFieldType(type))
      throw new ImportError(
        file,
        null,
        `unknown type "${type}" for field "${name}"; expected one of ${FIELD_TYPES.join(', ')}`,
      );
  }
  const bytes = await sizeOf(file);
  const progress = throttleProgress(bytes, opts.onProgress);
  const { columns, rows } =
    format === 'csv'
      ? await planCsv(file, types, dates, progress)
      : await planJson(file, format === 'ndjson', types, dates, progress);
  const names = columns.map((c) => c.name);
  checkTypesKnown(file, names, types);
  if (columns.length === 0) throw new ImportError(file, null, 'no fields: the file has no records with keys');
  progress.finish();
  return { format, dates, fields: columns.map((c) => ({ name: c.name, type: typeOf(c) })), rows, bytes };
}

/**
 * Pass 2: streams the planned file again and calls `onBatch` with rows of typed Values in
 * `plan.fields` order, awaiting it before reading on.
 */
export async function readRows(
  file: string,
  plan: SourcePlan,
  onBatch: (rows: Value[][]) => void | Promise<void>,
  opts: {
    batchSize?: number;
    onProgress?: ProgressListener;
    /** Parse a CSV file on a thread of its own; by default, when it is large (THREAD_MIN_BYTES). */
    thread?: boolean;
  } = {},
): Promise<void> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const bytes = await sizeOf(file);
  const changed = (): ImportError => new ImportError(file, null, 'the file changed after the import was planned');
  if (bytes !== plan.bytes) throw changed();
  const progress = throttleProgress(bytes, opts.onProgress);
  const thread = opts.thread ?? bytes >= THREAD_MIN_BYTES;
  const rows =
    plan.format !== 'csv'
      ? await readJson(file, plan, onBatch, batchSize, progress)
      : thread
        ? await readCsvInThread(file, plan, onBatch, batchSize, progress)
        : await readCsv(file, plan, onBatch, batchSize, progress);
  if (rows !== plan.rows) throw changed();
  progress.finish();
}

/**
 * The first `n` rows of a planned file, as `readRows` converts them; stops reading once
 * it has them, so a sample of a large file costs one chunk, not a pass.
 */
export async function readSample(file: string, plan: SourcePlan, n: number): Promise<Value[][]> {
  const rows: Value[][] = [];
  // Thrown from the batch callback to stop the read: readRows cancels its scan and rethrows.
  const enough = new Error('sample complete');
  try {
    await readRows(
      file,
      plan,
      (batch) => {
        rows.push(...batch);
        if (rows.length >= n) throw enough;
      },
      // The first rows only: not worth a thread.
      { batchSize: n, thread: false },
    );
  } catch (e) {
    if (e !== enough) throw e;
  }
  return rows.slice(0, n);
}
