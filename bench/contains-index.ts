// node --import tsx bench/contains-index.ts FILE.db
//
// What an FTS5 trigram index over a TEXT field would cost and give a contains count on
// SQLite, on a database the bench imported (its one dataset; the summary field): the
// text is indexed case-folded as containsText folds it (so that a match of the folded
// words is exactly datagate's case-insensitive contains), the index's build time and
// size, and the count of a word in 4 % and in 0.1 % of rows, through the index (the
// candidates checked by the filter as it is) and by the scan datagate does today.
// Measures only; the database file is copied first and the copy removed.
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { parseQuery } from '../src/catalog/filter/query-parser.ts';
import { buildCountQuery, type DatasetTable } from '../src/catalog/query/dataset-query.ts';
import { foldCase } from '../src/shared/text.ts';
import { sqliteCapabilities as caps } from '../src/store/dialects/sqlite-capabilities.ts';
import { installDeadlineGuard } from '../src/store/dialects/sqlite-deadline.ts';
import { registerSqliteFunctions } from '../src/store/dialects/sqlite-functions.ts';
import { sample } from './backends.ts';
import { Q2_WORD, SELECTIVE_WORD } from './generate.ts';

const file = process.argv[2];
const copy = `${file}.contains-index`;
fs.copyFileSync(file, copy);
try {
  const raw = new Database(copy);
  registerSqliteFunctions(raw);
  installDeadlineGuard(raw);
  raw.function('fold', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? foldCase(s) : null));
  const db = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
  const row = raw.prepare(`SELECT table_name, fields, row_count FROM datasets`).get() as {
    table_name: string;
    fields: string;
    row_count: number;
  };
  const ds: DatasetTable = { tableName: row.table_name, fields: JSON.parse(row.fields), rowCount: row.row_count };
  const summary = ds.fields.find((f) => f.name === 'summary')!;
  const pages = () =>
    Number(raw.pragma('page_count', { simple: true })) * Number(raw.pragma('page_size', { simple: true }));
  for (const detail of ['none', 'full']) {
    const fts = `fts_${detail}`;
    const before = pages();
    const t = performance.now();
    raw.exec(
      `CREATE VIRTUAL TABLE ${fts} USING fts5(s, tokenize = 'trigram case_sensitive 1', content = '', ` +
        `detail = ${detail})`,
    );
    raw.exec(`INSERT INTO ${fts} (rowid, s) SELECT "_row", fold("${summary.column}") FROM "${ds.tableName}"`);
    const ms = performance.now() - t;
    const bytes = pages() - before;
    process.stdout.write(
      `FTS5 trigram, detail=${detail}: built in ${(ms / 1000).toFixed(2)} s, ${(bytes / 1e6).toFixed(1)} MB\n`,
    );
    for (const word of [Q2_WORD, SELECTIVE_WORD]) {
      const p = parseQuery({ summary: word }, ds.fields, { maxSize: 10 });
      if (!p.ok) throw new Error(p.message);
      const scan = buildCountQuery(db, caps, ds, p.query)!;
      const where = scan.sql.slice(scan.sql.indexOf(' where ') + 7);
      // detail=full: the phrase (adjacent trigrams); detail=none: every trigram, anywhere.
      const folded = [...foldCase(word)];
      const quote = (x: string) => `"${x.replace(/"/g, '""')}"`;
      const phrase =
        detail === 'full'
          ? quote(folded.join(''))
          : folded
              .slice(2)
              .map((_, i) => quote(folded.slice(i, i + 3).join('')))
              .join(' ');
      const indexed =
        `SELECT count(*) FROM "${ds.tableName}" WHERE "_row" IN ` +
        `(SELECT rowid FROM ${fts} WHERE ${fts} MATCH ?) AND ${where}`;
      const params = [phrase, ...(scan.parameters as unknown[])];
      const n = (sqlText: string, ps: readonly unknown[]) =>
        Number(
          raw
            .prepare(sqlText)
            .pluck()
            .get(...ps),
        );
      const viaIndex = sample(
        () =>
          raw
            .prepare(indexed)
            .pluck()
            .get(...params),
        1500,
      );
      const viaScan = sample(
        () =>
          raw
            .prepare(scan.sql)
            .pluck()
            .get(...(scan.parameters as unknown[])),
        1500,
      );
      process.stdout.write(
        `  ${word}: ${n(scan.sql, scan.parameters)} rows (index: ${n(indexed, params)}); count p50 ` +
          `${viaIndex.p50.toFixed(2)} ms through the index, ${viaScan.p50.toFixed(2)} ms scanning\n`,
      );
    }
  }
  raw.close();
} finally {
  for (const f of [copy, `${copy}-wal`, `${copy}-shm`, `${copy}-journal`]) fs.rmSync(f, { force: true });
}
