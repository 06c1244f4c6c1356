import { isoNow, systemClock, type Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import type { Store } from '../store/index.ts';

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly detail: string;
  readonly ip: string;
}

export interface AuditInput {
  readonly tenantId: string;
  readonly actorId: string | null;
  /** Who, as a person reads it: the admin's email, or "command line". */
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly detail?: string;
  readonly ip?: string;
}

// Audit pages are read by people; 200 rows is more than a screen and bounds the query.
const MAX_PAGE = 200;

/** The audit log: who changed what, when and from where; never secrets. */
export function createAuditService(deps: { store: Store; clock?: Clock }) {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  return {
    async record(e: AuditInput): Promise<void> {
      await store.db
        .insertInto('auditLog')
        .values({
          id: newId(),
          tenantId: e.tenantId,
          at: isoNow(clock),
          actorId: e.actorId,
          actor: e.actor,
          action: e.action,
          target: e.target ?? '',
          detail: e.detail ?? '',
          ip: e.ip ?? '',
        })
        .execute();
    },

    /** Newest first. */
    async list(
      tenantId: string,
      opts: { page: number; size: number; action?: string },
    ): Promise<{ items: AuditEntry[]; total: number }> {
      const size = Math.min(Math.max(1, opts.size), MAX_PAGE);
      let q = store.db.selectFrom('auditLog').where('tenantId', '=', tenantId);
      if (opts.action) q = q.where('action', '=', opts.action);
      const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
      const rows = await q
        .select(['id', 'at', 'actor', 'action', 'target', 'detail', 'ip'])
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(size)
        .offset((Math.max(1, opts.page) - 1) * size)
        .execute();
      return { items: rows, total };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
