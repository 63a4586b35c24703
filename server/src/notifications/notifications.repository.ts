import { sql } from 'kysely';
import type { Executor } from '../db/database.ts';

export type NotificationCursor = { isUnread: boolean; at: Date; id: string };

export class NotificationsRepository {
  usersByIds(db: Executor, userIds: string[]) {
    if (userIds.length === 0) return Promise.resolve([]);
    return db.selectFrom('users').select(['id', 'email', 'is_disabled']).where('id', 'in', userIds).execute();
  }

  async insert(db: Executor, rows: { user_id: string; kind: string; title: string; body: string; link: string | null }[]) {
    if (rows.length === 0) return [];
    return db.insertInto('notifications').values(rows).returning('id').execute();
  }

  /**
   * Unread first, then newest first. The cursor carries which of the two runs it stopped in; its
   * timestamp is read back from the cursor's row (microseconds) and is only the fallback when that
   * row has gone, as in ProjectsRepository.
   */
  list(db: Executor, options: { userId: string; isUnreadOnly: boolean; after?: NotificationCursor; limit: number }) {
    let query = db.selectFrom('notifications').selectAll().where('user_id', '=', options.userId);
    if (options.isUnreadOnly) query = query.where('read_at', 'is', null);
    const after = options.after;
    if (after) {
      const older = sql<boolean>`(notifications.created_at, notifications.id) < (
        coalesce((select c.created_at from notifications c where c.id = ${after.id}::uuid), ${after.at}::timestamptz),
        ${after.id}::uuid
      )`;
      query = after.isUnread
        ? query.where((eb) => eb.or([eb.and([eb('read_at', 'is', null), older]), eb('read_at', 'is not', null)]))
        : query.where('read_at', 'is not', null).where(older);
    }
    return query
      .orderBy(sql`read_at is null`, 'desc')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit + 1)
      .execute();
  }

  async unreadCount(db: Executor, userId: string): Promise<number> {
    const row = await db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Reading twice keeps the first read time. */
  markRead(db: Executor, userId: string, id: string) {
    return db
      .updateTable('notifications')
      .set({ read_at: sql`coalesce(read_at, now())` })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
  }

  async markAllRead(db: Executor, userId: string): Promise<number> {
    const result = await db
      .updateTable('notifications')
      .set({ read_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async projectOwnerIds(db: Executor, projectId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('project_members')
      .select('user_id')
      .where('project_id', '=', projectId)
      .where('role', '=', 'owner')
      .execute();
    return rows.map((row) => row.user_id);
  }

  async programStaffIds(db: Executor, programId: string): Promise<string[]> {
    const rows = await db.selectFrom('program_staff').select('user_id').where('program_id', '=', programId).execute();
    return rows.map((row) => row.user_id);
  }

  async reviewerIds(db: Executor): Promise<string[]> {
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('is_disabled', '=', false)
      .where(sql<boolean>`roles && array['reviewer', 'admin']::text[]`)
      .execute();
    return rows.map((row) => row.id);
  }
}
