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
