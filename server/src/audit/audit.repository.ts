import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';
import type { AuditEventRow } from '../db/schema.ts';

export type AuditEventInput = {
  actorUserId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  projectId: string | null;
  summary: Record<string, unknown>;
  requestId: string | null;
};

export type AuditFilter = {
  actorUserId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  projectId?: string;
  from?: Date;
  to?: Date;
  beforeId?: string;
  limit: number;
};

export class AuditRepository {
  async insert(db: Executor, event: AuditEventInput): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({
        actor_user_id: event.actorUserId,
        actor_label: event.actorLabel,
        action: event.action,
        target_type: event.targetType,
        target_id: event.targetId,
        project_id: event.projectId,
        summary: JSON.stringify(event.summary),
        request_id: event.requestId,
      })
      .execute();
  }

  async list(db: Executor, filter: AuditFilter): Promise<AuditEventRow[]> {
    let query = db.selectFrom('audit_events').selectAll();
    if (filter.actorUserId) query = query.where('actor_user_id', '=', filter.actorUserId);
    if (filter.action) {
      // "project." matches every project action; a full name matches exactly.
      query = filter.action.endsWith('.')
        ? query.where('action', 'like', `${filter.action.replace(/[%_\\]/g, '\\$&')}%`)
        : query.where('action', '=', filter.action);
    }
    if (filter.targetType) query = query.where('target_type', '=', filter.targetType);
    if (filter.targetId) query = query.where('target_id', '=', filter.targetId);
    if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
    if (filter.from) query = query.where('occurred_at', '>=', filter.from);
    if (filter.to) query = query.where('occurred_at', '<', filter.to);
    if (filter.beforeId) query = query.where('id', '<', sql<string>`${filter.beforeId}::bigint`);
    return query
      .orderBy('id', 'desc')
      .limit(filter.limit + 1)
      .execute();
  }
}
