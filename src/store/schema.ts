import type { Generated } from 'kysely';

/** Control tables, as TypeScript sees them through Kysely's CamelCasePlugin. */
export interface ControlSchema {
  tenants: {
    id: string;
    slug: string;
    name: string;
    publicApiEnabled: number;
    createdAt: string;
  };
  datasets: {
    id: string;
    tenantId: string;
    name: string;
    description: string;
    integrationGroup: string;
    owner: string;
    createdAt: string;
    modifiedAt: string;
    syncedAt: string;
    version: number;
    tableName: string;
    /** JSON array of {name, type, column}. */
    fields: string;
    rowCount: number;
  };
  widgets: {
    id: string;
    tenantId: string;
    name: string;
    datasetId: string;
    /** The widget's spec (spec section 7) as JSON, after validation. */
    spec: string;
    /** 1 on creation, +1 on every change of the definition. */
    version: number;
    createdAt: string;
    modifiedAt: string;
  };
  apiKeys: {
    id: string;
    tenantId: string;
    name: string;
    type: string;
    description: string;
    rateLimit: number;
    keyHash: string;
    keyCipher: string;
    keyHint: string;
    createdAt: string;
    lastUsedAt: string | null;
  };
  bindings: {
    keyId: string;
    resourceType: string;
    resourceId: string;
    createdAt: string;
  };
  meta: {
    name: string;
    value: number;
  };
  retiredTables: {
    tableName: string;
    retiredAt: string;
  };
  kyselyMigration?: { name: string; timestamp: string };
  _unused?: { id: Generated<number> };
}
