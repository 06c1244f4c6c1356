import { createSecretBox } from '../shared/secret-box.ts';
import type { Clock } from '../shared/clock.ts';
import type { Store } from '../store/index.ts';
import { createAccessRegistry } from './access-registry.ts';
import { createKeyCipher } from './key-crypto.ts';
import { createKeyService, type ResourceType, type ScopeCheck } from './key-service.ts';
import { createTenantService } from './tenant-service.ts';
import { createUserService } from './user-service.ts';
import { createSessionService } from './session-service.ts';
import { createAuditService } from './audit-service.ts';
import { createUsageService } from './usage-service.ts';
import { createFieldUseService } from './field-use-service.ts';
import { createTokenService } from './token-service.ts';
import { isSetupCode, setupCode } from './setup-code.ts';

export type { Principal, AuthResult, AccessRegistry, Binding } from './access-registry.ts';
export type { BindingScope, KeyService, KeySummary, ResourceType, ScopeCheck } from './key-service.ts';
export { DEFAULT_GRACE_MS, DEFAULT_RATE_LIMIT, keyChanges, MAX_SCOPE_LENGTH } from './key-service.ts';
export type { AddressCheck } from '../shared/network.ts';
export type { Tenant, TenantService } from './tenant-service.ts';
export { loadServerSecret, serverSecretPath } from './server-secret.ts';
export type { User, UserService } from './user-service.ts';
export type { Session, SessionService } from './session-service.ts';
export { SESSION_IDLE_MS, SESSION_MAX_MS } from './session-service.ts';
export type { AuditEntry, AuditInput, AuditService } from './audit-service.ts';
export type {
  FlushResult,
  KeyUsage,
  UsageBucket,
  UsagePoint,
  UsageReport,
  UsageRow,
  UsageRows,
  UsageService,
  UsageWindow,
} from './usage-service.ts';
export { MAX_REPORT_HOURS, retentionStart } from './usage-service.ts';
export type {
  FieldUse,
  FieldUseFlush,
  FieldUseKind,
  FieldUseRow,
  FieldUseService,
  UsedFieldNames,
} from './field-use-service.ts';
export { RECENT_MS as FIELD_USE_RECENT_MS } from './field-use-service.ts';
export type { AdminToken, CreatedToken, TokenCheck, TokenService } from './token-service.ts';
export { MAX_TOKEN_NAME, TOKEN_PREFIX } from './token-service.ts';
export { parseRole, roleAtLeast, ROLES, TOKEN_ROLES, type Role } from './roles.ts';

/** The access module: tenants, keys, bindings and the in-memory view the public API reads. */
export function createAccess(deps: {
  store: Store;
  serverSecret: string;
  clock?: Clock;
  resourceExists(tenantId: string, type: ResourceType, id: string): Promise<boolean>;
  checkScope?(tenantId: string, type: ResourceType, id: string, where: string): Promise<ScopeCheck>;
}) {
  const tenants = createTenantService(deps);
  const keys = createKeyService({ ...deps, cipher: createKeyCipher(deps.serverSecret) });
  const registry = createAccessRegistry(deps);
  const users = createUserService(deps);
  const sessions = createSessionService(deps);
  const audit = createAuditService(deps);
  const usage = createUsageService(deps);
  const fieldUses = createFieldUseService(deps);
  const tokens = createTokenService(deps);
  return {
    tenants,
    keys,
    registry,
    users,
    sessions,
    audit,
    usage,
    fieldUses,
    tokens,
    /** Seals the public API's page cursors (`_after`): no client reads or edits the row number in one. */
    cursors: createSecretBox(deps.serverSecret, 'page-cursor'),
    setup: {
      /** The code that claims the fresh tenant `tenant` from a remote address (see setup-code.ts). */
      code: (tenant: string) => setupCode(deps.serverSecret, tenant),
      matches: (tenant: string, given: string) => isSetupCode(deps.serverSecret, tenant, given),
    },
  };
}

export type Access = ReturnType<typeof createAccess>;
