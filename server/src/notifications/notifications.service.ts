import type { Db, Executor } from '../db/database.ts';
import type { Actor } from '../http/context.ts';
import { invalid, notFound } from '../http/errors.ts';
import { decodeKeyset, encodeCursor } from '../http/pagination.ts';
import type { Outbox } from '../mail/outbox.ts';
import type { NotificationCursor, NotificationsRepository } from './notifications.repository.ts';
import type { Notification, NotificationListQuery } from './notifications.schemas.ts';

export type NotifyInput = {
  userIds: readonly string[];
  /** A dotted code such as `request.approved`; the web UI picks an icon by it. */
  kind: string;
  title: string;
  /** Plain text: shown in the list and used as the email's text. */
  body: string;
  /** A path in the web UI (`/requests/<id>`) or an absolute URL; emails turn paths into links. */
  link: string | null;
  /** Also email each recipient through the outbox (delivered by the `mail_send` job). */
  email?: boolean;
};

const KIND = /^[a-z][a-z_]*(\.[a-z_]+)*$/;

/**
 * In-app notifications and their emails. Other areas call `notify` inside the transaction that makes
 * the change, so people hear about a change exactly when it happened: a rolled-back change notifies
 * nobody, and a committed one cannot lose its email.
 */
export class NotificationsService {
  private readonly db: Db;
  private readonly notifications: NotificationsRepository;
  private readonly outbox: Outbox;
  private readonly publicUrl: string;

  constructor(db: Db, notifications: NotificationsRepository, outbox: Outbox, publicUrl: string) {
    this.db = db;
    this.notifications = notifications;
    this.outbox = outbox;
    this.publicUrl = publicUrl.replace(/\/+$/, '');
  }

  /** Returns the ids of the notifications written: one per existing recipient, duplicates ignored. */
  async notify(tx: Executor, input: NotifyInput): Promise<string[]> {
    // A bad kind or an empty title is a caller's bug: fail loudly rather than write a blank row.
    if (!KIND.test(input.kind)) throw new Error(`notification kind ${JSON.stringify(input.kind)} is not a dotted lowercase code`);
    if (input.title.trim() === '') throw new Error('a notification needs a title');
    // Users deleted meanwhile are skipped: a foreign-key error here would roll back the caller's change.
    const users = await this.notifications.usersByIds(tx, [...new Set(input.userIds)]);
    const rows = await this.notifications.insert(
      tx,
      users.map((user) => ({ user_id: user.id, kind: input.kind, title: input.title, body: input.body, link: input.link })),
    );
    if (input.email) {
      for (const user of users) {
        if (user.is_disabled) continue;
        await this.outbox.enqueue(tx, { to: user.email, subject: input.title, text: this.emailText(input) });
      }
    }
    return rows.map((row) => row.id);
  }

  projectOwnerIds(tx: Executor, projectId: string): Promise<string[]> {
    return this.notifications.projectOwnerIds(tx, projectId);
  }

  programStaffIds(tx: Executor, programId: string): Promise<string[]> {
    return this.notifications.programStaffIds(tx, programId);
  }

  /** Everyone with the reviewer or admin role: who hears about work no program's staff owns. */
  reviewerIds(tx: Executor): Promise<string[]> {
    return this.notifications.reviewerIds(tx);
  }

  async list(actor: Actor, query: NotificationListQuery) {
    const rows = await this.notifications.list(this.db, {
      userId: actor.userId,
      isUnreadOnly: query.unread,
      after: decodeCursor(query.cursor),
      limit: query.limit,
    });
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page.at(-1);
    return {
      items: page.map(toNotification),
      next_cursor: hasMore && last ? encodeNotificationCursor({ isUnread: last.read_at === null, at: last.created_at, id: last.id }) : null,
      unread_count: await this.notifications.unreadCount(this.db, actor.userId),
    };
  }

  async markRead(actor: Actor, id: string): Promise<Notification> {
    // Someone else's notification answers like a missing one.
    const row = await this.notifications.markRead(this.db, actor.userId, id);
    if (!row) notFound('Notification');
    return toNotification(row);
  }

  async markAllRead(actor: Actor) {
    const marked = await this.notifications.markAllRead(this.db, actor.userId);
    return { marked, unread_count: await this.notifications.unreadCount(this.db, actor.userId) };
  }

  private emailText(input: NotifyInput): string {
    const link = input.link === null ? null : input.link.startsWith('/') ? `${this.publicUrl}${input.link}` : input.link;
    return [input.body, ...(link ? ['', link] : []), '', '--', `All your notifications: ${this.publicUrl}/notifications`].join('\n');
  }
}

// The first character says which run (unread or read) the cursor stopped in; the rest is the usual keyset.
function encodeNotificationCursor(cursor: NotificationCursor): string {
  return `${cursor.isUnread ? 'u' : 'r'}${encodeCursor({ at: cursor.at, id: cursor.id })}`;
}

function decodeCursor(cursor: string | undefined): NotificationCursor | undefined {
  if (cursor === undefined) return undefined;
  const run = cursor[0];
  if (run !== 'u' && run !== 'r') return invalid('cursor', 'is not a cursor this API issued');
  const keyset = decodeKeyset(cursor.slice(1));
  return keyset && { isUnread: run === 'u', ...keyset };
}

function toNotification(row: {
  id: string;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  created_at: Date;
  read_at: Date | null;
}): Notification {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    body: row.body,
    link: row.link,
    is_read: row.read_at !== null,
    created_at: row.created_at.toISOString(),
    read_at: row.read_at?.toISOString() ?? null,
  };
}
