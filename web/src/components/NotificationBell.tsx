import { unwrap } from '@surplus/api-client';
import { useCallback, useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { useSession } from '../session.tsx';
import { Icon } from './Icon.tsx';

const POLL_MS = 60_000;
const CHANGED = 'surplus:notifications-changed';

/** Tells the bell that notifications were read (or arrived), so it counts again now. */
export function announceNotificationsChanged() {
  window.dispatchEvent(new Event(CHANGED));
}

/**
 * The bell in the top bar with the unread count. It counts again every minute, when the tab gets
 * focus, on navigation, and when a page says notifications changed.
 */
export function NotificationBell() {
  const { client } = useSession();
  const location = useLocation();
  const [unread, setUnread] = useState(0);

  const count = useCallback(async () => {
    try {
      const page = await unwrap(client.GET('/api/v1/notifications', { params: { query: { limit: 1, unread: 'true' } } }));
      setUnread(page.unread_count);
    } catch {
      // The bell is a hint; a failed count keeps the last one rather than interrupting the page.
    }
  }, [client]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: counting again on navigation is the point
  useEffect(() => {
    void count();
  }, [count, location.pathname]);

  useEffect(() => {
    const timer = setInterval(() => void count(), POLL_MS);
    const onChange = () => void count();
    window.addEventListener(CHANGED, onChange);
    window.addEventListener('focus', onChange);
    return () => {
      clearInterval(timer);
      window.removeEventListener(CHANGED, onChange);
      window.removeEventListener('focus', onChange);
    };
  }, [count]);

  const label = unread > 0 ? `Notifications, ${unread} unread` : 'Notifications, none unread';
  return (
    <Link className="bell" to="/notifications" aria-label={label} title={label}>
      <Icon name="bell" size={18} />
      {unread > 0 ? (
        <span className="bell-count" aria-hidden="true">
          {unread > 99 ? '99+' : unread}
        </span>
      ) : null}
    </Link>
  );
}
