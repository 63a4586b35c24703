import type { Executor } from '../db/database.ts';
import type { Ctx } from '../http/context.ts';
import { decodeIdCursor, toPage } from '../http/pagination.ts';
import type { AuditRepository } from './audit.repository.ts';
import type { AuditEvent, AuditListQuery } from './audit.schemas.ts';

export type AuditEntry = {
  action: string;
  targetType: string;
  targetId: string | null;
  projectId?: string | null;
  summary?: Record<string, unknown>;
};

/**
 * Writes and reads the audit log. Writers pass the transaction that makes the change, so an event
 * exists exactly when its change does.
 */
export class AuditService {
  private readonly audit: AuditRepository;

  constructor(audit: AuditRepository) {
    this.audit = audit;
  }

  async record(tx: Executor, ctx: Ctx, entry: AuditEntry): Promise<void> {
    await this.audit.insert(tx, {
      actorUserId: ctx.actor?.userId ?? null,
      actorLabel: ctx.actor?.email ?? 'system',
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      projectId: entry.projectId ?? null,
      summary: entry.summary ?? {},
      requestId: ctx.requestId,
    });
  }

  async list(db: Executor, query: AuditListQuery, projectId?: string) {
    const rows = await this.audit.list(db, {
      actorUserId: query.actor,
      action: query.action,
      targetType: query.target_type,
      targetId: query.target_id,
      projectId: projectId ?? query.project,
      from: query.from,
      to: query.to,
      beforeId: decodeIdCursor(query.cursor),
      limit: query.limit,
    });
    return toPage(rows, query.limit, toAuditEvent, (row) => ({ id: row.id }));
  }
}

function toAuditEvent(row: {
  id: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  project_id: string | null;
  summary: Record<string, unknown>;
  request_id: string | null;
}): AuditEvent {
  return {
    id: row.id,
    occurred_at: row.occurred_at.toISOString(),
    actor: { user_id: row.actor_user_id, label: row.actor_label },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    project_id: row.project_id,
    summary: row.summary,
    request_id: row.request_id,
  };
}
