import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import pg from 'pg';
import type { FieldType } from '../catalog/index.ts';
import { statementOf, type SourceSpec } from './source-spec.ts';
import { SourceError } from './source-error.ts';

/** What a database source wrote: the NDJSON file and the field types its columns declare. */
export interface QueryDump {
  readonly file: string;
  readonly types: Record<string, FieldType>;
  readonly rows: number;
}

// Rows fetched from the cursor at a time: a few MB of typical rows, enough that the
// round trips vanish against the rows' own cost.
const FETCH_ROWS = 5000;

/** How a column's values are written as JSON, by the catalog type its database type maps to. */
type Writer = (text: string) => string;

const asNumber: Writer = (t) => (/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? t : 'null');
const asString: Writer = (t) => JSON.stringify(t);

// PostgreSQL type OIDs (pg_type.oid, fixed for built-in types).
const PG_TYPES: Record<number, FieldType> = {
  16: 'BOOLEAN',
  20: 'NUMBER',
  21: 'NUMBER',
  23: 'NUMBER',
  26: 'NUMBER',
  700: 'NUMBER',
  701: 'NUMBER',
  1700: 'NUMBER',
  1082: 'DATE',
  1114: 'DATETIME',
  1184: 'DATETIME',
};

function pgWriter(type: FieldType): Writer {
  switch (type) {
    case 'NUMBER':
      return asNumber;
    case 'BOOLEAN':
      return (t) => (t === 't' ? 'true' : 'false');
    case 'DATE':
    case 'DATETIME':
      // 'infinity' and BC dates have no place in the catalog's types.
      return (t) => (/^\d{4}-/.test(t) && !t.endsWith(' BC') ? JSON.stringify(t) : 'null');
    default:
      return asString;
  }
}

/** Writes a line and waits for the file to drain when its buffer is full: memory stays flat. */
async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line)) await once(out, 'drain');
}

async function closeFile(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'finish');
}

function uniqueNames(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new SourceError(`the query returns two columns named "${n}"; give them distinct aliases`);
    seen.add(n);
  }
}

/**
 * Runs a PostgreSQL source's query in a READ ONLY transaction through a server-side
 * cursor, writing its rows as NDJSON to `file`: only one fetch of rows is in memory.
 */
export async function dumpPostgres(
  spec: SourceSpec,
  file: string,
  timeoutMs: number,
  maxRows = Infinity,
): Promise<QueryDump> {
  const client = new pg.Client({
    connectionString: spec.url,
    connectionTimeoutMillis: timeoutMs,
    application_name: 'datagate sync',
    // Every value as the server's text: numbers keep their digits, dates their calendar day.
    types: { getTypeParser: () => (v: string) => v },
  } as pg.ClientConfig);
  client.on('error', () => undefined);
  const out = createWriteStream(file);
  let rows = 0;
  try {
    await client.connect();
    await client.query('BEGIN READ ONLY');
    await client.query("SET LOCAL TimeZone = 'UTC'");
    // A statement (the cursor's declaration, one fetch) stuck longer than the source's
    // time limit is stopped by the server; a healthy fetch of 5,000 rows takes milliseconds.
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
    // The extended protocol refuses several statements in one text; DECLARE refuses any
    // statement but SELECT and VALUES.
    await client.query({
      text: `DECLARE datagate_sync NO SCROLL CURSOR FOR ${statementOf(spec.query)}`,
      queryMode: 'extended',
    } as pg.QueryConfig);
    let names: string[] | null = null;
    let writers: Writer[] = [];
    const types: Record<string, FieldType> = {};
    for (;;) {
      const count = Math.min(FETCH_ROWS, maxRows - rows);
      const r = await client.query({ text: `FETCH ${count} FROM datagate_sync`, rowMode: 'array' });
      if (names === null) {
        names = r.fields.map((f) => f.name);
        uniqueNames(names);
        for (const f of r.fields) types[f.name] = PG_TYPES[f.dataTypeID] ?? 'TEXT';
        writers = r.fields.map((f) => pgWriter(types[f.name]));
        names = names.map((n) => JSON.stringify(n));
      }
      for (const row of r.rows as (string | null)[][]) {
        let line = '{';
        for (let i = 0; i < row.length; i++) {
          const v = row[i];
          line += `${i ? ',' : ''}${names[i]}:${v === null ? 'null' : writers[i](v)}`;
        }
        await writeLine(out, line + '}\n');
      }
      rows += r.rows.length;
      if (r.rows.length < count || rows >= maxRows) break;
    }
    await client.query('COMMIT');
    await closeFile(out);
    return { file, types, rows };
  } catch (e) {
    out.destroy();
    throw e instanceof SourceError ? e : new SourceError(`PostgreSQL: ${(e as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

// MySQL column types (the protocol's MYSQL_TYPE_* codes).
const MYSQL_TYPES: Record<number, FieldType> = {
  0: 'NUMBER', // DECIMAL
  1: 'NUMBER', // TINY
  2: 'NUMBER', // SHORT
  3: 'NUMBER', // LONG
  4: 'NUMBER', // FLOAT
  5: 'NUMBER', // DOUBLE
  7: 'DATETIME', // TIMESTAMP
  8: 'NUMBER', // LONGLONG
  9: 'NUMBER', // INT24
  10: 'DATE',
  12: 'DATETIME',
  13: 'NUMBER', // YEAR
  14: 'DATE', // NEWDATE
  246: 'NUMBER', // NEWDECIMAL
};

/**
 * Runs a MySQL or MariaDB source's query in a READ ONLY transaction, streaming its rows
 * (the driver pauses the socket while a row waits to be written) as NDJSON to `file`.
 */
export async function dumpMysql(
  spec: SourceSpec,
  file: string,
  timeoutMs: number,
  maxRows = Infinity,
): Promise<QueryDump> {
  const mysql = await import('mysql2');
  const url = new URL(spec.url);
  const conn = mysql.createConnection({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    connectTimeout: timeoutMs,
    // Numbers as the server's digits, dates as its text: nothing rounded, nothing shifted.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    timezone: 'Z',
    multipleStatements: false,
    rowsAsArray: true,
  });
  // A connection that breaks fails the statement in flight, and that failure is reported.
  let broken: Error | undefined;
  conn.on('error', (e: Error) => (broken = e));
  const out = createWriteStream(file);
  const run = (sql: string) =>
    new Promise<void>((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));
  let rows = 0;
  try {
    await new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve())));
    await run("SET time_zone = '+00:00'");
    await run('START TRANSACTION READ ONLY');
    const types: Record<string, FieldType> = {};
    let names: string[] = [];
    let writers: Writer[] = [];
    // The whole query, every row streamed, within the source's time limit.
    const query = conn.query({ sql: statementOf(spec.query), rowsAsArray: true, timeout: timeoutMs });
    query.on('fields', (fields: { name: string; columnType: number }[]) => {
      names = fields.map((f) => f.name);
      for (const f of fields) types[f.name] = MYSQL_TYPES[f.columnType] ?? 'TEXT';
    });
    for await (const row of query.stream({ highWaterMark: FETCH_ROWS }) as AsyncIterable<unknown[]>) {
      if (writers.length === 0 && names.length > 0) {
        uniqueNames(names);
        writers = names.map((n) => (types[n] === 'NUMBER' ? asNumber : asString));
        names = names.map((n) => JSON.stringify(n));
      }
      let line = '{';
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        const text = v === null || v === undefined ? null : Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
        line += `${i ? ',' : ''}${names[i]}:${text === null ? 'null' : writers[i](text)}`;
      }
      await writeLine(out, line + '}\n');
      rows++;
      // Leaving the loop stops the stream; the connection is destroyed below, ending the query.
      if (rows >= maxRows) break;
    }
    if (writers.length === 0) uniqueNames(names);
    if (broken) throw broken;
    if (rows < maxRows) await run('COMMIT');
    await closeFile(out);
    return { file, types, rows };
  } catch (e) {
    out.destroy();
    throw e instanceof SourceError ? e : new SourceError(`MySQL: ${(e as Error).message}`);
  } finally {
    // Closes the socket at once: the transaction is committed or abandoned by now, and
    // end() on a connection that failed would wait for an answer that never comes.
    conn.destroy();
  }
}
