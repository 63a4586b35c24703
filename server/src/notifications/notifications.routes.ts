import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { Notification, NotificationListQuery, NotificationPage, NotificationParam, NotificationsReadAll } from './notifications.schemas.ts';
import type { NotificationsService } from './notifications.service.ts';

export function notificationsRoutes(app: App, { notifications }: { notifications: NotificationsService }) {
  const tags = ['notifications'];
  app.get(
    '/api/v1/notifications',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'listNotifications', querystring: NotificationListQuery, response: { 200: NotificationPage } },
    },
    async (request) => notifications.list(signedIn(request.ctx).actor, request.query),
  );
  app.post(
    '/api/v1/notifications/:id/read',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'markNotificationRead', params: NotificationParam, response: { 200: Notification } },
    },
    async (request) => notifications.markRead(signedIn(request.ctx).actor, request.params.id),
  );
  app.post(
    '/api/v1/notifications/read-all',
    { config: { policy: 'user' }, schema: { tags, operationId: 'markAllNotificationsRead', response: { 200: NotificationsReadAll } } },
    async (request) => notifications.markAllRead(signedIn(request.ctx).actor),
  );
}
