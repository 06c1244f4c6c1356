import { isoNow, systemClock, type Clock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/errors.ts';
import { newId } from '../../shared/ids.ts';
import type { Store } from '../../store/index.ts';
import { toDataset, type Dataset } from '../dataset-registry.ts';
import { parseQuery, type Params } from '../filter/filter-parser.ts';
import type { Field } from '../types.ts';
import { buildWidgetQueries } from './widget-compiler.ts';
import { toWidget, type Widget } from './widget-registry.ts';
import { parseWidgetSpec, resolveWidget, type WidgetSpec } from './widget-spec.ts';

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

/** Widgets: create, change, list, and run against their dataset's current rows. */
export function createWidgetService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;

  /** Validates a spec against its dataset in the tenant; returns it with field names as the dataset spells them. */
  async function validate(tenantId: string, input: unknown): Promise<WidgetSpec> {
    const shape = parseWidgetSpec(input);
    if (!shape.ok) throw new DomainError('INVALID_INPUT', shape.message);
    const row = await store.db
      .selectFrom('datasets')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', shape.spec.dataset)
      .executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `Unknown dataset "${shape.spec.dataset}": there is no dataset with that id in this tenant`);
    const ds = toDataset(row);
    const resolved = resolveWidget(shape.spec, ds.fields, ds.name);
    if (!resolved.ok) throw new DomainError('INVALID_INPUT', resolved.message);
    return resolved.spec;
  }

  async function get(tenantId: string, id: string): Promise<Widget> {
    const row = await store.db.selectFrom('widgets').selectAll().where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new DomainError('NOT_FOUND', `no widget "${id}" in this tenant`);
    return toWidget(row);
  }

  return {
    get,

    /** Creates a widget from a spec (spec section 7); refuses an invalid one with a message saying what is wrong. */
    async create(tenantId: string, input: unknown): Promise<Widget> {
      const spec = await validate(tenantId, input);
      const id = newId();
      const now = isoNow(clock);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('widgets')
          .values({ id, tenantId, name: spec.name, datasetId: spec.dataset, spec: JSON.stringify(spec), version: 1, createdAt: now, modifiedAt: now })
          .execute();
        await store.bumpGeneration(trx);
      });
      return get(tenantId, id);
    },

    /** Replaces a widget's definition; its version moves on, so cached results are not reused. */
    async update(tenantId: string, id: string, input: unknown): Promise<Widget> {
      const previous = await get(tenantId, id);
      const spec = await validate(tenantId, input);
      await store.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('widgets')
          .set({ name: spec.name, datasetId: spec.dataset, spec: JSON.stringify(spec), version: previous.version + 1, modifiedAt: isoNow(clock) })
          .where('id', '=', id)
          .execute();
        await store.bumpGeneration(trx);
      });
      return get(tenantId, id);
    },

    async list(tenantId: string): Promise<Widget[]> {
      const rows = await store.db.selectFrom('widgets').selectAll().where('tenantId', '=', tenantId).orderBy('createdAt').execute();
      return rows.map(toWidget);
    },

    async exists(tenantId: string, id: string): Promise<boolean> {
      const row = await store.db.selectFrom('widgets').select('id').where('tenantId', '=', tenantId).where('id', '=', id).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * One page of a widget's result over the dataset's current rows, computed in the
     * database as one GROUP BY. The definition is checked against the dataset's current
     * fields first: a reload may have removed one (STALE). Past `deadline` (epoch ms)
     * the query is stopped with a QueryTimeoutError.
     */
    async run(widget: Widget, ds: Dataset, params: Params, opts: { maxSize: number; deadline?: number }): Promise<WidgetResult> {
      const resolved = resolveWidget(widget.spec, ds.fields, ds.name);
      if (!resolved.ok) return { ok: false, reason: 'STALE', message: `The widget no longer fits its dataset: ${resolved.message}` };
      const { plan } = resolved;
      const parsed = parseQuery(params, plan.columns, { maxSize: opts.maxSize });
      if (!parsed.ok) return { ok: false, reason: 'BAD_PARAMETER', message: parsed.message };
      const q = parsed.query;
      const sql = buildWidgetQueries(store.data, store.caps, ds, plan, q);
      const rows = await store.tables.rows(sql.page, { deadline: opts.deadline });
      const columns = q.fields ?? plan.columns;
      let total = 0;
      if (rows.length > 0) total = Number(rows[0][columns.length]);
      else if (q.current > 1) total = Number((await store.tables.rows(sql.count, { deadline: opts.deadline }))[0][0]);
      return { ok: true, total, columns, rows };
    },
  };
}

export type WidgetService = ReturnType<typeof createWidgetService>;
