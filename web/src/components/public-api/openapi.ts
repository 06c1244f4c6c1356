// Reads what the Public API page needs from a key's OpenAPI 3.1 document
// (GET /admin/api/keys/{id}/openapi.json): each bound resource's GET operation.
import type { OpenApiParam, OpenApiResponse, Operation, ResourceKind } from './types.ts';

type Doc = { paths?: Record<string, any>; components?: Record<string, any> } | null | undefined;

function resolve(doc: Doc, node: any, depth = 0): any {
  if (!node || typeof node !== 'object' || typeof node.$ref !== 'string' || depth > 8) return node;
  const ref: string = node.$ref;
  if (!ref.startsWith('#/')) return node;
  let cur: any = doc;
  for (const part of ref.slice(2).split('/')) cur = cur?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return resolve(doc, cur, depth + 1);
}

/** The path item of one resource: `/api/dataset/<id>` as the key's document writes it. */
function findPath(doc: Doc, kind: ResourceKind, id: string): any {
  const paths = doc?.paths ?? {};
  const exact = paths[`/api/${kind}/${id}`];
  if (exact) return exact;
  for (const [p, item] of Object.entries(paths)) if (p.startsWith(`/api/${kind}/`) && p.endsWith(`/${id}`)) return item;
  // A templated path shared by every resource of the kind, if the document uses one.
  for (const [p, item] of Object.entries(paths))
    if (/^\/api\/[a-z]+\/\{[^}]+\}$/.test(p) && p.startsWith(`/api/${kind}/`)) return item;
  return null;
}

/** The GET operation of a bound resource, with parameters and responses flattened. Null when absent. */
export function operationFor(doc: Doc, kind: ResourceKind, id: string): Operation | null {
  const item = resolve(doc, findPath(doc, kind, id));
  const op = resolve(doc, item?.get);
  if (!op) return null;
  const params: OpenApiParam[] = [...(item.parameters ?? []), ...(op.parameters ?? [])]
    .map((p: any) => resolve(doc, p))
    .filter((p: any) => p && typeof p.name === 'string' && p.in !== 'path' && p.in !== 'header');
  const responses: OpenApiResponse[] = Object.entries<any>(op.responses ?? {}).map(([code, r]) => {
    const res = resolve(doc, r) ?? {};
    return { code, description: String(res.description ?? ''), links: Object.keys(res.links ?? {}) };
  });
  return { summary: op.summary, description: op.description, parameters: params, responses };
}

/** "string", "integer", "number · date" … for a parameter's schema. */
export function schemaLabel(p: OpenApiParam): string {
  // Filters are strings on the wire; the field's own type says what they accept.
  const fieldType = (p as { 'x-field-type'?: string })['x-field-type'];
  if (fieldType) return fieldType;
  const s = p.schema ?? {};
  const t = Array.isArray(s.type) ? s.type.filter((x) => x !== 'null').join(' | ') : s.type;
  return [t, s.format].filter(Boolean).join(' · ');
}
