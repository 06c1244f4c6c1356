import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore, StoreConfigError } from './index.ts';

/** A backup or restore that can't be done as asked (exit 2): an existing file, a database that is not empty. */
export class BackupRefusedError extends Error {}

/** pg_dump or pg_restore is not installed here, or failed (exit 1, with its own words). */
export class BackupToolError extends Error {}

export interface BackupResult {
  readonly file: string;
  readonly bytes: number;
  /** How it was made: `sqlite` (VACUUM INTO) or `pg_dump` (custom format). */
  readonly method: 'sqlite' | 'pg_dump';
}

/** The environment pg_dump and pg_restore run with: the caller's, plus `extra` (the password). */
export type ToolEnv = (extra: Record<string, string>) => NodeJS.ProcessEnv;

const isSqlite = (url: string) => url.startsWith('sqlite:');

function refuseExisting(file: string): void {
  if (fs.existsSync(file) && fs.statSync(file).size > 0) {
    throw new BackupRefusedError(`${file} exists: a backup never overwrites a file; name a new one`);
  }
}

/**
 * Copies the database named by `url` into `file` while servers keep serving it.
 * SQLite: `VACUUM INTO`, one read transaction, so the copy is the database as it was at
 * one moment (a reload committed meanwhile is in it whole or not at all), with the
 * write-ahead log's pages folded in, compacted. PostgreSQL: `pg_dump --format=custom`,
 * a snapshot too. Refuses a database of a newer version (SchemaTooNewError).
 */
export async function backupDatabase(url: string, file: string, toolEnv: ToolEnv): Promise<BackupResult> {
  const target = path.resolve(file);
  refuseExisting(target);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (isSqlite(url)) {
    if (!fs.existsSync(url.slice('sqlite:'.length))) throw new StoreConfigError(`no database at ${url}`);
    if (fs.existsSync(target)) fs.rmSync(target);
    const store = await openStore(url, { migrate: false, queryWorkers: 0 });
    try {
      await sql`VACUUM INTO ${target}`.execute(store.db);
    } finally {
      await store.close();
    }
    return { file: target, bytes: fs.statSync(target).size, method: 'sqlite' };
  }
  const store = await openStore(url, { migrate: false });
  await store.close();
  await runTool('pg_dump', ['--format=custom', '--no-owner', '--file', target], url, toolEnv);
  return { file: target, bytes: fs.statSync(target).size, method: 'pg_dump' };
}

/**
 * Loads a backup made by `backupDatabase` into the database named by `url`, which must
 * be empty (no tables at all): a restore never merges into or replaces data. Then brings
 * its schema up to date (a backup of an older version) and gives the migrations applied.
 */
export async function restoreDatabase(url: string, file: string, toolEnv: ToolEnv): Promise<{ migrated: string[] }> {
  const source = path.resolve(file);
  if (!fs.existsSync(source)) throw new StoreConfigError(`no backup file ${source}`);
  const head = Buffer.alloc(16);
  const fd = fs.openSync(source, 'r');
  fs.readSync(fd, head, 0, 16, 0);
  fs.closeSync(fd);
  // SQLite files and pg_dump's custom format both start with a signature of their own.
  const kind = head.toString('latin1').startsWith('SQLite format 3')
    ? 'SQLite'
    : head.toString('latin1').startsWith('PGDMP')
      ? 'PostgreSQL'
      : null;
  const wanted = isSqlite(url) ? 'SQLite' : 'PostgreSQL';
  if (kind !== wanted) {
    throw new BackupRefusedError(
      `${source} is not a backup of a ${wanted} database` +
        (kind ? ` (it is one of a ${kind} database: restore it into one)` : ''),
    );
  }
  const tables = await tablesIn(url);
  if (tables.length > 0) {
    throw new BackupRefusedError(
      `the database ${describe(url)} is not empty (${tables.length} tables, e.g. ${tables.slice(0, 3).join(', ')}): ` +
        'restore only into an empty database; create a new one (or a new SQLite file) and restore into it',
    );
  }
  if (isSqlite(url)) {
    const target = path.resolve(url.slice('sqlite:'.length));
    for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
    try {
      return await migrateRestored(url);
    } catch (e) {
      // Not a datagate backup, or one of a newer version: leave the database empty.
      fs.rmSync(target, { force: true });
      throw e;
    }
  }
  await runTool(
    'pg_restore',
    ['--no-owner', '--no-comments', '--exit-on-error', '--single-transaction', source],
    url,
    toolEnv,
  );
  return migrateRestored(url);
}

async function migrateRestored(url: string): Promise<{ migrated: string[] }> {
  const store = await openStore(url, { migrate: false, queryWorkers: 0 });
  try {
    return { migrated: await store.migrate() };
  } finally {
    await store.close();
  }
}

/** The tables of the database (none when a SQLite file does not exist yet). */
async function tablesIn(url: string): Promise<string[]> {
  if (isSqlite(url) && !fs.existsSync(url.slice('sqlite:'.length))) return [];
  const store = await openStore(url, { migrate: false, queryWorkers: 0 });
  try {
    const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
    return tables.map((t) => t.name).sort();
  } finally {
    await store.close();
  }
}

/** The database as logs may show it: never a password. */
function describe(url: string): string {
  if (isSqlite(url)) return path.resolve(url.slice('sqlite:'.length));
  const u = new URL(url);
  return `postgres://${u.host}${u.pathname}`;
}

/**
 * Runs pg_dump or pg_restore on the database of `url`. The password goes in PGPASSWORD,
 * not on the command line, where other users of the machine could read it.
 */
function runTool(tool: 'pg_dump' | 'pg_restore', args: string[], url: string, toolEnv: ToolEnv): Promise<void> {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const env = toolEnv(password ? { PGPASSWORD: password } : {});
  return new Promise((resolve, reject) => {
    const child = spawn(tool, ['--dbname', u.toString(), ...args], { env, stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new BackupToolError(
            `${tool} was not found on PATH: install the PostgreSQL client tools, or ` +
              (tool === 'pg_dump'
                ? 'back the database up with pg_dump --format=custom yourself'
                : 'restore the backup with pg_restore --no-owner --single-transaction yourself'),
          ),
        );
      } else reject(e);
    });
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new BackupToolError(`${tool} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
