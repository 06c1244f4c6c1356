import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Access, Role, Session, UsageService } from '../../access/index.ts';
import type { AttemptLimiter } from '../../ratelimit/index.ts';
import type { Catalog } from '../../catalog/index.ts';
import type { Clock } from '../../shared/clock.ts';
import type { UseCases } from '../../usecases/index.ts';
import type { SyncService } from '../../sources/index.ts';
import { AdminError } from '../../shared/errors.ts';

/** The admin API's Fastify instance, with zod schemas for validation and the OpenAPI document. */
export type AdminApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface AdminDeps {
  access: Access;
  catalog: Catalog;
  clock: Clock;
  /** The tenant whose first admin the setup page creates (the server's tenant). */
  tenant: string;
  /** The public API's base URL for snippets and OpenAPI `servers`; the request's origin when unset. */
  publicUrl?: string;
  maxPageSize: number;
  queryTimeoutMs: number;
  /** Deleting, loading and resolving: what coordinates several modules (see `usecases/`). */
  usecases: UseCases;
  /** Live datasets: connect, sync, history. */
  sources: SyncService;
  signIn: { perAddress: AttemptLimiter; perEmail: AttemptLimiter };
  /** Public API requests per key, status and hour, as the Usage page reads them. */
  usage: Pick<UsageService, 'report' | 'rows'>;
  /** Tells this node's in-memory views about a change now instead of at the next poll. */
  changed(): Promise<void>;
}

export { ADMIN_ERRORS, AdminError, type AdminErrorCode } from '../../shared/errors.ts';
export { sendAdminError } from '../../http/admin-replies.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in admin's session; set on every admin route except the public ones. */
    admin: Session | null;
  }
  interface FastifyContextConfig {
    /** Admin routes that need no session (sign-in, setup). */
    anonymous?: boolean;
    /** The least role the route needs; by default viewer for GET and admin for the rest. */
    role?: Role;
  }
}

/** The signed-in admin of this request (the auth hook guarantees one on non-anonymous routes). */
export function adminOf(req: FastifyRequest): Session {
  if (!req.admin) throw new AdminError('UNAUTHENTICATED', 'Sign in first');
  return req.admin;
}

/** Records an admin change in the tenant's audit log: who, what, when, from where. */
export async function audit(
  deps: Pick<AdminDeps, 'access'>,
  req: FastifyRequest,
  action: string,
  target = '',
  detail = '',
): Promise<void> {
  const a = adminOf(req);
  await deps.access.audit.record({
    tenantId: a.tenantId,
    actorId: a.userId,
    actor: a.email,
    action,
    target,
    detail,
    ip: req.ip,
  });
}

/** The public API's base URL: configured, or the origin this request came to. */
export function publicBaseUrl(deps: Pick<AdminDeps, 'publicUrl'>, req: FastifyRequest): string {
  if (deps.publicUrl) return deps.publicUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.host}`;
}

/**
 * A key's last use as the console shows it: the stored time, or a later one this node
 * has seen and not yet written (uses are written in batches, every 30 s).
 */
export function lastUsedAt(deps: Pick<AdminDeps, 'access'>, keyId: string, stored: string | null): string | null {
  const seen = deps.access.registry.unwrittenUse(keyId);
  if (seen === undefined) return stored;
  return stored !== null && Date.parse(stored) >= seen ? stored : new Date(seen).toISOString();
}
