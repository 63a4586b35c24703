import { z } from 'zod';
import { PageQuery } from '../http/pagination.ts';

export const Notification = z
  .object({
    id: z.uuid(),
    kind: z.string().describe('What happened, e.g. request.approved, grant.expiring, story.published.'),
    title: z.string(),
    body: z.string().describe('Plain text.'),
    link: z.string().nullable().describe('Where to look: a path in the web UI (e.g. /requests/…) or an absolute URL.'),
    is_read: z.boolean(),
    created_at: z.string(),
    read_at: z.string().nullable(),
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof Notification>;

export const NotificationListQuery = PageQuery.extend({
  unread: z.stringbool().default(false).describe('"true" lists only unread notifications.'),
});
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

export const NotificationPage = z
  .object({
    items: z.array(Notification).describe('Unread first, then newest first.'),
    next_cursor: z.string().nullable().describe('Pass as cursor to get the next page; null on the last page.'),
    unread_count: z.number().int().describe('All your unread notifications, not only this page’s.'),
  })
  .meta({ id: 'NotificationPage' });

export const NotificationParam = z.object({ id: z.uuid() });

export const NotificationsReadAll = z
  .object({ marked: z.number().int().describe('How many were unread and are now read.'), unread_count: z.number().int() })
  .meta({ id: 'NotificationsReadAll' });
