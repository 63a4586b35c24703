import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon, type IconName } from '../../components/Icon.tsx';
import { SkeletonRows } from '../../components/Loading.tsx';
import { announceNotificationsChanged } from '../../components/NotificationBell.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { useToast } from '../../components/Toast.tsx';
import { useAction } from '../../hooks/use-action.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';

type Notification = Schemas['Notification'];

function iconOf(kind: string): IconName {
  if (kind.startsWith('grant.')) return 'gift';
  if (kind.startsWith('story.')) return 'pen';
  if (kind.startsWith('review.') || kind.includes('overdue')) return 'clipboard';
  return 'inbox';
}

const isInternal = (link: string) => link.startsWith('/');

/** Everything Surplus told you about: decisions, expiry notices, stories, overdue reviews. Unread first. */
export function Notifications() {
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const isUnreadOnly = params.get('filter') === 'unread';
  const [unreadCount, setUnreadCount] = useState<number | null>(null);
  const list = usePagedList(`notifications:${isUnreadOnly}`, async (cursor) => {
    const page = await unwrap(
      client.GET('/api/v1/notifications', { params: { query: { cursor, limit: 30, unread: isUnreadOnly ? 'true' : undefined } } }),
    );
    setUnreadCount(page.unread_count);
    return page;
  });
  const markRead = async (notification: Notification) => {
    if (notification.is_read) return;
    const updated = await unwrap(client.POST('/api/v1/notifications/{id}/read', { params: { path: { id: notification.id } } }));
    list.setItems((items) => items.map((item) => (item.id === notification.id ? { ...item, ...updated } : item)));
    setUnreadCount((count) => (count === null ? count : Math.max(count - 1, 0)));
    announceNotificationsChanged();
  };
  const readAll = useAction(async () => {
    const result = await unwrap(client.POST('/api/v1/notifications/read-all'));
    list.setItems((items) => items.map((item) => ({ ...item, is_read: true })));
    setUnreadCount(result.unread_count);
    announceNotificationsChanged();
    toast.success(result.marked === 1 ? 'Marked 1 notification as read.' : `Marked ${result.marked} notifications as read.`);
  });
  const open = async (notification: Notification) => {
    await markRead(notification).catch(() => undefined);
    if (notification.link && isInternal(notification.link)) navigate(notification.link);
    else if (notification.link) window.location.assign(notification.link);
  };

  return (
    <div className="main-narrow">
      <PageHeader
        title="Notifications"
        description={unreadCount ? `${unreadCount} unread` : 'You are all caught up.'}
        actions={
          <Button onClick={() => void readAll.run(undefined)} isLoading={readAll.isRunning} disabled={!unreadCount}>
            <Icon name="check" size={14} />
            Mark all as read
          </Button>
        }
      />
      <div className="toolbar">
        <fieldset className="segmented" aria-label="Which notifications">
          <button type="button" aria-pressed={!isUnreadOnly} onClick={() => setParams({})}>
            All
          </button>
          <button type="button" aria-pressed={isUnreadOnly} onClick={() => setParams({ filter: 'unread' })}>
            Unread
          </button>
        </fieldset>
      </div>
      <ErrorBanner error={readAll.error} />
      <Card isFlush>
        {list.error && list.items.length === 0 ? (
          <div className="card-body">
            <ErrorBanner error={list.error} onRetry={list.reload} />
          </div>
        ) : null}
        {list.isLoading ? (
          <table className="table" aria-busy="true" aria-label="Loading notifications">
            <tbody>
              <SkeletonRows columns={2} rows={4} />
            </tbody>
          </table>
        ) : null}
        {!list.isLoading && !list.error && list.items.length === 0 ? (
          <EmptyState icon="bell" title={isUnreadOnly ? 'No unread notifications' : 'No notifications yet'}>
            Decisions on your requests, grant expiry notices and review reminders show here.
          </EmptyState>
        ) : null}
        {!list.isLoading && list.items.length > 0 ? (
          <ul className="notifications" aria-label="Notifications">
            {list.items.map((notification) => (
              <li key={notification.id} className={notification.is_read ? 'notification' : 'notification notification-unread'}>
                <span className="notification-icon">
                  <Icon name={iconOf(notification.kind)} size={16} />
                </span>
                <div className="notification-body">
                  <div className="notification-title">
                    {notification.is_read ? null : <span className="visually-hidden">Unread: </span>}
                    {notification.link ? (
                      isInternal(notification.link) ? (
                        <Link
                          to={notification.link}
                          onClick={(event) => {
                            event.preventDefault();
                            void open(notification);
                          }}
                        >
                          {notification.title}
                        </Link>
                      ) : (
                        <a href={notification.link} onClick={() => void markRead(notification)}>
                          {notification.title}
                        </a>
                      )
                    ) : (
                      notification.title
                    )}
                  </div>
                  <p className="notification-text">{notification.body}</p>
                  <div className="small muted">
                    <Time iso={notification.created_at} />
                  </div>
                </div>
                {notification.is_read ? null : (
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => void markRead(notification)}
                    aria-label={`Mark “${notification.title}” as read`}
                  >
                    Mark read
                  </Button>
                )}
              </li>
            ))}
          </ul>
        ) : null}
        {list.hasMore && !list.isLoading ? (
          <div className="list-footer">
            <Button onClick={list.loadMore} isLoading={list.isLoadingMore}>
              Load more
            </Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
}
