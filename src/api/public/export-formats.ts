import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { Field, FieldType } from '../../catalog/index.ts';
import { formatDateTime, objectLines, type Encoder } from './records-json.ts';

// The file formats of an export (spec section 10): how rows read from a cursor become
// the bytes of a CSV, NDJSON or XLSX file, written as the reader takes them.

export const EXPORT_FORMATS = {
  csv: { ext: 'csv', contentType: 'text/csv; charset=utf-8' },
  ndjson: { ext: 'ndjson', contentType: 'application/x-ndjson; charset=utf-8' },
  xlsx: { ext: 'xlsx', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
} as const;

export type ExportFormat = keyof typeof EXPORT_FORMATS;

export function isExportFormat(v: unknown): v is ExportFormat {
  return typeof v === 'string' && Object.hasOwn(EXPORT_FORMATS, v);
}

/** Where an export's rows come from: the first batch, already read, then the cursor's. */
export interface ExportRows {
  /** Name and type of each column, in output order; a row may carry more values after them. */
  readonly columns: readonly Field[];
  /** How NDJSON writes each type: as the JSON envelope of the resource does. */
  readonly encoders: Readonly<Record<FieldType, Encoder>>;
  readonly first: unknown[][];
  next(): Promise<unknown[][]>;
  /** Called once, however the export ends (finished, failed, or its reader gone). */
  close(): Promise<void>;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const isMissing = (v: unknown) => v === null || v === undefined;

/** A value as text, as the JSON envelopes write it without the JSON quoting; null for a missing one. */
export function valueText(type: FieldType, v: unknown): string | null {
  if (isMissing(v)) return null;
  switch (type) {
    case 'NUMBER':
      return typeof v === 'number' && !Number.isFinite(v) ? null : String(v);
    case 'BOOLEAN':
      return v === 1n || v === 1 || v === true ? 'true' : 'false';
    case 'DATETIME':
      return formatDateTime(Number(v));
    default:
      return String(v);
  }
}

/** One CSV field (RFC 4180): quoted when it holds a quote, a comma or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV lines for `rows`, each ended by CRLF; a missing value is an empty field. */
export function csvLines(columns: readonly Field[], rows: readonly unknown[][]): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) out += ',';
      const s = valueText(columns[i].type, row[i]);
      if (s !== null) out += csvField(s);
    }
    out += '\r\n';
  }
  return out;
}

/** The CSV header line. */
export function csvHeader(columns: readonly Field[]): string {
  return columns.map((c) => csvField(c.name)).join(',') + '\r\n';
}

/** A text export: `head`, then each batch as `write` turns it into text, pulled as the reader reads. */
function textStream(rows: ExportRows, head: string, write: (batch: unknown[][]) => string): Readable {
  async function* chunks() {
    try {
      if (head !== '') yield head;
      for (let batch = rows.first; batch.length > 0; batch = await rows.next()) yield write(batch);
    } finally {
      await rows.close();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

// Excel's own formats for dates and date-times; Excel shows them in the reader's locale's order.
const DATE_FORMAT = 'yyyy-mm-dd';
const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
// Excel's calendar: 1900-01-01 to 9999-12-31; a date outside it goes as text.
const EXCEL_FIRST_MS = Date.UTC(1900, 0, 1);
const EXCEL_LAST_MS = Date.UTC(10000, 0, 1) - 1;

/** A value as an XLSX cell value: numbers as numbers (text past 2^53), dates as dates, booleans as booleans. */
export function cellValue(type: FieldType, v: unknown): ExcelJS.CellValue {
  if (isMissing(v)) return null;
  switch (type) {
    case 'NUMBER': {
      if (typeof v === 'bigint') return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
      if (typeof v === 'number') return Number.isFinite(v) ? v : null;
      // An exact sum as digits: a number when it is one exactly, else its text.
      const n = Number(v);
      return Number.isSafeInteger(n) && String(n) === String(v) ? n : String(v);
    }
    case 'BOOLEAN':
      return v === 1n || v === 1 || v === true;
    case 'DATE': {
      const ms = Date.parse(`${String(v)}T00:00:00Z`);
      return ms >= EXCEL_FIRST_MS && ms <= EXCEL_LAST_MS ? new Date(ms) : String(v);
    }
    case 'DATETIME': {
      const ms = Number(v);
      return ms >= EXCEL_FIRST_MS && ms <= EXCEL_LAST_MS ? new Date(ms) : formatDateTime(ms);
    }
    default:
      return String(v);
  }
}

/** A worksheet name Excel accepts: none of []:*?/\, at most 31 characters, not blank. */
export function sheetName(name: string): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex -- control characters are what is replaced
    .replace(/[[\]:*?/\\\u0000-\u001f]/g, ' ')
    .replace(/^'+|'+$/g, '')
    .trim();
  return [...cleaned].slice(0, 31).join('').trim() || 'Export';
}

/** A stream that may ask its writer to wait: Node's, or the readable-stream copy inside exceljs's zip. */
interface Drainable {
  readonly writableNeedDrain?: boolean;
  readonly _writableState?: { readonly needDrain?: boolean };
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * The stream of the zip that a sheet's XML goes into. exceljs writes into it without
 * waiting (its StreamBuf ignores what `write` returns), so a sheet filled faster than
 * the zip compresses and sends would pile up there as uncompressed XML: the export
 * waits for it instead. Internal to exceljs 4 (`WorksheetWriter.stream.pipes`, a
 * readable-stream PassThrough); undefined if that ever changes, and then only the
 * output's back-pressure is waited for.
 */
function zipSink(sheet: ExcelJS.Worksheet): Drainable | undefined {
  const pipes = (sheet as unknown as { stream?: { pipes?: unknown } }).stream?.pipes;
  const first = Array.isArray(pipes) ? (pipes[0] as Drainable | undefined) : undefined;
  return first && typeof first.once === 'function' && needsDrain(first) !== undefined ? first : undefined;
}

function needsDrain(stream: Drainable): boolean | undefined {
  return stream.writableNeedDrain ?? stream._writableState?.needDrain;
}

/**
 * An XLSX export: one sheet, a header row, then the rows as typed cells, written by
 * exceljs's streaming writer (rows are committed as they come: none is kept). The
 * cursor is read on only once the zip and the output have taken the last batch (their
 * 'drain'), so the buffers hold about one batch whatever the file's size.
 */
function xlsxStream(rows: ExportRows, name: string): Readable {
  const out = new PassThrough();
  const { columns } = rows;
  const gone = once(out, 'close').then(() => true);
  /** Waits for `stream` to take what it holds, when it asked to; true when the reader has gone meanwhile. */
  const drained = async (stream: Drainable | undefined) =>
    stream !== undefined &&
    needsDrain(stream) === true &&
    (await Promise.race([new Promise<false>((resolve) => stream.once('drain', () => resolve(false))), gone]));
  async function pump() {
    try {
      const excel = await loadExcel();
      const book = new excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const sheet = book.addWorksheet(sheetName(name));
      sheet.columns = columns.map((c) => ({
        width: Math.min(Math.max(c.name.length + 2, 10), 60),
        style:
          c.type === 'DATE' ? { numFmt: DATE_FORMAT } : c.type === 'DATETIME' ? { numFmt: DATETIME_FORMAT } : undefined,
      }));
      sheet.addRow(columns.map((c) => c.name)).commit();
      for (let batch = rows.first; batch.length > 0; batch = await rows.next()) {
        for (const row of batch) sheet.addRow(columns.map((c, i) => cellValue(c.type, row[i]))).commit();
        if (out.destroyed || (await drained(zipSink(sheet))) || (await drained(out))) return;
      }
      sheet.commit();
      await book.commit();
    } catch (e) {
      out.destroy(e as Error);
    } finally {
      await rows.close();
    }
  }
  void pump();
  return out;
}

/**
 * exceljs, loaded on the first XLSX export rather than at start: it holds about 25 MB of
 * a server's resident memory and 0.4 s of its start, for a format few clients ask for.
 */
let excelModule: Promise<typeof ExcelJS> | undefined;
function loadExcel(): Promise<typeof ExcelJS> {
  // A CommonJS package: its exports are the namespace's default.
  excelModule ??= import('exceljs').then((m) => (m as unknown as { default: typeof ExcelJS }).default);
  return excelModule;
}

/** The bytes of an export, as a stream that reads the cursor only as fast as it is read. */
export function exportStream(format: ExportFormat, rows: ExportRows, name: string): Readable {
  switch (format) {
    case 'csv':
      return textStream(rows, csvHeader(rows.columns), (batch) => csvLines(rows.columns, batch));
    case 'ndjson': {
      const names = rows.columns.map((c) => c.name);
      const encoders = rows.columns.map((c) => rows.encoders[c.type]);
      return textStream(rows, '', (batch) => objectLines(names, encoders, batch));
    }
    case 'xlsx':
      return xlsxStream(rows, name);
  }
}

/**
 * `Content-Disposition` for a download of `name` plus `.ext`: an ASCII `filename`
 * (characters a file system or the header can't take replaced by `_`), and RFC 6266's
 * `filename*` in UTF-8 when the name has more than ASCII.
 */
export function contentDisposition(name: string, ext: string): string {
  const cleaned = name
    // eslint-disable-next-line no-control-regex -- control characters are what is replaced
    .replace(/[\u0000-\u001f\u007f"\\/:*?<>|]/g, '_')
    // A lone surrogate has no UTF-8 form.
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '_')
    .replace(/^[\s.]+|[\s.]+$/g, '');
  const safe = [...cleaned].slice(0, 150).join('') || 'export';
  const ascii = safe.replace(/[^\u0020-\u007e]/g, '_');
  const header = `attachment; filename="${ascii}.${ext}"`;
  if (ascii === safe) return header;
  const encoded = encodeURIComponent(`${safe}.${ext}`).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${header}; filename*=UTF-8''${encoded}`;
}
