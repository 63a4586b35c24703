import { ApiError, type Client, createClient, type Schemas, unwrap } from '@surplus/api-client';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';

export type Me = Schemas['Session'];
export type User = Schemas['User'];

type SessionState = { status: 'loading' } | { status: 'signed-out'; isExpired: boolean } | { status: 'signed-in'; me: Me };

export type SessionValue = {
  client: Client;
  state: SessionState;
  /** The signed-in user; pages under RequireAuth can rely on it. */
  user: User | null;
  me: Me | null;
  isAdmin: boolean;
  isStaff: boolean;
  /** Call with the answer of login/sign-up: it carries the CSRF token for later writes. */
  start(session: Me): void;
  refresh(): Promise<void>;
  signOut(): Promise<void>;
};

const SessionContext = createContext<SessionValue | null>(null);

/**
 * Holds who is signed in and the one API client of the app. The session cookie is httpOnly, so the
 * page learns about it only from `GET /api/v1/me`, which also returns the CSRF token that
 * cookie-authenticated writes must echo.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const csrfToken = useRef<string | null>(null);

  const client = useMemo(() => {
    const created = createClient({ baseUrl: '', csrfToken: () => csrfToken.current });
    created.use({
      onResponse({ request, response }) {
        // Any 401 outside the sign-in calls means the session ended (expired, revoked, signed out
        // elsewhere): drop it so the router sends the person to the sign-in page.
        const path = new URL(request.url).pathname;
        if (response.status === 401 && !path.startsWith('/api/v1/auth/') && path !== '/api/v1/me') {
          csrfToken.current = null;
          setState({ status: 'signed-out', isExpired: true });
        }
        return response;
      },
    });
    return created;
  }, []);

  const refresh = useCallback(async () => {
    try {
      const me = await unwrap(client.GET('/api/v1/me'));
      csrfToken.current = me.csrf_token;
      setState({ status: 'signed-in', me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        csrfToken.current = null;
        setState({ status: 'signed-out', isExpired: false });
        return;
      }
      throw error;
    }
  }, [client]);

  useEffect(() => {
    refresh().catch(() => setState({ status: 'signed-out', isExpired: false }));
  }, [refresh]);

  const start = useCallback((me: Me) => {
    csrfToken.current = me.csrf_token;
    setState({ status: 'signed-in', me });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await unwrap(client.POST('/api/v1/auth/logout'));
    } finally {
      csrfToken.current = null;
      setState({ status: 'signed-out', isExpired: false });
    }
  }, [client]);

  const value = useMemo<SessionValue>(() => {
    const me = state.status === 'signed-in' ? state.me : null;
    const roles = me?.user.roles ?? [];
    return {
      client,
      state,
      me,
      user: me?.user ?? null,
      isAdmin: roles.includes('admin'),
      isStaff: roles.length > 0,
      start,
      refresh,
      signOut,
    };
  }, [client, state, start, refresh, signOut]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

/** For pages behind RequireAuth, where a user is always present. */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}
