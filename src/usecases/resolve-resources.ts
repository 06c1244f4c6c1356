import type { AccessRegistry, Binding, Principal } from '../access/index.ts';
import { filterFields, parseScope, type ScopeResult } from '../catalog/index.ts';
import type { Dataset, DatasetRegistry, Field, Widget, WidgetRegistry } from '../catalog/index.ts';

// A binding's scope parsed against its dataset's fields: the same binding object until the
// next access reload, the same fields array until the next dataset reload; parsed once per pair.
const parsedScopes = new WeakMap<Binding, { fields: readonly Field[]; scope: ScopeResult }>();

/**
 * The row scope of a binding over a dataset's current fields: the filters to AND into every
 * read through the binding, or why they no longer compile (the read must then be refused).
 */
export function bindingScope(binding: Binding, dataset: Pick<Dataset, 'fields'>): ScopeResult {
  const hit = parsedScopes.get(binding);
  if (hit !== undefined && hit.fields === dataset.fields) return hit.scope;
  let scope = parseScope(binding.where, dataset.fields);
  // A field retyped by a reload may still parse (NUMBER `3` as TEXT contains "3"), with
  // another meaning: the scope then fails closed as if the field were gone.
  if (scope.ok) {
    const fields = scope.filters.flatMap(filterFields);
    const retyped = fields.find((f) => (binding.whereTypes[f.name] ?? f.type) !== f.type);
    if (retyped !== undefined)
      scope = { ok: false, field: retyped.name, message: `field "${retyped.name}" changed type` };
  }
  parsedScopes.set(binding, { fields: dataset.fields, scope });
  return scope;
}

/** Whose resources: the key and its tenant (a Principal, or a key an admin looks at). */
export type KeyRef = Pick<Principal, 'keyId' | 'tenantId'>;

/** A dataset a key asked for: found and bound, with its binding, or why not. */
export type DatasetResolution =
  | { readonly ok: true; readonly dataset: Dataset; readonly binding: Binding }
  | { readonly ok: false; readonly reason: 'NOT_FOUND' | 'UNBOUND' };

/**
 * A widget a key asked for: found and bound, with its dataset and binding, or why not.
 * STALE (its dataset is gone) carries the widget, for the message.
 */
export type WidgetResolution =
  | { readonly ok: true; readonly widget: Widget; readonly dataset: Dataset; readonly binding: Binding }
  | { readonly ok: false; readonly reason: 'NOT_FOUND' | 'UNBOUND' }
  | { readonly ok: false; readonly reason: 'STALE'; readonly widget: Widget; readonly binding: Binding };

/** A bound dataset, in a key's listing. */
export interface BoundDataset {
  readonly dataset: Dataset;
  readonly binding: Binding;
}

/** A bound widget, in a key's listing; `dataset` is undefined when it is gone. */
export interface BoundWidget {
  readonly widget: Widget;
  readonly dataset: Dataset | undefined;
  readonly binding: Binding;
}

// The refusals carry nothing of the request: one frozen object each, not one per request.
const NOT_FOUND = Object.freeze({ ok: false, reason: 'NOT_FOUND' } as const);
const UNBOUND = Object.freeze({ ok: false, reason: 'UNBOUND' } as const);

/**
 * What a key may read, from the in-memory registries only (the public API's hot path:
 * synchronous, no database). A resource of another tenant is not found, as one that
 * does not exist; one of the key's tenant that is not bound to it is UNBOUND.
 */
export function createResourceResolver(deps: {
  access: { registry: Pick<AccessRegistry, 'binding' | 'boundIds' | 'widgetBindings'> };
  catalog: { registry: Pick<DatasetRegistry, 'get'>; widgetRegistry: Pick<WidgetRegistry, 'get'> };
}) {
  const bindings = deps.access.registry;
  const datasets = deps.catalog.registry;
  const widgets = deps.catalog.widgetRegistry;

  return {
    /** The dataset `id` for this key: checked for existence first, then for a binding. */
    dataset(key: KeyRef, id: string): DatasetResolution {
      const dataset = datasets.get(key.tenantId, id);
      if (dataset === undefined) return NOT_FOUND;
      const binding = bindings.binding(key, 'dataset', id);
      if (binding === undefined) return UNBOUND;
      return { ok: true, dataset, binding };
    },

    /** The widget `id` for this key and its dataset: existence, binding, then the dataset (STALE when gone). */
    widget(key: KeyRef, id: string): WidgetResolution {
      const widget = widgets.get(key.tenantId, id);
      if (widget === undefined) return NOT_FOUND;
      const binding = bindings.binding(key, 'widget', id);
      if (binding === undefined) return UNBOUND;
      const dataset = datasets.get(key.tenantId, widget.datasetId);
      if (dataset === undefined) return { ok: false, reason: 'STALE', widget, binding };
      return { ok: true, widget, dataset, binding };
    },

    /** The datasets bound to the key that exist, in binding order. */
    boundDatasets(key: KeyRef): BoundDataset[] {
      const out: BoundDataset[] = [];
      for (const id of bindings.boundIds(key, 'dataset')) {
        const dataset = datasets.get(key.tenantId, id);
        const binding = bindings.binding(key, 'dataset', id);
        if (dataset !== undefined && binding !== undefined) out.push({ dataset, binding });
      }
      return out;
    },

    /**
     * Every widget some usable key can read, with its dataset and the binding (so its
     * row scope): one entry per binding, widgets whose dataset is gone left out.
     */
    servedWidgets(): { widget: Widget; dataset: Dataset; binding: Binding }[] {
      const out: { widget: Widget; dataset: Dataset; binding: Binding }[] = [];
      for (const { tenantId, binding } of bindings.widgetBindings()) {
        const widget = widgets.get(tenantId, binding.resourceId);
        const dataset = widget && datasets.get(tenantId, widget.datasetId);
        if (widget !== undefined && dataset !== undefined) out.push({ widget, dataset, binding });
      }
      return out;
    },

    /** The widgets bound to the key that exist, each with its dataset if that still exists, in binding order. */
    boundWidgets(key: KeyRef): BoundWidget[] {
      const out: BoundWidget[] = [];
      for (const id of bindings.boundIds(key, 'widget')) {
        const widget = widgets.get(key.tenantId, id);
        const binding = bindings.binding(key, 'widget', id);
        if (widget !== undefined && binding !== undefined)
          out.push({ widget, dataset: datasets.get(key.tenantId, widget.datasetId), binding });
      }
      return out;
    },
  };
}

export type ResourceResolver = ReturnType<typeof createResourceResolver>;
