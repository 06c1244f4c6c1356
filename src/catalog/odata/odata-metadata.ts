import type { EntitySet } from './odata-model.ts';

// The service document and the metadata document (CSDL XML, OData 4.0 Part 3) of the
// feed. Pure: the model in, text out.

/** The schema's namespace: entity types are `Datagate.<set name>`. */
export const NAMESPACE = 'Datagate';

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Facets per type: Decimal of any scale (no rounding in Power BI), DateTimeOffset to the millisecond. */
const FACETS: Record<string, string> = {
  'Edm.Decimal': ' Scale="variable"',
  'Edm.DateTimeOffset': ' Precision="3"',
};

/** The `$metadata` document: one entity type and one entity set per resource. */
export function metadataXml(sets: readonly EntitySet[]): string {
  const types = sets.map((s) => {
    const props = s.properties.map((p) => `<Property Name="${xml(p.name)}" Type="${p.edm}"${FACETS[p.edm] ?? ''}/>`);
    return (
      `<EntityType Name="${xml(s.name)}"><Key><PropertyRef Name="${xml(s.key)}"/></Key>` +
      `<Property Name="${xml(s.key)}" Type="Edm.Int64" Nullable="false"/>${props.join('')}</EntityType>`
    );
  });
  const entitySets = sets.map((s) => `<EntitySet Name="${xml(s.name)}" EntityType="${NAMESPACE}.${xml(s.name)}"/>`);
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0"><edmx:DataServices>' +
    `<Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="${NAMESPACE}">` +
    types.join('') +
    `<EntityContainer Name="Container">${entitySets.join('')}</EntityContainer>` +
    '</Schema></edmx:DataServices></edmx:Edmx>'
  );
}

/** The service document (OData JSON Format, section 5): the entity sets, by URL relative to the root. */
export function serviceDocument(root: string, sets: readonly EntitySet[]): string {
  return JSON.stringify({
    '@odata.context': `${root}$metadata`,
    value: sets.map((s) => ({ name: s.name, kind: 'EntitySet', url: s.name })),
  });
}
