import { expressionBuilder, sql, type CompiledQuery, type Kysely } from 'kysely';
import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { DomainError } from '../shared/errors.ts';
import { newId } from '../shared/ids.ts';
import { zoneTable, type ControlSchema, type RowCursor, type Store } from '../store/index.ts';
import { filterFields, type FilterNode } from './filter/filter-parser.ts';
import { queryOffset, type ParsedQuery } from './filter/query-parser.ts';
import {
  ImportError,
  importMessage,
  planImport,
  readRows,
  readSample,
  type SourcePlan,
} from './import/source-reader.ts';
import { type ListPage, type ListQuery } from './listing.ts';
import { containsText } from './filter/filter-compiler.ts';
import {
  buildCountQuery,
  buildExportQuery,
  buildPageQuery,
  buildZoneSpanQuery,
  pageFields,
  readsFewRows,
  readsRowRange,
  type DatasetTable,
} from './query/dataset-query.ts';
import {
  buildKeysetPageQuery,
  buildMatchingRowsQuery,
  buildSampleCountQuery,
  SAMPLE_ROWS,
} from './query/page-strategies.ts';
import { toDataset, type Dataset } from './dataset-registry.ts';
import { createCountCache, filtersKey } from './count-cache.ts';
import type { Field, FieldType, Value } from './types.ts';
import { DATE_FORMATS, isDateFormatName, type DateFormatName } from './values/values.ts';

export interface ImportInput {
  readonly file: string;
  readonly name?: string;
  readonly description?: string;
  readonly integrationGroup?: string;
  readonly owner?: string;
  readonly types?: Record<string, FieldType>;
  /** A date format the file's dates may be written in besides ISO 8601 (one of DATE_FORMATS); '' = none. */
  readonly dateFormat?: string;
  /** Reload this dataset instead of creating one. */
  readonly replaceId?: string;
  /** The name error messages give the file (an upload's original name); the file's own by default. */
  readonly sourceName?: string;
  readonly onProgress?: (phase: 'scan' | 'load', done: number, total: number) => void;
}

/** A dataset as the console lists it: with the number of widgets built on it. */
export interface ListedDataset extends Dataset {
  readonly linkedWidgets: number;
}

/** The metadata an admin may change without reloading rows. */
export interface DatasetChanges {
  readonly name?: string;
  readonly description?: string;
  readonly integrationGroup?: string;
}

export interface Page {
  readonly total: number;
  readonly fields: readonly Field[];
  /** Each row's values in `fields` order; a page read after a cursor has the row's `_row` after them. */
  readonly rows: unknown[][];
  /** Asked for with `_count`: how `total` was found; with `none` it was not, and `total` is 0. */
  readonly totalKind?: TotalKind;
  /** Read after a cursor (`afterRow`): the `_row` the next page starts after, null on the last page. */
  readonly nextRow?: number | null;
}

/** How a page's total was found. */
export type TotalKind = 'exact' | 'estimated' | 'none';

// The count cache of a service created without a budget (tests, tools): ~5,000 counts.
const DEFAULT_COUNT_CACHE_BYTES = 3 * 1024 * 1024;
// How long a replaced table is kept for readers that still hold the old version:
// every node sees a change within a second, queries finish long before a minute.
const RETIRE_GRACE_MS = 60_000;
// Rows per insert transaction while loading: large enough to amortise the commit,
// small enough that other writers (admin changes) never wait long, and that rows are
// inserted while V8 still holds them in its young generation (at 10,000,000 rows on
// SQLite, 5,000 against 20,000: 62–64 s and 202–204 MB against 68–69 s and 277–293 MB).
const LOAD_BATCH = 5_000;

// A count reads only the zone map's span of rows (those of the blocks whose ranges can
// match) when the span is at most this share of the table: a read of a quarter of the
// rows in load order bounds its cost, where the planner, choosing an index by the filter
// alone, may read every match at random (a date range's count: 270 ms by the priority
// index against 21 ms over the span, 1M rows in date order).
const ZONE_COUNT_SHARE = 0.25;

// Tables whose integer columns are remembered: a set of column names each, so a
// thousand tables cost a few hundred kilobytes at most; the oldest is forgotten first.
const INT64_CACHE_TABLES = 1000;

/** The date format named by a caller, checked: undefined for none, INVALID_INPUT for a name not in DATE_FORMATS. */
export function checkDateFormat(name: string | undefined): DateFormatName | undefined {
  if (name === undefined || name === '') return undefined;
  if (isDateFormatName(name)) return name;
  // Cut, so that a hostile name can't flood a log line or a terminal.
  const shown = name.length > 40 ? `${name.slice(0, 37)}...` : name;
  throw new DomainError(
    'INVALID_INPUT',
    `unknown date format ${JSON.stringify(shown)}; expected one of ${DATE_FORMATS.join(', ')}`,
  );
}

function paramKey(p: unknown): string {
  return typeof p === 'bigint' ? `${p}n` : JSON.stringify(p);
}

/** Datasets: import, reload, listing and reading pages. */
export function createDatasetService(deps: { store: Store; clock?: Clock; countCacheBytes?: number }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const counts = createCountCache(deps.countCacheBytes ?? DEFAULT_COUNT_CACHE_BYTES);
  const int64Cache = new Map<string, ReadonlySet<string>>();
  /** Whether each table has a zone map (tables loaded before zone maps have none); as bounded as int64Cache. */
  const zoneCache = new Map<string, boolean>();

  async function sweepRetired(): Promise<void> {
    const cutoff = new Date(clock.now() - RETIRE_GRACE_MS).toISOString();
    const old = await store.db
      .selectFrom('retiredTables')
      .select('tableName')
      .where('retiredAt', '<', cutoff)
      .execute();
    for (const { tableName } of old) {
      await store.tables.drop(tableName);
      await store.db.deleteFrom('retiredTables').where('tableName', '=', tableName).execute();
    }
  }

  /** The dataset with this id in this tenant (read inside `trx` when given); NOT_FOUND otherwise. */
  async function get(tenantId: string, id: string, trx?: Kysely<ControlSchema>): Promise<Dataset> {
    const row = await (trx ?? store.db)
      .selectFrom('datasets')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `no dataset "${id}" in this tenant`);
    return toDataset(row);
  }

  /** How many widgets each of these datasets has. */
  async function widgetCounts(tenantId: string, ids: readonly string[]): Promise<Map<string, number>> {
    if (ids.length === 0) return new Map();
    const rows = await store.db
      .selectFrom('widgets')
      .select((eb) => ['datasetId', eb.fn.countAll<number>().as('n')])
      .where('tenantId', '=', tenantId)
      .where('datasetId', 'in', ids as string[])
      .groupBy('datasetId')
      .execute();
    return new Map(rows.map((r) => [r.datasetId, Number(r.n)]));
  }

  return {
    get,
    sweepRetired,
    widgetCounts,

    async list(tenantId: string): Promise<Dataset[]> {
      const rows = await store.db
        .selectFrom('datasets')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .orderBy('createdAt')
        .execute();
      return rows.map(toDataset);
    },

    async exists(tenantId: string, id: string): Promise<boolean> {
      const row = await store.db
        .selectFrom('datasets')
        .select('id')
        .where('tenantId', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Loads a file into a new dataset, or reloads one. The rows go into a new table
     * that is swapped in by one transaction at the end: readers see all old rows or
     * all new ones, and a failure half-way leaves the old rows as they were.
     */
    async importFile(tenantId: string, input: ImportInput): Promise<Dataset> {
      const previous = input.replaceId ? await get(tenantId, input.replaceId) : undefined;
      const name = (input.name ?? previous?.name ?? '').trim();
      if (!name) throw new DomainError('INVALID_INPUT', 'a dataset needs a name');
      const dateFormat = checkDateFormat(input.dateFormat);
      let plan;
      try {
        plan = await planImport(input.file, {
          types: input.types,
          dateFormat,
          onProgress: input.onProgress && ((done, total) => input.onProgress!('scan', done, total)),
        });
      } catch (e) {
        if (e instanceof ImportError) throw new DomainError('IMPORT_INVALID', importMessage(e, input.sourceName));
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DomainError('NOT_FOUND', `no file ${input.file}`);
        throw e;
      }
      const fields: Field[] = plan.fields.map((f, i) => Object.freeze({ name: f.name, type: f.type, column: `c${i}` }));
      const id = previous?.id ?? newId();
      const version = (previous?.version ?? 0) + 1;
      const tableName = `ds_${id}_v${version}`;

      // A killed earlier attempt may have left its table behind (a live one on another
      // process is claimed, and kept); tables in their grace period after a replace are
      // left to the sweep. The claim marks this load as live until it ends.
      await store.tables.dropOrphans(`ds_${id}_`);
      const claim = await store.tables.claim(tableName);
      try {
        await store.tables.create(tableName, fields);
      } catch (e) {
        await claim.release();
        throw e;
      }
      try {
        let loaded = 0;
        let batch: unknown[][] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await store.tables.insert(tableName, fields, batch as never, loaded + 1);
          loaded += batch.length;
          batch = [];
        };
        await readRows(
          input.file,
          plan,
          async (rows) => {
            for (const r of rows) batch.push(r);
            if (batch.length >= LOAD_BATCH) await flush();
          },
          { onProgress: input.onProgress && ((done, total) => input.onProgress!('load', done, total)) },
        );
        await flush();
        await store.tables.index(tableName, fields);

        const now = isoNow(clock);
        // What the load sets, on a new dataset or a reloaded one.
        const loadedAs = {
          name,
          modifiedAt: now,
          syncedAt: now,
          version,
          tableName,
          fields: JSON.stringify(fields),
          rowCount: loaded,
        };
        await store.db.transaction().execute(async (trx) => {
          if (previous) {
            await trx
              .updateTable('datasets')
              .set({
                ...loadedAs,
                description: input.description ?? previous.description,
                integrationGroup: input.integrationGroup ?? previous.integrationGroup,
              })
              .where('id', '=', id)
              .execute();
            await trx.insertInto('retiredTables').values({ tableName: previous.tableName, retiredAt: now }).execute();
          } else {
            await trx
              .insertInto('datasets')
              .values({
                ...loadedAs,
                id,
                tenantId,
                description: input.description ?? '',
                integrationGroup: input.integrationGroup ?? '',
                owner: input.owner ?? '',
                createdAt: now,
              })
              .execute();
          }
          await store.bumpGeneration(trx);
        });
      } catch (e) {
        await store.tables.drop(tableName).catch(() => undefined);
        if (e instanceof ImportError) throw new DomainError('IMPORT_INVALID', importMessage(e, input.sourceName));
        throw e;
      } finally {
        await claim.release();
      }
      await sweepRetired();
      return get(tenantId, id);
    },

    /**
     * Checks a file as an import would (every record; types inferred, or as given) and
     * returns the plan with the first `sampleSize` rows, loading nothing.
     */
    async inspect(
      file: string,
      opts: { sampleSize: number; sourceName?: string; types?: Record<string, FieldType>; dateFormat?: string },
    ): Promise<{ plan: SourcePlan; sample: Value[][] }> {
      const dateFormat = checkDateFormat(opts.dateFormat);
      try {
        const plan = await planImport(file, { types: opts.types, dateFormat });
        return { plan, sample: await readSample(file, plan, opts.sampleSize) };
      } catch (e) {
        if (e instanceof ImportError) throw new DomainError('IMPORT_INVALID', importMessage(e, opts.sourceName));
        throw e;
      }
    },

    /** Changes a dataset's name, description or integration group; its rows, fields and version stay. */
    async update(tenantId: string, id: string, changes: DatasetChanges): Promise<Dataset> {
      await get(tenantId, id);
      const name = changes.name?.trim();
      if (name === '') throw new DomainError('INVALID_INPUT', 'a dataset needs a name');
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('datasets')
          .set({
            ...(name === undefined ? {} : { name }),
            ...(changes.description === undefined ? {} : { description: changes.description }),
            ...(changes.integrationGroup === undefined ? {} : { integrationGroup: changes.integrationGroup.trim() }),
            modifiedAt: isoNow(clock),
          })
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .execute();
        await store.bumpGeneration(trx);
      });
      return get(tenantId, id);
    },

    /**
     * Deletes a dataset and its widgets in one transaction: `trx` when given (the
     * caller then calls `sweepRetired` after it commits), one of its own otherwise. Its
     * table is retired, as a reload retires the old one: readers still on it finish,
     * the sweep drops it later. Returns the dataset and the widgets that went with it.
     */
    async remove(
      tenantId: string,
      id: string,
      trx?: Kysely<ControlSchema>,
    ): Promise<{ dataset: Dataset; widgets: { id: string; name: string }[] }> {
      const dataset = await get(tenantId, id, trx);
      const run = async (t: Kysely<ControlSchema>) => {
        const own = await t
          .selectFrom('widgets')
          .select(['id', 'name'])
          .where('tenantId', '=', tenantId)
          .where('datasetId', '=', id)
          .orderBy('name')
          .execute();
        await t.deleteFrom('widgets').where('tenantId', '=', tenantId).where('datasetId', '=', id).execute();
        const gone = await t
          .deleteFrom('datasets')
          .where('tenantId', '=', tenantId)
          .where('id', '=', id)
          .executeTakeFirst();
        // Another admin deleted it between the read and this transaction.
        if (Number(gone.numDeletedRows) === 0) throw new DomainError('NOT_FOUND', `no dataset "${id}" in this tenant`);
        // A live dataset's source and its history go with it.
        await t.deleteFrom('datasetSources').where('datasetId', '=', id).execute();
        await t.deleteFrom('syncRuns').where('datasetId', '=', id).execute();
        // Stars on it and on its widgets go with them.
        await t
          .deleteFrom('favourites')
          .where('tenantId', '=', tenantId)
          .where((eb) =>
            eb.or([
              eb.and([eb('resourceType', '=', 'dataset'), eb('resourceId', '=', id)]),
              eb.and([
                eb('resourceType', '=', 'widget'),
                eb('resourceId', 'in', own.length ? own.map((w) => w.id) : ['']),
              ]),
            ]),
          )
          .execute();
        await t
          .insertInto('retiredTables')
          .values({ tableName: dataset.tableName, retiredAt: isoNow(clock) })
          .onConflict((oc) => oc.column('tableName').doNothing())
          .execute();
        await store.bumpGeneration(t);
        return own;
      };
      if (trx) return { dataset, widgets: await run(trx) };
      const widgets = await store.db.transaction().execute(run);
      await sweepRetired();
      return { dataset, widgets };
    },

    /** One page of the tenant's datasets for the console: search in name and description, one group, ordered. */
    async search(tenantId: string, q: ListQuery): Promise<ListPage<ListedDataset>> {
      let matching = store.db.selectFrom('datasets').where('tenantId', '=', tenantId);
      const text = q.search?.trim();
      if (text) {
        matching = matching.where((eb) =>
          eb.or([
            containsText(store.caps, eb.ref('name'), text),
            containsText(store.caps, eb.ref('description'), text),
          ]),
        );
      }
      if (q.group !== undefined) matching = matching.where('integrationGroup', '=', q.group);
      if (q.starredBy !== undefined) {
        const by = q.starredBy;
        matching = matching.where('id', 'in', (eb) =>
          eb
            .selectFrom('favourites')
            .select('favourites.resourceId')
            .where('favourites.tenantId', '=', tenantId)
            .where('favourites.userId', '=', by)
            .where('favourites.resourceType', '=', 'dataset'),
        );
      }
      const counted = await matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      let page = matching.selectAll();
      page =
        q.sort === 'name'
          ? page.orderBy(sql`lower(${sql.ref('name')})`, q.order).orderBy('name', q.order)
          : page.orderBy('modifiedAt', q.order);
      // Ties (same name, same instant) in a fixed order, so that pages never overlap.
      const rows = await page
        .orderBy('id')
        .limit(q.size)
        .offset((q.page - 1) * q.size)
        .execute();
      const groups = await store.db
        .selectFrom('datasets')
        .select('integrationGroup')
        .distinct()
        .where('tenantId', '=', tenantId)
        .where('integrationGroup', '<>', '')
        .orderBy('integrationGroup')
        .execute();
      const counts = await widgetCounts(
        tenantId,
        rows.map((r) => r.id),
      );
      return {
        items: rows.map((r) => ({ ...toDataset(r), linkedWidgets: counts.get(r.id) ?? 0 })),
        total: Number(counted.n),
        groups: groups.map((g) => g.integrationGroup),
      };
    },

    /**
     * One page of rows and the total of matching rows. Past `deadline` (epoch ms) the
     * query is stopped with a QueryTimeoutError.
     */
    readPage,

    /**
     * The columns of the dataset's NUMBER fields whose every value is an integer within
     * 64 bits (the OData feed's Edm.Int64), read once per table: a table never changes.
     */
    async int64Columns(ds: Dataset, opts: { deadline?: number } = {}): Promise<ReadonlySet<string>> {
      const cached = int64Cache.get(ds.tableName);
      if (cached !== undefined) return cached;
      const numbers = ds.fields.filter((f) => f.type === 'NUMBER');
      const found = new Set<string>();
      if (numbers.length > 0) {
        const eb = expressionBuilder<any, any>();
        let query = store.data
          .selectFrom(ds.tableName)
          .select(
            numbers.map((f, i) =>
              sql<number>`max(case when ${store.caps.notInt64(eb.ref(f.column))} then 1 else 0 end)`.as(`n${i}`),
            ),
          );
        const guard = store.caps.deadlineGuard();
        if (guard) query = query.where(guard);
        const [row] = await store.tables.rows(query.compile(), opts);
        numbers.forEach((f, i) => {
          if (Number(row[i] ?? 0) === 0) found.add(f.column);
        });
      }
      // One entry per table; tables of removed or reloaded versions are few and small to name.
      if (int64Cache.size >= INT64_CACHE_TABLES) int64Cache.delete(int64Cache.keys().next().value!);
      int64Cache.set(ds.tableName, found);
      return found;
    },

    /**
     * Every row matching `q`'s filters (paging ignored), in its order and with its fields,
     * through a cursor for an export; the caller must close it.
     */
    async openExport(ds: Dataset, q: ParsedQuery): Promise<{ fields: readonly Field[]; cursor: RowCursor }> {
      const cursor = await store.tables.cursor(buildExportQuery(store.data, store.caps, ds, q));
      return { fields: pageFields(ds, q), cursor };
    },

    /** The number of rows matching `filters` (ANDed), through the count cache. */
    async countRows(ds: Dataset, filters: readonly FilterNode[], opts: { deadline?: number } = {}): Promise<number> {
      return countMatching(ds, { current: 1, size: 1, filters, sort: [], fields: null, numbersAsText: false }, opts);
    },
  };

  function countKey(ds: Dataset, count: CompiledQuery): string {
    return `${ds.tableName}\n${count.sql}\n${count.parameters.map(paramKey).join('\n')}`;
  }

  async function countMatching(ds: Dataset, q: ParsedQuery, opts: { deadline?: number }): Promise<number> {
    if (q.filters.length === 0) return ds.rowCount;
    // Keyed by the parsed filters, so that a count counted before costs no SQL built.
    const key = filtersKey(ds, q.filters);
    const cached = counts.get(key);
    if (cached !== undefined) return cached;
    const total = await countIn(ds, q, buildCountQuery(store.data, store.caps, ds, q)!, opts);
    counts.set(key, total);
    return total;
  }

  /**
   * Runs `count`, or the same count over the zone map's span when that span is a small
   * part of the table (see ZONE_COUNT_SHARE); no count at all when no block can match.
   * Filters on one field alone are counted as they are: that field's index answers
   * them without reading a row (a date range: 0.6 ms, where its span took 8 ms).
   */
  async function countIn(ds: Dataset, q: ParsedQuery, count: CompiledQuery, opts: { deadline?: number }) {
    const named = new Set(q.filters.flatMap((node) => filterFields(node).map((f) => f.name)));
    if (named.size < 2) return Number((await store.tables.rows(count, opts))[0][0]);
    const zoned = await withZones(ds);
    const spanQuery = buildZoneSpanQuery(store.data, store.caps, zoned, q);
    if (spanQuery) {
      const [[first, last]] = await store.tables.rows(spanQuery, opts);
      if (first === null || last === null) return 0;
      const span = { first: Number(first), last: Number(last) };
      if (span.last - span.first + 1 <= ds.rowCount * ZONE_COUNT_SHARE)
        count = buildCountQuery(store.data, store.caps, ds, q, span)!;
    }
    return Number((await store.tables.rows(count, opts))[0][0]);
  }

  /**
   * One page of rows matching `q`'s filters, and how many match in all: counted, estimated
   * or not counted as `q.count` says; by page number, or after the row `opts.afterRow`.
   */
  async function readPage(ds: Dataset, q: ParsedQuery, opts: { deadline?: number; afterRow?: number } = {}) {
    if (q.count === undefined && opts.afterRow === undefined) return readNumberedPage(ds, q, opts);
    const fields = pageFields(ds, q);
    const strategy = q.count ?? 'exact';
    // The number of matches the page's plan is chosen by, and the total unless it is `none`.
    let total: number;
    let kind: TotalKind = strategy;
    if (strategy === 'exact') total = await countMatching(ds, q, opts);
    else {
      const counted = knownCount(ds, q) ?? (await estimateMatching(ds, q, opts));
      total = counted.n;
      if (strategy === 'estimated' && counted.exact) kind = 'exact';
    }
    let rows: unknown[][];
    let nextRow: number | null | undefined;
    if (opts.afterRow !== undefined) {
      // Without filters a range of `_row`: one page by primary key, as a numbered page without them.
      const keyset = buildKeysetPageQuery(store.data, store.caps, ds, q, opts.afterRow, total);
      rows = await store.tables.rows(keyset, {
        ...opts,
        bounded: readsRowRange(q),
        quick: readsFewRows(ds, q, total, 0),
      });
      const more = rows.length > q.size;
      if (more) rows.pop();
      nextRow = more ? Number(rows[rows.length - 1][fields.length]) : null;
      if (kind === 'estimated') {
        // What the page shows bounds the estimate: never fewer rows than it holds.
        if (!more && opts.afterRow === 0) [total, kind] = [rows.length, 'exact'];
        else total = Math.max(total, rows.length);
      }
    } else {
      const offset = queryOffset(q);
      rows =
        kind === 'exact' && offset >= total
          ? []
          : await store.tables.rows(buildPageQuery(store.data, store.caps, await withZones(ds), q, total), {
              ...opts,
              bounded: readsRowRange(q),
              quick: readsFewRows(ds, q, total, offset),
            });
      if (kind === 'estimated') {
        // A page short of full is the last one: the total is then known.
        if (rows.length < q.size && (rows.length > 0 || offset === 0)) [total, kind] = [offset + rows.length, 'exact'];
        else if (rows.length === 0) total = Math.min(total, offset);
        else total = Math.max(total, offset + rows.length);
      }
    }
    return { total: kind === 'none' ? 0 : total, fields, rows, totalKind: kind, nextRow } satisfies Page;
  }

  /** The page of number `q.current` with the exact total: the contract's page. */
  async function readNumberedPage(ds: Dataset, q: ParsedQuery, opts: { deadline?: number }): Promise<Page> {
    const total = await countMatching(ds, q, opts);
    const fields = pageFields(ds, q);
    const offset = queryOffset(q);
    if (offset >= total) return { total, fields, rows: [] };
    return {
      total,
      fields,
      rows: await store.tables.rows(buildPageQuery(store.data, store.caps, await withZones(ds), q, total), {
        ...opts,
        bounded: readsRowRange(q),
        quick: readsFewRows(ds, q, total, offset),
      }),
    };
  }

  /** The exact count when it costs nothing: no filters, or counted before. */
  function knownCount(ds: Dataset, q: ParsedQuery): { n: number; exact: true } | undefined {
    if (q.filters.length === 0) return { n: ds.rowCount, exact: true };
    const n = counts.get(filtersKey(ds, q.filters));
    return n === undefined ? undefined : { n, exact: true };
  }

  /**
   * An estimate of the rows matching `q`: the planner's where the database keeps row
   * estimates (PostgreSQL), else the matches in a fixed sample of rows, scaled to the
   * table (see `SAMPLE_BLOCKS`); a table no larger than the sample is counted. Cached as
   * counts are, apart from them.
   */
  async function estimateMatching(
    ds: Dataset,
    q: ParsedQuery,
    opts: { deadline?: number },
  ): Promise<{ n: number; exact: boolean }> {
    if (ds.rowCount <= SAMPLE_ROWS) return { n: await countMatching(ds, q, opts), exact: true };
    const planner = store.caps.rowEstimate;
    const asked = planner
      ? planner.explain(buildMatchingRowsQuery(store.data, store.caps, ds, q)!)
      : buildSampleCountQuery(store.data, store.caps, ds, q)!;
    const key = `~${countKey(ds, asked)}`;
    const cached = counts.get(key);
    if (cached !== undefined) return { n: cached, exact: false };
    const rows = await store.tables.rows(asked, opts);
    const found = planner ? planner.read(rows) : Math.round((Number(rows[0][0]) * ds.rowCount) / SAMPLE_ROWS);
    const n = Math.max(0, Math.min(ds.rowCount, found));
    counts.set(key, n);
    return { n, exact: false };
  }

  /** `ds` with its zone map named, when its table has one. */
  async function withZones(ds: Dataset): Promise<DatasetTable> {
    let has = zoneCache.get(ds.tableName);
    if (has === undefined) {
      has = await store.tables.exists(zoneTable(ds.tableName));
      if (zoneCache.size >= INT64_CACHE_TABLES) zoneCache.delete(zoneCache.keys().next().value!);
      zoneCache.set(ds.tableName, has);
    }
    return has
      ? { tableName: ds.tableName, fields: ds.fields, rowCount: ds.rowCount, zones: zoneTable(ds.tableName) }
      : ds;
  }
}

export type DatasetService = ReturnType<typeof createDatasetService>;
