import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkDateFormat, type Dataset, type DatasetService, type FieldType, type Value } from '../catalog/index.ts';
import { isoNow, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import type { SecretBox } from '../shared/secret-box.ts';
import type { Store } from '../store/index.ts';
import { downloadHttp } from './http-source.ts';
import { SourceError } from './source-error.ts';
import { createSourceRepo, type RunRow, type SourceRow } from './source-repo.ts';
import {
  checkSchedule,
  checkSource,
  holdsCredential,
  maskHeaders,
  maskUrl,
  nextRunAfter,
  redact,
  sameServer,
  sourceKindOf,
  unmaskHeaders,
  unmaskUrl,
  type HttpFormat,
  type SourceSpec,
} from './source-spec.ts';
import { dumpMysql, dumpPostgres } from './sql-sources.ts';

/** What `dataset connect` asks for. */
export interface ConnectInput {
  readonly name: string;
  readonly url: string;
  readonly query?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly format?: HttpFormat;
  readonly recordsPath?: string;
  readonly schedule?: string;
  readonly integrationGroup?: string;
  readonly description?: string;
  readonly owner?: string;
  readonly types?: Record<string, FieldType>;
  /** A date format the source writes dates in besides ISO 8601 (one of the catalog's DATE_FORMATS); '' = none. */
  readonly dateFormat?: string;
}

/**
 * What an edit of a live dataset's source may change; what is absent stays. A URL or a
 * header value left masked as shown (`****`) keeps the stored credential.
 */
export interface SourceEdit {
  readonly url?: string;
  readonly query?: string;
  /** The whole set of headers: a header left out is removed. */
  readonly headers?: Readonly<Record<string, string>>;
  /** '' = by the response's Content-Type or the URL's extension. */
  readonly format?: HttpFormat | '';
  readonly recordsPath?: string;
  /** Cron, UTC; '' or null removes the schedule (synced on demand only). */
  readonly schedule?: string | null;
  /** One of the catalog's DATE_FORMATS; '' = ISO 8601 only. */
  readonly dateFormat?: string;
}

/** A live dataset's source as it may be shown: credentials masked. */
export interface SourceView {
  readonly kind: string;
  readonly url: string;
  readonly query: string;
  readonly headers: Record<string, string>;
  readonly format: string;
  readonly recordsPath: string;
  readonly types: Record<string, FieldType>;
  /** '' = ISO 8601 only. */
  readonly dateFormat: string;
  readonly schedule: string;
  readonly nextRunAt: string | null;
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

/** One run of a sync, as `dataset history` shows it. */
export interface SyncRun {
  readonly id: string;
  readonly trigger: string;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly result: 'running' | 'ok' | 'failed';
  readonly rows: number | null;
  readonly error: string | null;
}

/** A sync's answer (spec section 13's `--json`), with the dataset behind it. */
export interface SyncResult {
  readonly dataset: Dataset;
  readonly schedule: string;
}

export interface SyncLimits {
  /** Largest HTTP body accepted, in bytes. */
  readonly maxBytes: number;
  /** Longest an HTTP source may take to answer in full, and a database to accept the connection. */
  readonly timeoutMs: number;
}

export interface SyncLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** One scheduled run made by `tick`; `error` is masked. */
export interface TickRun {
  readonly datasetId: string;
  readonly ok: boolean;
  readonly rows: number | null;
  readonly error: string | null;
}

// Runs kept per dataset by `history`: a month of daily syncs, a day of hourly ones.
const HISTORY_LIMIT = 30;
// A file in the work folder untouched this long was left by a process that died mid-sync:
// a live sync writes to its file continuously, then loads it within hours at most.
const STALE_FILE_MS = 24 * 60 * 60 * 1000;

function toView(row: SourceRow): SourceView {
  return {
    kind: row.kind,
    url: row.urlMasked,
    query: row.query,
    headers: JSON.parse(row.headersMasked) as Record<string, string>,
    format: row.format,
    recordsPath: row.recordsPath,
    types: JSON.parse(row.types) as Record<string, FieldType>,
    dateFormat: row.dateFormat,
    schedule: row.schedule,
    nextRunAt: row.nextRunAt,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
  };
}

function toRun(r: RunRow): SyncRun {
  return {
    id: r.id,
    trigger: r.trigger,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    result: r.result as SyncRun['result'],
    rows: r.rows === null ? null : Number(r.rows),
    error: r.error,
  };
}

/**
 * Live datasets: connect one to a source, sync it now or on its schedule, read its
 * history. Rows go through the catalog's streamed, atomic import: a failed sync keeps
 * the previous rows.
 */
/** Runs `load`, a reload of dataset `datasetId`, and notes what its new fields broke (null: nothing). */
export type ReloadCheck = (
  tenantId: string,
  datasetId: string,
  load: () => Promise<Dataset>,
) => Promise<{ dataset: Dataset; note: string | null }>;

export function createSyncService(deps: {
  store: Pick<Store, 'db' | 'tables'>;
  datasets: Pick<DatasetService, 'importFile' | 'get' | 'inspect'>;
  box: SecretBox;
  clock: Clock;
  /** Where a source's rows wait on disk between the fetch and the load. */
  workDir: string;
  limits: SyncLimits;
  /**
   * Runs a reload and tells what its new fields broke (widgets, key scopes), as a note for
   * the run's history; null when nothing broke. Without it, syncs note nothing.
   */
  reloadCheck?: ReloadCheck;
}) {
  const { store, datasets, box, clock, limits } = deps;
  const repo = createSourceRepo(store);

  function specOf(row: SourceRow): SourceSpec {
    return {
      kind: row.kind as SourceSpec['kind'],
      url: box.decrypt(row.urlCipher),
      query: row.query,
      headers: JSON.parse(box.decrypt(row.headersCipher)) as Record<string, string>,
      format: row.format as HttpFormat | '',
      recordsPath: row.recordsPath,
    };
  }

  /** Removes files that syncs of dead processes left in the work folder. */
  async function sweepWorkDir(): Promise<void> {
    for (const name of await readdir(deps.workDir)) {
      if (!name.startsWith('sync-')) continue;
      const file = path.join(deps.workDir, name);
      const info = await stat(file).catch(() => null);
      if (info && Date.now() - info.mtimeMs > STALE_FILE_MS) await rm(file, { force: true });
    }
  }

  /**
   * Fetches the source to `base` + an extension, within the limits; `onFile` learns the
   * file's name before it is written, so that the caller removes it whatever happens.
   * A query stops after `maxRows` rows when given. The types are the columns' own for a
   * query, overridden by `types`.
   */
  async function fetchToFile(
    spec: SourceSpec,
    base: string,
    types: Record<string, FieldType>,
    onFile: (file: string) => void,
    maxRows?: number,
  ): Promise<{ file: string; types: Record<string, FieldType> }> {
    if (spec.kind === 'http') {
      const file = await downloadHttp(spec, base, limits);
      onFile(file);
      return { file, types };
    }
    const file = `${base}.ndjson`;
    onFile(file);
    const dump =
      spec.kind === 'postgres'
        ? await dumpPostgres(spec, file, limits.timeoutMs, maxRows)
        : await dumpMysql(spec, file, limits.timeoutMs, maxRows);
    if (dump.rows === 0) throw new SourceError('the query returned no rows: a sync never empties a dataset');
    // The columns' own types, unless --type says otherwise.
    return { file, types: { ...dump.types, ...types } };
  }

  /** Fetches the source to a file and loads it into a new dataset or over `replaceId`. */
  async function load(
    tenantId: string,
    spec: SourceSpec,
    opts: { replaceId?: string; name?: string; types: Record<string, FieldType> } & Partial<ConnectInput>,
  ): Promise<Dataset> {
    await mkdir(deps.workDir, { recursive: true });
    await sweepWorkDir();
    const base = path.join(deps.workDir, `sync-${randomBytes(8).toString('hex')}`);
    let file = '';
    try {
      const fetched = await fetchToFile(spec, base, opts.types, (f) => (file = f));
      file = fetched.file;
      const types = fetched.types;
      return await datasets.importFile(tenantId, {
        file,
        replaceId: opts.replaceId,
        name: opts.name,
        description: opts.description,
        integrationGroup: opts.integrationGroup,
        owner: opts.owner,
        types,
        dateFormat: opts.dateFormat,
        sourceName: maskUrl(spec.url),
      });
    } finally {
      if (file) await rm(file, { force: true });
    }
  }

  /**
   * The source an edit of `row` means: the stored values where the edit gives none or
   * leaves a credential masked, checked as a connect's. Fields of another kind of source
   * (a query for an http(s) URL, headers for a database) are dropped when the URL's kind
   * changes and the edit does not give them.
   */
  function editedSpec(row: SourceRow, edit: SourceEdit): SourceSpec {
    const stored = specOf(row);
    const url = edit.url === undefined ? stored.url : unmaskUrl(edit.url.trim(), stored.url);
    let kind: SourceSpec['kind'];
    try {
      kind = sourceKindOf(url);
    } catch (e) {
      throw e instanceof DomainError ? new DomainError('INVALID_INPUT', `url: ${e.message}`) : e;
    }
    const sameFamily = (kind === 'http') === (stored.kind === 'http');
    const headers =
      edit.headers === undefined
        ? sameFamily
          ? stored.headers
          : {}
        : unmaskHeaders(edit.headers, stored.headers, url, stored.url);
    if (edit.headers === undefined && holdsCredential(headers) && !sameServer(url, stored.url))
      throw new DomainError(
        'INVALID_INPUT',
        'headers: the URL names another server; give the headers again: a stored credential is only sent ' +
          'where it was given for',
      );
    return checkSource({
      kind,
      url,
      query: edit.query ?? (sameFamily ? stored.query : ''),
      headers,
      format: edit.format ?? (sameFamily ? stored.format : ''),
      recordsPath: (edit.recordsPath ?? (sameFamily ? stored.recordsPath : '')).trim(),
    });
  }

  /** The source of a dataset of this tenant; NOT_FOUND for another tenant's or one loaded from files. */
  async function sourceRow(tenantId: string, datasetId: string): Promise<SourceRow> {
    await datasets.get(tenantId, datasetId);
    const row = await repo.get(tenantId, datasetId);
    if (!row) throw new DomainError('NOT_FOUND', `dataset "${datasetId}" has no source: it is loaded from files`);
    return row;
  }

  /** Reads a source to a file and inspects it: its fields and first rows, nothing stored. */
  async function testSpec(
    spec: SourceSpec,
    types: Record<string, FieldType>,
    dateFormat: string | undefined,
    opts: { sampleSize: number; maxRows: number },
  ): Promise<{ fields: { name: string; type: FieldType }[]; sample: Value[][] }> {
    await mkdir(deps.workDir, { recursive: true });
    const base = path.join(deps.workDir, `sync-${randomBytes(8).toString('hex')}`);
    let file = '';
    try {
      const fetched = await fetchToFile(spec, base, types, (f) => (file = f), opts.maxRows);
      const inspected = await datasets.inspect(fetched.file, {
        sampleSize: opts.sampleSize,
        sourceName: maskUrl(spec.url),
        types: fetched.types,
        dateFormat,
      });
      return { fields: inspected.plan.fields.map((f) => ({ name: f.name, type: f.type })), sample: inspected.sample };
    } catch (e) {
      if (e instanceof DomainError && e.code !== 'IMPORT_INVALID') throw e;
      throw new DomainError('SOURCE_FAILED', `the source could not be read: ${failureText(e, spec)}`);
    } finally {
      if (file) await rm(file, { force: true });
    }
  }

  /** A failure as it is recorded and shown: the source's secrets masked. */
  function failureText(e: unknown, spec: SourceSpec): string {
    const msg =
      e instanceof SourceError || e instanceof DomainError ? e.message : `unexpected: ${(e as Error).message}`;
    return redact(msg, spec);
  }

  async function runSync(tenantId: string, datasetId: string, trigger: 'manual' | 'schedule'): Promise<SyncResult> {
    const row = await repo.get(tenantId, datasetId);
    if (!row)
      throw new DomainError(
        'NOT_FOUND',
        `dataset "${datasetId}" has no source in this tenant; connect one with dataset connect`,
      );
    const spec = specOf(row);
    // One sync of a dataset at a time, on every node: a session lock on PostgreSQL, a
    // claim with this process's id on SQLite. Held until the load ends or the process dies.
    const claim = await store.tables.claim(`sync_${datasetId}`).catch((e: unknown) => {
      if (e instanceof DomainError && e.code === 'CONFLICT')
        throw new DomainError('CONFLICT', `a sync of dataset "${datasetId}" is already running`);
      throw e;
    });
    const runId = newId();
    try {
      const startedAt = isoNow(clock);
      await repo.interruptStale(datasetId, startedAt);
      await repo.startRun({
        id: runId,
        tenantId,
        datasetId,
        trigger,
        startedAt,
        endedAt: null,
        result: 'running',
        rows: null,
        error: null,
      });
      let ds: Dataset;
      let note: string | null = null;
      try {
        const reload = () =>
          load(tenantId, spec, {
            replaceId: datasetId,
            types: JSON.parse(row.types) as Record<string, FieldType>,
            // As connected: a scheduled sync reads the dates as the first one did.
            dateFormat: row.dateFormat,
          });
        if (deps.reloadCheck) ({ dataset: ds, note } = await deps.reloadCheck(tenantId, datasetId, reload));
        else ds = await reload();
      } catch (e) {
        const error = failureText(e, spec);
        const at = isoNow(clock);
        await repo.endRun(runId, { endedAt: at, result: 'failed', rows: null, error });
        await repo.setError(datasetId, error, at);
        throw new DomainError('SOURCE_FAILED', `sync failed, the previous rows are kept: ${error}`);
      }
      // An ok run whose new fields broke widgets or scopes says so in its history's error.
      await repo.endRun(runId, { endedAt: isoNow(clock), result: 'ok', rows: ds.rowCount, error: note });
      await repo.setError(datasetId, null, null);
      return { dataset: ds, schedule: row.schedule };
    } finally {
      await claim.release();
    }
  }

  return {
    /**
     * Creates a dataset filled from a source and runs its first sync at once; nothing is
     * kept when that sync fails. The URL and headers are stored only encrypted.
     */
    async connect(tenantId: string, input: ConnectInput): Promise<SyncResult> {
      const name = input.name.trim();
      if (!name) throw new DomainError('INVALID_INPUT', 'a dataset needs a name');
      const spec = checkSource({
        kind: sourceKindOf(input.url),
        url: input.url,
        query: input.query ?? '',
        headers: input.headers ?? {},
        format: input.format ?? '',
        recordsPath: input.recordsPath?.trim() ?? '',
      });
      const schedule = checkSchedule(input.schedule ?? '');
      const dateFormat = checkDateFormat(input.dateFormat) ?? '';
      const startedAt = isoNow(clock);
      let ds: Dataset;
      try {
        ds = await load(tenantId, spec, {
          name,
          types: input.types ?? {},
          dateFormat,
          description: input.description,
          integrationGroup: input.integrationGroup,
          owner: input.owner,
        });
      } catch (e) {
        if (e instanceof DomainError && e.code !== 'IMPORT_INVALID') throw e;
        throw new DomainError('SOURCE_FAILED', `the first sync failed, nothing was created: ${failureText(e, spec)}`);
      }
      const next = schedule ? nextRunAfter(schedule, clock.now()) : null;
      await repo.insert({
        datasetId: ds.id,
        tenantId,
        kind: spec.kind,
        urlCipher: box.encrypt(spec.url),
        urlMasked: maskUrl(spec.url),
        headersCipher: box.encrypt(JSON.stringify(spec.headers)),
        headersMasked: JSON.stringify(maskHeaders(spec.headers)),
        query: spec.query,
        format: spec.format,
        recordsPath: spec.recordsPath,
        types: JSON.stringify(input.types ?? {}),
        dateFormat,
        schedule,
        nextRunAt: next ? next.toISOString() : null,
        lastError: null,
        lastErrorAt: null,
        createdAt: startedAt,
      });
      await repo.startRun({
        id: newId(),
        tenantId,
        datasetId: ds.id,
        trigger: 'connect',
        startedAt,
        endedAt: isoNow(clock),
        result: 'ok',
        rows: ds.rowCount,
        error: null,
      });
      return { dataset: ds, schedule };
    },

    /**
     * Reads a source as `connect` would, with the same checks and limits, and answers the
     * fields the import infers and the first `sampleSize` rows; nothing is stored. A query
     * is read up to `maxRows` rows; an HTTP body in full (its types are inferred from
     * every record, as a sync would).
     */
    async test(
      input: Omit<ConnectInput, 'name' | 'schedule' | 'integrationGroup' | 'description' | 'owner'>,
      opts: { sampleSize: number; maxRows: number },
    ): Promise<{ fields: { name: string; type: FieldType }[]; sample: Value[][] }> {
      const spec = checkSource({
        kind: sourceKindOf(input.url),
        url: input.url,
        query: input.query ?? '',
        headers: input.headers ?? {},
        format: input.format ?? '',
        recordsPath: input.recordsPath?.trim() ?? '',
      });
      return testSpec(spec, input.types ?? {}, checkDateFormat(input.dateFormat), opts);
    },

    /**
     * Tests a live dataset's source as an edit would leave it: the stored credentials where
     * the edit leaves them masked, the dataset's forced types. Nothing is stored.
     */
    async testEdit(
      tenantId: string,
      datasetId: string,
      edit: SourceEdit,
      opts: { sampleSize: number; maxRows: number },
    ): Promise<{ fields: { name: string; type: FieldType }[]; sample: Value[][] }> {
      const row = await sourceRow(tenantId, datasetId);
      const dateFormat = edit.dateFormat === undefined ? row.dateFormat : checkDateFormat(edit.dateFormat);
      const types = JSON.parse(row.types) as Record<string, FieldType>;
      return testSpec(editedSpec(row, edit), types, dateFormat, opts);
    },

    /**
     * Changes a live dataset's source and/or schedule, checked as a connect's. Credentials
     * left masked keep their stored values; a changed schedule gets its next due time from
     * now, which every node reads at its next look for due syncs. The rows stay until the
     * next sync. Answers the source (masked) and what changed, for the audit log (no secret).
     */
    async editSource(
      tenantId: string,
      datasetId: string,
      edit: SourceEdit,
    ): Promise<{ source: SourceView; changes: string[] }> {
      const row = await sourceRow(tenantId, datasetId);
      const before = specOf(row);
      const spec = editedSpec(row, edit);
      let schedule = row.schedule;
      if (edit.schedule !== undefined) {
        try {
          schedule = checkSchedule(edit.schedule ?? '');
        } catch (e) {
          throw e instanceof DomainError ? new DomainError('INVALID_INPUT', `schedule: ${e.message}`) : e;
        }
      }
      const changes: string[] = [];
      if (spec.url !== before.url) changes.push(`url ${maskUrl(spec.url)}`);
      if (spec.query !== before.query) changes.push('query');
      if (JSON.stringify(spec.headers) !== JSON.stringify(before.headers))
        changes.push(`headers [${Object.keys(spec.headers).join(', ')}]`);
      if (spec.format !== before.format) changes.push(`format ${spec.format || 'auto'}`);
      if (spec.recordsPath !== before.recordsPath) changes.push(`records path "${spec.recordsPath}"`);
      if (schedule !== row.schedule) changes.push(schedule ? `schedule "${schedule}"` : 'no schedule');
      const dateFormat = edit.dateFormat === undefined ? row.dateFormat : (checkDateFormat(edit.dateFormat) ?? '');
      if (dateFormat !== row.dateFormat) changes.push(`date format ${dateFormat || 'ISO 8601'}`);
      // The next due time moves only with the schedule: an edit of the source alone keeps it.
      const next = schedule === row.schedule ? row.nextRunAt : schedule ? nextRunAfter(schedule, clock.now()) : null;
      if (changes.length > 0)
        await repo.update(tenantId, datasetId, {
          kind: spec.kind,
          urlCipher: box.encrypt(spec.url),
          urlMasked: maskUrl(spec.url),
          headersCipher: box.encrypt(JSON.stringify(spec.headers)),
          headersMasked: JSON.stringify(maskHeaders(spec.headers)),
          query: spec.query,
          format: spec.format,
          recordsPath: spec.recordsPath,
          dateFormat,
          schedule,
          nextRunAt: next instanceof Date ? next.toISOString() : next,
        });
      return { source: toView((await repo.get(tenantId, datasetId))!), changes };
    },

    /** Syncs a connected dataset now; SOURCE_FAILED (previous rows kept) when the source fails. */
    sync: (tenantId: string, datasetId: string) => runSync(tenantId, datasetId, 'manual'),

    /** The last runs of a dataset's sync, newest first. */
    async history(tenantId: string, datasetId: string): Promise<SyncRun[]> {
      await datasets.get(tenantId, datasetId);
      return (await repo.runs(tenantId, datasetId, HISTORY_LIMIT)).map(toRun);
    },

    /** A dataset's source with its credentials masked, or null for a dataset loaded from files. */
    async source(tenantId: string, datasetId: string): Promise<SourceView | null> {
      await datasets.get(tenantId, datasetId);
      const row = await repo.get(tenantId, datasetId);
      return row ? toView(row) : null;
    },

    /** Every source of the tenant by dataset id, masked (for listings). */
    async sources(tenantId: string): Promise<Map<string, SourceView>> {
      return new Map((await repo.listOf(tenantId)).map((r) => [r.datasetId, toView(r)]));
    },

    /**
     * Runs every sync due at `now` (epoch ms) that this node claims first, one after the
     * other; a due time is claimed by moving it to the next, so it runs once on one node
     * and a node that dies mid-sync leaves the next due time as it should be. Returns the
     * runs it made; `onClaim` learns of each due time claimed before its sync starts.
     */
    async tick(
      now: number = clock.now(),
      onClaim?: (claim: { datasetId: string; dueAt: string }) => void,
    ): Promise<TickRun[]> {
      const runs: TickRun[] = [];
      for (const row of await repo.due(new Date(now).toISOString())) {
        const next = row.schedule ? nextRunAfter(row.schedule, now) : null;
        const claimed = await repo.claimDue(
          row.datasetId,
          row.nextRunAt!,
          row.schedule,
          next ? next.toISOString() : null,
        );
        if (!claimed) continue;
        onClaim?.({ datasetId: row.datasetId, dueAt: row.nextRunAt! });
        try {
          const r = await runSync(row.tenantId, row.datasetId, 'schedule');
          runs.push({ datasetId: row.datasetId, ok: true, rows: r.dataset.rowCount, error: null });
        } catch (e) {
          // Domain messages are masked (SOURCE_FAILED) or hold no secret (CONFLICT, NOT_FOUND).
          const error = e instanceof DomainError ? e.message : redact((e as Error).message, specOf(row));
          runs.push({ datasetId: row.datasetId, ok: false, rows: null, error });
        }
      }
      return runs;
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
