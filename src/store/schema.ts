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
    /** The admin who created it (user id); null before this was recorded, or from the command line. */
    createdBy: string | null;
    /** That admin's email when they created it; '' when unknown. */
    owner: string;
  };
  /** The datasets and widgets each admin has starred. */
  favourites: {
    userId: string;
    tenantId: string;
    /** 'dataset' or 'widget'. */
    resourceType: string;
    resourceId: string;
    createdAt: string;
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
    expiresAt: string | null;
    disabled: Generated<number>;
    prevKeyHash: string | null;
    prevValidUntil: string | null;
    /** JSON: the networks (CIDR) the key may be used from; [] = any address. */
    allowIps: Generated<string>;
    /** JSON: the browser origins that may read the key's answers; [] = none. */
    corsOrigins: Generated<string>;
  };
  bindings: {
    keyId: string;
    resourceType: string;
    resourceId: string;
    createdAt: string;
    /** The row scope, in the filter language; '' = every row. */
    where: string;
    /** JSON: the type of each field the scope names, when it was bound ({"company":"TEXT"}). */
    whereTypes: string;
  };
  meta: {
    name: string;
    value: number;
  };
  retiredTables: {
    tableName: string;
    retiredAt: string;
  };
  /** SQLite only: loads in progress and the process doing each (see dialects/sqlite-tables.ts). */
  loadingTables: {
    tableName: string;
    host: string;
    pid: number;
    token: string;
    startedAt: string;
  };
  users: {
    id: string;
    tenantId: string;
    email: string;
    /** `scrypt$N$r$p$salt$hash`, base64 parts. */
    passwordHash: string;
    /** viewer, admin or owner (see access/roles.ts). */
    role: Generated<string>;
    createdAt: string;
    lastSignInAt: string | null;
  };
  sessions: {
    /** SHA-256 of the cookie's token: a leaked table opens no session. */
    tokenHash: string;
    userId: string;
    tenantId: string;
    csrfToken: string;
    createdAt: string;
    lastSeenAt: string;
    expiresAt: string;
  };
  auditLog: {
    id: string;
    tenantId: string;
    at: string;
    actorId: string | null;
    actor: string;
    action: string;
    target: string;
    detail: string;
    ip: string;
  };
  /** Admin API tokens (`dgt_…`): stored hashed, shown once. */
  adminTokens: {
    id: string;
    tenantId: string;
    name: string;
    role: Generated<string>;
    /** SHA-256 of the secret, hex: a leaked table opens nothing. */
    tokenHash: string;
    /** `dgt_…` and the last four characters. */
    hint: string;
    createdAt: string;
    /** Who created it, as the audit log names them. */
    createdBy: string;
    expiresAt: string | null;
    lastUsedAt: string | null;
  };
  /** A removed key's name, kept so that its usage history still names it. */
  removedKeys: {
    id: string;
    tenantId: string;
    name: string;
    removedAt: string;
    lastUsedAt: string | null;
  };
  usageMinutes: {
    tenantId: string;
    keyId: string;
    minute: number;
    status: number;
    count: number;
  };
  /** The fields a key's clients named in a dataset's filters, sorts or projections, and when last. */
  fieldUses: {
    tenantId: string;
    keyId: string;
    datasetId: string;
    /** filter | sort | select */
    use: string;
    field: string;
    usedAt: string;
  };
  /** Where a live dataset's rows come from (spec section 13); credentials only encrypted. */
  datasetSources: {
    datasetId: string;
    tenantId: string;
    /** postgres | mysql | http */
    kind: string;
    urlCipher: string;
    urlMasked: string;
    /** The headers as a JSON object, encrypted. */
    headersCipher: string;
    /** JSON object of header names to masked values. */
    headersMasked: string;
    query: string;
    format: string;
    recordsPath: string;
    /** JSON object of field name to type, as given with --type. */
    types: string;
    schedule: string;
    nextRunAt: string | null;
    lastError: string | null;
    lastErrorAt: string | null;
    createdAt: string;
  };
  /** One sync of a live dataset: started, ended, rows, result or error. */
  syncRuns: {
    id: string;
    tenantId: string;
    datasetId: string;
    /** connect | manual | schedule */
    trigger: string;
    startedAt: string;
    endedAt: string | null;
    /** running | ok | failed */
    result: string;
    rows: number | null;
    error: string | null;
  };
  kyselyMigration?: { name: string; timestamp: string };
  _unused?: { id: Generated<number> };
}
