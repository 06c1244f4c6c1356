import type { ControlSchema, Store } from '../../store/index.ts';
import { createTenantRegistry } from '../listing.ts';
import type { Chart, WidgetSpec } from './widget-spec.ts';

/** A saved widget as the public API and the command line see it. */
export interface Widget {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly datasetId: string;
  readonly chart: Chart;
  /** 1 on creation, +1 on every change of the definition; part of every cache key. */
  readonly version: number;
  readonly spec: WidgetSpec;
  readonly createdAt: string;
  readonly modifiedAt: string;
  /** The admin who created it (user id); null when not recorded (older widgets, the command line). */
  readonly createdBy: string | null;
  /** That admin's email when they created it; '' when unknown. */
  readonly owner: string;
}

/** Turns a `widgets` row into a Widget; the stored spec was validated when it was written. */
export function toWidget(row: ControlSchema['widgets']): Widget {
  const spec = JSON.parse(row.spec) as WidgetSpec;
  return Object.freeze({
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    datasetId: row.datasetId,
    chart: spec.chart,
    version: Number(row.version),
    spec,
    createdAt: row.createdAt,
    modifiedAt: row.modifiedAt,
    createdBy: row.createdBy ?? null,
    owner: row.owner ?? '',
  });
}

/**
 * The in-memory catalogue of widgets that the public API reads on every request,
 * rebuilt when the store's change counter moves (next to the dataset registry).
 */
export function createWidgetRegistry(deps: { store: Store }) {
  return createTenantRegistry(async () =>
    (await deps.store.db.selectFrom('widgets').selectAll().execute()).map(toWidget),
  );
}

export type WidgetRegistry = ReturnType<typeof createWidgetRegistry>;
