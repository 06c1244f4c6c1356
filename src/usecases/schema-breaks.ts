import type { Access, FieldUse, FieldUseKind } from '../access/index.ts';
import { findField, resolveWidget, type Catalog, type Dataset, type Field, type Widget } from '../catalog/index.ts';
import { bindingScope } from './resolve-resources.ts';

/**
 * Something a dataset's new fields break: a widget on it whose spec no longer resolves,
 * or a key's row scope (on the dataset or on one of its widgets) that no longer compiles
 * (clients of either are answered 409 until the widget or the scope is fixed); or a field
 * that a key's clients filtered, sorted or selected on in the last day and that is gone,
 * or, for a filter, of another type (their requests naming it are refused with a 400, or
 * a filter value means something else).
 */
export interface SchemaBreak {
  readonly kind: 'widget' | 'scope' | 'field';
  /** The widget, or the resource the scope is bound to (the dataset or one of its widgets), or the dataset. */
  readonly id: string;
  readonly name: string;
  /** For a scope or a field: the key (never its secret). */
  readonly key?: { readonly id: string; readonly name: string };
  /** For a field: the field's name as the clients' requests resolved it. */
  readonly field?: string;
  /** For a field: how the key's clients used it. */
  readonly uses?: FieldUseKind[];
  /** For a field: when they last did, ISO. */
  readonly lastUsedAt?: string;
  /** Why, naming the field. */
  readonly reason: string;
}

/** A key's row scope on a resource, as the key service lists it. */
export interface ScopedBinding {
  readonly keyId: string;
  readonly keyName: string;
  readonly type: 'dataset' | 'widget';
  readonly resourceId: string;
  readonly where: string;
  readonly whereTypes?: Readonly<Record<string, string>>;
}

function widgetError(w: Pick<Widget, 'spec'>, fields: readonly Field[], datasetName: string): string | null {
  const r = resolveWidget(w.spec, fields, datasetName);
  return r.ok ? null : r.message;
}

function scopeError(b: ScopedBinding, fields: readonly Field[]): string | null {
  if (b.where.trim() === '') return null;
  const binding = {
    keyId: b.keyId,
    type: b.type,
    resourceId: b.resourceId,
    where: b.where,
    whereTypes: b.whereTypes ?? {},
  };
  const scope = bindingScope(binding, { fields });
  if (scope.ok) return null;
  const named = scope.message.includes(`"${scope.field}"`) || scope.message.includes(scope.field);
  return named ? scope.message : `field "${scope.field}": ${scope.message}`;
}

const USE_VERBS: Readonly<Record<FieldUseKind, string>> = { filter: 'filtered', sort: 'sorted', select: 'selected' };

/** Why `use`'s field no longer serves its clients under `newFields`, or null (also when it was gone already). */
function fieldUseError(use: FieldUse, oldFields: readonly Field[], newFields: readonly Field[]): string | null {
  const was = findField(use.field, oldFields);
  if (was === undefined || Array.isArray(was)) return null;
  const now = findField(use.field, newFields);
  const verbs = use.uses.map((u) => USE_VERBS[u]);
  const did = `its clients ${verbs.length > 1 ? `${verbs.slice(0, -1).join(', ')} and ${verbs.at(-1)}` : verbs[0]}`;
  const on = `on field "${use.field}" (last at ${use.lastUsedAt})`;
  if (now === undefined) return `${did} ${on}, which the new fields no longer have`;
  if (Array.isArray(now))
    return `${did} ${on}, which now matches ${now.map((f) => `"${f.name}"`).join(', ')}: their requests are refused`;
  // Sorting and selecting work on any type; a filter's value is read by the field's type.
  const retyped = (now as Field).type !== (was as Field).type;
  if (retyped && use.uses.includes('filter'))
    return `${did} ${on}, which changes from ${(was as Field).type} to ${(now as Field).type}`;
  return null;
}

/**
 * What replacing `dataset`'s fields with `newFields` breaks that works today: pure, for the
 * reload's warning (command line, admin API, console) and a sync's history. Things already
 * broken are left out (the listings mark them). Widgets first, then scopes, each by name,
 * then the fields keys' clients used lately (`fieldUses`, by key name and field).
 */
export function schemaBreaks(input: {
  dataset: Pick<Dataset, 'id' | 'name' | 'fields'>;
  newFields: readonly Field[];
  widgets: readonly Pick<Widget, 'id' | 'name' | 'spec'>[];
  bindings: readonly ScopedBinding[];
  fieldUses?: readonly FieldUse[];
}): SchemaBreak[] {
  const { dataset, newFields } = input;
  const out: SchemaBreak[] = [];
  const names = new Map<string, string>([[dataset.id, dataset.name]]);
  for (const w of input.widgets) {
    names.set(w.id, w.name);
    if (widgetError(w, dataset.fields, dataset.name) !== null) continue;
    const reason = widgetError(w, newFields, dataset.name);
    if (reason !== null) out.push({ kind: 'widget', id: w.id, name: w.name, reason });
  }
  const scopes: SchemaBreak[] = [];
  for (const b of input.bindings) {
    const name = names.get(b.resourceId);
    if (name === undefined || (b.type === 'dataset') !== (b.resourceId === dataset.id)) continue;
    if (scopeError(b, dataset.fields) !== null) continue;
    const reason = scopeError(b, newFields);
    if (reason !== null)
      scopes.push({ kind: 'scope', id: b.resourceId, name, key: { id: b.keyId, name: b.keyName }, reason });
  }
  const byName = (x: SchemaBreak, y: SchemaBreak) =>
    x.name.localeCompare(y.name) || (x.key?.name ?? '').localeCompare(y.key?.name ?? '') || x.id.localeCompare(y.id);
  const fields: SchemaBreak[] = [];
  for (const use of input.fieldUses ?? []) {
    const reason = fieldUseError(use, dataset.fields, newFields);
    if (reason === null) continue;
    fields.push({
      kind: 'field',
      id: dataset.id,
      name: dataset.name,
      key: { id: use.keyId, name: use.keyName },
      field: use.field,
      uses: [...use.uses],
      lastUsedAt: use.lastUsedAt,
      reason,
    });
  }
  const byKeyField = (x: SchemaBreak, y: SchemaBreak) =>
    x.key!.name.localeCompare(y.key!.name) || x.key!.id.localeCompare(y.key!.id) || x.field!.localeCompare(y.field!);
  return [...out.sort(byName), ...scopes.sort(byName), ...fields.sort(byKeyField)];
}

/** Gathers a dataset's widgets and the scopes bound to it or them, then `schemaBreaks`. */
export function createSchemaCheck(deps: {
  access: { keys: Pick<Access['keys'], 'list'>; fieldUses?: Pick<Access['fieldUses'], 'recent'> };
  catalog: { datasets: Pick<Catalog['datasets'], 'get'>; widgets: Pick<Catalog['widgets'], 'list'> };
}) {
  const { access, catalog } = deps;
  return {
    /** What loading `newFields` into dataset `id` would break (NOT_FOUND for an unknown dataset). */
    async breaks(tenantId: string, id: string, newFields: readonly Field[]): Promise<SchemaBreak[]> {
      const dataset = await catalog.datasets.get(tenantId, id);
      return schemaBreaks({ dataset, newFields, ...(await gather(tenantId, dataset.id)) });
    },
    /**
     * Runs `load`, a reload of dataset `id`, and tells what its new fields broke that
     * worked before (widgets and scopes read before the load, so a reload that renames a
     * field still finds the scopes that named it).
     */
    async reloading(
      tenantId: string,
      id: string,
      load: () => Promise<Dataset>,
    ): Promise<{ dataset: Dataset; breaks: SchemaBreak[] }> {
      const before = await catalog.datasets.get(tenantId, id);
      const around = await gather(tenantId, before.id);
      const dataset = await load();
      return { dataset, breaks: schemaBreaks({ dataset: before, newFields: dataset.fields, ...around }) };
    },
  };

  async function gather(tenantId: string, datasetId: string) {
    const [all, keys, fieldUses] = await Promise.all([
      catalog.widgets.list(tenantId),
      access.keys.list(tenantId),
      access.fieldUses?.recent(tenantId, datasetId) ?? [],
    ]);
    const widgets = all.filter((w) => w.datasetId === datasetId);
    const bindings: ScopedBinding[] = keys.flatMap((k) =>
      k.scopes.map((s) => ({
        keyId: k.id,
        keyName: k.name,
        type: s.type,
        resourceId: s.id,
        where: s.where,
        whereTypes: s.whereTypes,
      })),
    );
    return { widgets, bindings, fieldUses };
  }
}

export type SchemaCheck = ReturnType<typeof createSchemaCheck>;

/** The warning a reload prints or shows: one line per break, or '' when nothing breaks. */
export function describeBreaks(breaks: readonly SchemaBreak[]): string {
  const answering = breaks.filter((b) => b.kind !== 'field');
  const fields = breaks.filter((b) => b.kind === 'field');
  const parts: string[] = [];
  if (answering.length > 0) {
    const lines = answering.map((b) =>
      b.kind === 'widget'
        ? `  widget ${b.id} "${b.name}": ${b.reason}`
        : `  scope of key ${b.key!.id} "${b.key!.name}" on ${b.id} "${b.name}": ${b.reason}`,
    );
    const head = `warning: the new fields break ${answering.length} widget(s) or key scope(s)`;
    parts.push(`${head}; these will answer 409 until fixed:\n${lines.join('\n')}`);
  }
  if (fields.length > 0) {
    const lines = fields.map((b) => `  key ${b.key!.id} "${b.key!.name}" on ${b.id} "${b.name}": ${b.reason}`);
    const head = `warning: the new fields break ${fields.length} field(s) that keys' clients used in the last day`;
    parts.push(`${head}; their requests naming them will be refused:\n${lines.join('\n')}`);
  }
  return parts.join('\n');
}

/** Why a widget no longer answers (its spec no longer fits its dataset's fields, or the dataset is gone), or null. */
export function widgetProblem(
  widget: Pick<Widget, 'spec'>,
  dataset: Pick<Dataset, 'name' | 'fields'> | undefined,
): string | null {
  if (dataset === undefined) return 'its dataset is gone';
  return widgetError(widget, dataset.fields, dataset.name);
}

/** Why a key's row scope no longer compiles against its resource's dataset fields (answers 409), or null. */
export function scopeProblem(
  scope: { type: 'dataset' | 'widget'; id: string; where: string; whereTypes?: Readonly<Record<string, string>> },
  fields: readonly Field[] | undefined,
): string | null {
  if (fields === undefined) return null;
  return scopeError({ keyId: '', keyName: '', resourceId: scope.id, ...scope }, fields);
}
