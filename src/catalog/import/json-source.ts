import makeParser from 'stream-json/parser.js';
import { hasNul, NUL_REASON } from '../../shared/text.ts';
import type { FieldType, Value } from '../types.ts';
import { columnCheck, MAX_FIELDS } from './columns.ts';
import type { ColumnCheck } from './columns.ts';
import { ImportError, readFailure } from './import-error.ts';
import type { Progress } from './progress.ts';
import type { SourcePlan } from './source-reader.ts';
import { TextFileStream } from './text-file-stream.ts';
import {
  fromJson,
  INVALID,
  invalidValueReason,
  K_FALSE,
  K_JSON,
  K_NULL,
  K_NUMBER,
  K_STRING,
  K_TRUE,
} from './convert.ts';
import type { RawKind } from './convert.ts';
import type { DateFormat } from '../values/values.ts';

const CHANGED = 'the file changed after the import was planned';

interface Token {
  readonly name: string;
  readonly value?: unknown;
}

// stream-chain's markers, registered globally so that separate copies of the library agree.
const NONE = Symbol.for('object-stream.none');
const MANY = Symbol.for('object-stream.many');
const NO_TOKENS: readonly Token[] = [];

// stream-json gives up on text it cannot parse only after 16 characters of lookahead, so
// garbage after an NDJSON object (`{"a":1}}`) would surface on a later line. This much
// white space after each line (harmless between values) makes it decide on the line itself.
const LOOKAHEAD_FLUSH = ' '.repeat(32);

/**
 * A synchronous tokenizer: text in, stream-json tokens out (text null flushes the end).
 * stream-json's parser() is a stream-chain pipeline (a UTF-8 fixer, then the tokenizer)
 * wrapped as an async generator; its stages are listed in `fList`. Calling the tokenizer
 * stage directly is ~2.5x faster than iterating the generator (measured on a 40 MB array),
 * and ties every token to the piece of text, hence the line, it came from. Numbers come as
 * their source text (`numberValue`), so 64-bit integers stay exact.
 */
function createTokenizer(jsonStreaming: boolean): (text: string | null) => readonly Token[] {
  const pipeline = makeParser({ streamValues: false, jsonStreaming }) as unknown as { fList?: unknown[] };
  const stage = pipeline.fList?.at(-1);
  if (typeof stage !== 'function') throw new Error('stream-json: the parser pipeline has no tokenizer stage');
  return (text) => {
    const out: unknown = stage(text ?? NONE);
    if (typeof out === 'object' && out !== null && (out as Record<symbol, unknown>)[MANY] === 1) {
      return (out as { values: Token[] }).values;
    }
    return NO_TOKENS;
  };
}

/** Receives the records of a file; value() returns a reason to refuse the file, or null. */
interface RecordSink {
  start(): void;
  value(key: string, kind: RawKind, text: string): string | null;
  end(): void;
}

function describe(kind: RawKind | 'object' | 'array'): string {
  switch (kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case K_STRING:
      return 'a string';
    case K_NUMBER:
      return 'a number';
    case K_TRUE:
      return 'true';
    case K_FALSE:
      return 'false';
    case K_NULL:
      return 'null';
    default:
      return 'a JSON value';
  }
}

function isBlankText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return false;
  }
  return true;
}

/**
 * Walks the tokens of a `.json` file (one array of objects) or a `.ndjson` file (one object
 * per line) and hands each record's values to a sink. Objects and arrays inside a record
 * become one value holding their JSON text.
 */
class JsonWalker {
  /** The current physical line, 1-based. */
  line = 1;
  private readonly tokenize: (text: string | null) => readonly Token[];
  /** Depth at which records start: inside the top-level array, or at the top of a line. */
  private readonly base: number;
  private depth = 0;
  private key = '';
  /** The depth where the nested value being captured began, -1 when none is. */
  private nestedFrom = -1;
  private nested = '';
  private comma = false;
  private records = 0;
  private recordsOnLine = 0;
  private lineHasContent = false;
  private fileHasContent = false;

  constructor(
    private readonly file: string,
    private readonly lines: boolean,
    private readonly sink: RecordSink,
  ) {
    this.tokenize = createTokenizer(lines);
    this.base = lines ? 0 : 1;
  }

  /** Takes a piece of text that holds at most one line break, at its end. */
  feed(text: string): void {
    if (!this.lineHasContent && !isBlankText(text)) this.lineHasContent = this.fileHasContent = true;
    this.take(this.tokenizeOrRefuse(text, this.line));
  }

  /** Ends the current line; an NDJSON line must hold exactly one complete object or nothing. */
  endLine(): void {
    if (this.lines && this.lineHasContent) {
      this.take(this.tokenizeOrRefuse(LOOKAHEAD_FLUSH, this.line));
      if (this.depth !== 0 || this.recordsOnLine === 0) this.refuse('the line does not hold a complete JSON object');
      if (this.recordsOnLine > 1) this.refuse('more than one JSON value on the line');
    }
    this.line++;
    this.recordsOnLine = 0;
    this.lineHasContent = false;
  }

  /** Ends the file. */
  finish(): void {
    if (this.lines && this.lineHasContent) this.endLine();
    if (!this.fileHasContent) throw new ImportError(this.file, null, 'the file is empty');
    if (this.depth > 0)
      throw new ImportError(this.file, null, 'unexpected end of the file: the JSON array is not closed');
    this.take(this.tokenizeOrRefuse(null, null));
  }

  private tokenizeOrRefuse(text: string | null, line: number | null): readonly Token[] {
    try {
      return this.tokenize(text);
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(
        /^Parser (cannot parse input: |has )/,
        '',
      );
      // The tokenizer's wording for a raw line break or control character inside a string.
      const reason =
        message === 'escaped characters' ? 'a string is not closed, or holds a raw control character' : message;
      throw new ImportError(this.file, line, `invalid JSON: ${reason}`);
    }
  }

  private refuse(reason: string): never {
    throw new ImportError(this.file, this.line, reason);
  }

  private take(tokens: readonly Token[]): void {
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      switch (token.name) {
        case 'startObject':
          this.open(true);
          break;
        case 'startArray':
          this.open(false);
          break;
        case 'endObject':
          this.close(true);
          break;
        case 'endArray':
          this.close(false);
          break;
        case 'keyValue':
          if (this.nestedFrom >= 0) {
            this.nested += `${this.comma ? ',' : ''}${JSON.stringify(token.value)}:`;
            this.comma = false;
          } else {
            this.key = token.value as string;
          }
          break;
        case 'stringValue':
          this.scalar(K_STRING, token.value as string);
          break;
        case 'numberValue':
          this.scalar(K_NUMBER, token.value as string);
          break;
        case 'trueValue':
          this.scalar(K_TRUE, 'true');
          break;
        case 'falseValue':
          this.scalar(K_FALSE, 'false');
          break;
        case 'nullValue':
          this.scalar(K_NULL, 'null');
          break;
      }
    }
  }

  private open(object: boolean): void {
    if (this.nestedFrom >= 0) {
      this.nested += `${this.comma ? ',' : ''}${object ? '{' : '['}`;
      this.comma = false;
    } else if (this.depth === this.base) {
      if (!object) this.notAnObject('array');
      this.records++;
      this.recordsOnLine++;
      this.sink.start();
    } else if (this.depth < this.base) {
      if (object) this.refuse('expected a top-level JSON array of objects, found an object');
    } else {
      this.nestedFrom = this.depth;
      this.nested = object ? '{' : '[';
      this.comma = false;
    }
    this.depth++;
  }

  private close(object: boolean): void {
    this.depth--;
    if (this.nestedFrom >= 0) {
      this.nested += object ? '}' : ']';
      this.comma = true;
      if (this.depth === this.nestedFrom) {
        this.nestedFrom = -1;
        this.emit(K_JSON, this.nested);
        this.nested = '';
      }
    } else if (this.depth === this.base) {
      this.sink.end();
    }
  }

  private scalar(kind: RawKind, text: string): void {
    if (this.nestedFrom >= 0) {
      this.nested += `${this.comma ? ',' : ''}${kind === K_STRING ? JSON.stringify(text) : text}`;
      this.comma = true;
    } else if (this.depth === this.base + 1) {
      this.emit(kind, text);
    } else if (this.depth === this.base) {
      this.notAnObject(kind);
    } else {
      this.refuse(`expected a top-level JSON array of objects, found ${describe(kind)}`);
    }
  }

  private emit(kind: RawKind, text: string): void {
    // PostgreSQL can't store U+0000 in text, so no backend takes it. Nested values are
    // JSON text, where it stays escaped as \u0000.
    if (hasNul(this.key)) this.refuse(`the field name ${JSON.stringify(this.key)} ${NUL_REASON}`);
    if (kind === K_STRING && hasNul(text)) this.refuse(`field ${JSON.stringify(this.key)} ${NUL_REASON}`);
    const reason = this.sink.value(this.key, kind, text);
    if (reason !== null) this.refuse(reason);
  }

  private notAnObject(kind: RawKind | 'array'): never {
    if (this.lines) this.refuse(`expected a JSON object, found ${describe(kind)}`);
    this.refuse(`array item ${this.records + 1} is ${describe(kind)}, expected an object`);
  }
}

/** Feeds a file to a walker, piece by piece, split at line breaks; `afterChunk` may apply backpressure. */
async function walkFile(
  file: string,
  walker: JsonWalker,
  progress: Progress,
  afterChunk: (() => Promise<void>) | null,
): Promise<void> {
  const stream = new TextFileStream(file);
  const chunks = stream[Symbol.asyncIterator]();
  let first = true;
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await chunks.next();
      } catch (err) {
        throw readFailure(file, err);
      }
      if (next.done) break;
      let chunk = next.value as string;
      if (first) {
        first = false;
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
      }
      progress.update(stream.bytesRead);
      let from = 0;
      while (from < chunk.length) {
        const newline = chunk.indexOf('\n', from);
        const to = newline === -1 ? chunk.length : newline + 1;
        walker.feed(from === 0 && to === chunk.length ? chunk : chunk.slice(from, to));
        if (newline !== -1) walker.endLine();
        from = to;
      }
      if (afterChunk) await afterChunk();
    }
  } finally {
    stream.destroy();
  }
  walker.finish();
}

/**
 * Pass 1 over a JSON or NDJSON file: checks every record, collects fields in order of first appearance, infers or
 * checks types.
 */
export async function planJson(
  file: string,
  lines: boolean,
  types: ReadonlyMap<string, FieldType>,
  dates: DateFormat | null,
  progress: Progress,
): Promise<{ columns: ColumnCheck[]; rows: number }> {
  const columns: ColumnCheck[] = [];
  const index = new Map<string, number>();
  let rows = 0;
  const sink: RecordSink = {
    start() {},
    value(key, kind, text) {
      let i = index.get(key);
      if (i === undefined) {
        if (key.trim() === '') return 'a field name is empty';
        if (columns.length === MAX_FIELDS) return `more than ${MAX_FIELDS} distinct field names`;
        i = columns.length;
        index.set(key, i);
        columns.push(columnCheck(key, types, dates));
      }
      const column = columns[i];
      if (column.guess !== null) column.guess.observeJson(kind, text);
      else if (fromJson(column.forced!, kind, text, dates) === INVALID)
        return invalidValueReason(key, column.forced!, text, dates);
      return null;
    },
    end() {
      rows++;
    },
  };
  await walkFile(file, new JsonWalker(file, lines, sink), progress, null);
  return { columns, rows };
}

/**
 * Pass 2 over a JSON or NDJSON file: sends typed rows to `onBatch`, reading on only once it returns; returns the row
 * count.
 */
export async function readJson(
  file: string,
  plan: SourcePlan,
  onBatch: (rows: Value[][]) => void | Promise<void>,
  batchSize: number,
  progress: Progress,
): Promise<number> {
  const names = plan.fields.map((f) => f.name);
  const types = plan.fields.map((f) => f.type);
  const dates = plan.dates;
  const index = new Map(names.map((name, i) => [name, i]));
  const ready: Value[][][] = [];
  let batch: Value[][] = [];
  let row: Value[] = [];
  let rows = 0;
  const sink: RecordSink = {
    start() {
      row = new Array<Value>(names.length).fill(null);
    },
    value(key, kind, text) {
      const i = index.get(key);
      if (i === undefined) return CHANGED;
      const value = fromJson(types[i], kind, text, dates);
      if (value === INVALID) return invalidValueReason(key, types[i], text, dates);
      row[i] = value;
      return null;
    },
    end() {
      batch.push(row);
      rows++;
      if (batch.length >= batchSize) {
        ready.push(batch);
        batch = [];
      }
    },
  };
  const drain = async (): Promise<void> => {
    for (let next = ready.shift(); next; next = ready.shift()) await onBatch(next);
  };
  await walkFile(file, new JsonWalker(file, plan.format === 'ndjson', sink), progress, drain);
  await drain();
  if (batch.length > 0) await onBatch(batch);
  return rows;
}
