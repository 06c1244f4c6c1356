import { sql, type Kysely } from 'kysely';
import { isoNow, systemClock, type Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { ControlSchema, RowCursor, Store } from '../../store/index.ts';
import { toDataset, type Dataset } from '../dataset-registry.ts';
import type { FilterNode } from '../filter/filter-parser.ts';
import type { Params } from '../filter/params.ts';
import { parseQuery, queryOffset, type ParsedQuery } from '../filter/query-parser.ts';
import type { Field } from '../types.ts';
import { buildWidgetQueries } from './widget-compiler.ts';
import { toWidget, type Widget } from './widget-registry.ts';
import { parseWidgetSpec, resolveWidget, type WidgetPlan, type WidgetSpec } from './widget-spec.ts';
import { type ListPage, type ListQuery } from '../listing.ts';
import { containsText } from '../filter/filter-compiler.ts';

/** A widget request's answer, or why there is none (the HTTP edge picks the status). */
export type WidgetResult =
  | {
      ok: true;
      /** Rows in the whole (capped) result, across pages. */
      total: number;
      /** The page's columns: name = label, type, in output order. */
      columns: readonly Field[];
      /** Raw values in `columns` order; a row may carry more values after them. */
      rows: readonly unknown[][];
    }
  | { ok: false; reason: 'STALE' | 'BAD_PARAMETER'; message: string };

/** A widget as the console lists it: with its dataset's name, integration group and current fields. */
export interface ListedWidget extends Widget {
  readonly datasetName: string;
  readonly integrationGroup: string;
  readonly fields: readonly Field[];
}

/** Widgets: create, change, list, and run against their dataset's current rows. */
export function createWidgetService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  /**
   * Validates a spec against its dataset in the tenant; returns it with field names as
   * the dataset spells them, the dataset and the plan to run it.
   */
  async function validate(
    tenantId: string,
    input: unknown,
  ): Promise<{ spec: WidgetSpec; ds: Dataset; plan: WidgetPlan }> {
    const shape = parseWidgetSpec(input);
    if (!shape.ok) throw new DomainError('INVALID_INPUT', shape.message);
    const row = await store.db
      .selectFrom('datasets')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', shape.spec.dataset)
      .executeTakeFirst();
    if (!row)
      throw new DomainError(
        'NOT_FOUND',
        `Unknown dataset "${shape.spec.dataset}": there is no dataset with that id in this tenant`,
      );
    const ds = toDataset(row);
    const resolved = resolveWidget(shape.spec, ds.fields, ds.name);
    if (!resolved.ok) throw new DomainError('INVALID_INPUT', resolved.message);
    return { spec: resolved.spec, ds, plan: resolved.plan };
  }

  /** Runs a resolved widget: one page of its result, computed in the database. */
  async function runPlan(
    ds: Dataset,
    plan: WidgetPlan,
    params: Params,
    opts: { maxSize: number; deadline?: number },
  ): Promise<WidgetResult> {
    const parsed = parseQuery(params, plan.columns, { maxSize: opts.maxSize });
    if (!parsed.ok) return { ok: false, reason: 'BAD_PARAMETER', message: parsed.message };
    return runParsed(ds, plan, parsed.query, opts);
  }

  /** Runs a resolved widget with a query already parsed against its columns. */
  async function runParsed(
    ds: Dataset,
    plan: WidgetPlan,
    q: ParsedQuery,
    opts: { deadline?: number },
  ): Promise<WidgetResult> {
    const sql = buildWidgetQueries(store.data, store.caps, ds, plan, q);
    const rows = await store.tables.rows(sql.page, { deadline: opts.deadline });
    const columns = q.fields ?? plan.columns;
    let total = 0;
    if (rows.length > 0) total = Number(rows[0][columns.length]);
    else if (queryOffset(q) > 0)
      total = Number((await store.tables.rows(sql.count, { deadline: opts.deadline }))[0][0]);
    return { ok: true, total, columns, rows };
  }

  async function get(tenantId: string, id: string, trx?: Kysely<ControlSchema>): Promise<Widget> {
    const row = await (trx ?? store.db)
      .selectFrom('widgets')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `no widget "${id}" in this tenant`);
    return toWidget(row);
  }

  return {
    get,

    /** Creates a widget from a spec (spec section 7); refuses an invalid one with a message saying what is wrong. */
    async create(tenantId: string, input: unknown, by?: { userId: string; email: string }): Promise<Widget> {
      const { spec } = await validate(tenantId, input);
      const id = newId();
      const now = isoNow(clock);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('widgets')
          .values({
            id,
            tenantId,
            name: spec.name,
            datasetId: spec.dataset,
            spec: JSON.stringify(spec),
            version: 1,
            createdAt: now,
            modifiedAt: now,
            createdBy: by?.userId ?? null,
            owner: by?.email ?? '',
          })
          .execute();
        await store.bumpGeneration(trx);
      });
      return get(tenantId, id);
    },

    /** Replaces a widget's definition; its version moves on, so cached results are not reused. */
    async update(tenantId: string, id: string, input: unknown): Promise<Widget> {
      const previous = await get(tenantId, id);
      const { spec } = await validate(tenantId, input);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('widgets')
          .set({
            name: spec.name,
            datasetId: spec.dataset,
            spec: JSON.stringify(spec),
            version: previous.version + 1,
            modifiedAt: isoNow(clock),
          })
          .where('id', '=', id)
          .execute();
        await store.bumpGeneration(trx);
      });
      return get(tenantId, id);
    },

    async list(tenantId: string): Promise<Widget[]> {
      const rows = await store.db
        .selectFrom('widgets')
        .selectAll()
        .where('tenantId', '=', tenantId)
        .orderBy('createdAt')
        .execute();
      return rows.map(toWidget);
    },

    async exists(tenantId: string, id: string): Promise<boolean> {
      const row = await store.db
        .selectFrom('widgets')
        .select('id')
        .where('tenantId', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * One page of a widget's result over the dataset's current rows, computed in the
     * database as one GROUP BY. The definition is checked against the dataset's current
     * fields first: a reload may have removed one (STALE). Past `deadline` (epoch ms)
     * the query is stopped with a QueryTimeoutError. `scope` (filters on the dataset's
     * fields, a binding's row scope) is ANDed with the widget's own filter, before aggregation.
     */
    async run(
      widget: Widget,
      ds: Dataset,
      params: Params,
      opts: { maxSize: number; deadline?: number; scope?: readonly FilterNode[] },
    ): Promise<WidgetResult> {
      const resolved = resolveWidget(widget.spec, ds.fields, ds.name);
      if (!resolved.ok)
        return { ok: false, reason: 'STALE', message: `The widget no longer fits its dataset: ${resolved.message}` };
      const scope = opts.scope ?? [];
      const plan =
        scope.length === 0 ? resolved.plan : { ...resolved.plan, filters: [...resolved.plan.filters, ...scope] };
      return runPlan(ds, plan, params, opts);
    },

    /**
     * A widget's result columns over its dataset's current fields, and those that hold
     * only 64-bit integers: counts, and a dimension, min or max over a field in
     * `datasetInt64` (the dataset's NUMBER columns that do). STALE when it no longer fits.
     */
    columns(
      widget: Widget,
      ds: Dataset,
      datasetInt64: ReadonlySet<string>,
    ): { ok: true; columns: readonly Field[]; int64Columns: Set<string> } | { ok: false; message: string } {
      const resolved = resolveWidget(widget.spec, ds.fields, ds.name);
      if (!resolved.ok) return { ok: false, message: `The widget no longer fits its dataset: ${resolved.message}` };
      const { plan } = resolved;
      const int64Columns = new Set<string>();
      for (const d of plan.dimensions)
        if (d.bucket === null && datasetInt64.has(d.field.column)) int64Columns.add(d.column.column);
      for (const m of plan.measures) {
        const counted = m.field === null || m.agg === 'count' || m.agg === 'count_distinct';
        const kept = (m.agg === 'min' || m.agg === 'max') && m.field !== null && datasetInt64.has(m.field.column);
        if (counted || kept) int64Columns.add(m.column.column);
      }
      return { ok: true, columns: plan.columns, int64Columns };
    },

    /**
     * `run` with a query already parsed against the widget's columns (`columns`), as the
     * OData feed reads it; `scope` as in `run`.
     */
    async runQuery(
      widget: Widget,
      ds: Dataset,
      q: ParsedQuery,
      opts: { deadline?: number; scope?: readonly FilterNode[] },
    ): Promise<WidgetResult> {
      const resolved = resolveWidget(widget.spec, ds.fields, ds.name);
      if (!resolved.ok)
        return { ok: false, reason: 'STALE', message: `The widget no longer fits its dataset: ${resolved.message}` };
      const scope = opts.scope ?? [];
      const plan =
        scope.length === 0 ? resolved.plan : { ...resolved.plan, filters: [...resolved.plan.filters, ...scope] };
      return runParsed(ds, plan, q, opts);
    },

    /**
     * The whole result of a widget request (paging ignored) through a cursor, for an
     * export; checked and scoped as `run`. The caller must close the cursor.
     */
    async openExport(
      widget: Widget,
      ds: Dataset,
      params: Params,
      opts: { scope?: readonly FilterNode[] } = {},
    ): Promise<
      | { ok: true; columns: readonly Field[]; cursor: RowCursor }
      | { ok: false; reason: 'STALE' | 'BAD_PARAMETER'; message: string }
    > {
      const resolved = resolveWidget(widget.spec, ds.fields, ds.name);
      if (!resolved.ok)
        return { ok: false, reason: 'STALE', message: `The widget no longer fits its dataset: ${resolved.message}` };
      const scope = opts.scope ?? [];
      const plan =
        scope.length === 0 ? resolved.plan : { ...resolved.plan, filters: [...resolved.plan.filters, ...scope] };
      // Paging is not an export's: any size parses, none is used.
      const parsed = parseQuery(params, plan.columns, { maxSize: Number.MAX_SAFE_INTEGER });
      if (!parsed.ok) return { ok: false, reason: 'BAD_PARAMETER', message: parsed.message };
      const { page } = buildWidgetQueries(store.data, store.caps, ds, plan, parsed.query, { all: true });
      return { ok: true, columns: parsed.query.fields ?? plan.columns, cursor: await store.tables.cursor(page) };
    },

    /**
     * Runs a spec without saving it: the first page of `rows` rows of its result and
     * the result's row count. Refuses an invalid spec as `create` does; `name` may be left out.
     */
    async preview(tenantId: string, input: unknown, opts: { rows: number; deadline?: number }): Promise<WidgetResult> {
      // A preview may have no name yet; the shape check wants one, and nothing is saved.
      const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
      const unnamed =
        isObject &&
        (typeof (input as { name?: unknown }).name !== 'string' || (input as { name: string }).name.trim() === '');
      const named = unnamed ? { ...(input as object), name: 'Preview' } : input;
      const { ds, plan } = await validate(tenantId, named);
      return runPlan(
        ds,
        plan,
        { current: '1', size: String(opts.rows) },
        { maxSize: opts.rows, deadline: opts.deadline },
      );
    },

    /**
     * Deletes a widget (its key bindings are the access module's to remove); inside
     * `trx` when given, in a transaction of its own otherwise.
     */
    async remove(tenantId: string, id: string, trx?: Kysely<ControlSchema>): Promise<Widget> {
      const widget = await get(tenantId, id, trx);
      const run = async (t: Kysely<ControlSchema>) => {
        await t.deleteFrom('widgets').where('tenantId', '=', tenantId).where('id', '=', id).execute();
        await t
          .deleteFrom('favourites')
          .where('tenantId', '=', tenantId)
          .where('resourceType', '=', 'widget')
          .where('resourceId', '=', id)
          .execute();
        await store.bumpGeneration(t);
      };
      await (trx ? run(trx) : store.db.transaction().execute(run));
      return widget;
    },

    /** The widgets built on a dataset, by name (read inside `trx` when given). */
    async onDataset(
      tenantId: string,
      datasetId: string,
      trx?: Kysely<ControlSchema>,
    ): Promise<{ id: string; name: string }[]> {
      return (trx ?? store.db)
        .selectFrom('widgets')
        .select(['id', 'name'])
        .where('tenantId', '=', tenantId)
        .where('datasetId', '=', datasetId)
        .orderBy('name')
        .orderBy('id')
        .execute();
    },

    /**
     * One page of the tenant's widgets for the console, each with its dataset's name,
     * integration group and fields: search in the name, one group (the dataset's), ordered.
     */
    async search(tenantId: string, q: ListQuery): Promise<ListPage<ListedWidget>> {
      let matching = store.db
        .selectFrom('widgets')
        .leftJoin('datasets', (j) =>
          j.onRef('datasets.id', '=', 'widgets.datasetId').onRef('datasets.tenantId', '=', 'widgets.tenantId'),
        )
        .where('widgets.tenantId', '=', tenantId);
      const text = q.search?.trim();
      if (text) matching = matching.where((eb) => containsText(store.caps, eb.ref('widgets.name'), text));
      if (q.group !== undefined) matching = matching.where('datasets.integrationGroup', '=', q.group);
      if (q.starredBy !== undefined) {
        const by = q.starredBy;
        matching = matching.where('widgets.id', 'in', (eb) =>
          eb
            .selectFrom('favourites')
            .select('favourites.resourceId')
            .where('favourites.tenantId', '=', tenantId)
            .where('favourites.userId', '=', by)
            .where('favourites.resourceType', '=', 'widget'),
        );
      }
      if (q.createdBy !== undefined) matching = matching.where('widgets.createdBy', '=', q.createdBy);
      if (q.datasetId !== undefined) matching = matching.where('widgets.datasetId', '=', q.datasetId);
      const counted = await matching.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      let page = matching
        .selectAll('widgets')
        .select(['datasets.name as datasetName', 'datasets.integrationGroup', 'datasets.fields as datasetFields']);
      page =
        q.sort === 'name'
          ? page.orderBy(sql`lower(${sql.ref('widgets.name')})`, q.order).orderBy('widgets.name', q.order)
          : page.orderBy('widgets.modifiedAt', q.order);
      // Ties (same name, same instant) in a fixed order, so that pages never overlap.
      const rows = await page
        .orderBy('widgets.id')
        .limit(q.size)
        .offset((q.page - 1) * q.size)
        .execute();
      const groups = await store.db
        .selectFrom('widgets')
        .innerJoin('datasets', 'datasets.id', 'widgets.datasetId')
        .select('datasets.integrationGroup')
        .distinct()
        .where('widgets.tenantId', '=', tenantId)
        .where('datasets.integrationGroup', '<>', '')
        .orderBy('datasets.integrationGroup')
        .execute();
      return {
        items: rows.map((r) => ({
          ...toWidget(r),
          datasetName: r.datasetName ?? '',
          integrationGroup: r.integrationGroup ?? '',
          fields: r.datasetFields ? (JSON.parse(r.datasetFields) as Field[]) : [],
        })),
        total: Number(counted.n),
        groups: groups.map((g) => g.integrationGroup),
      };
    },
  };
}

export type WidgetService = ReturnType<typeof createWidgetService>;
