import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useSession } from '../session.tsx';
import { EmptyState } from './EmptyState.tsx';
import { PageLoading } from './Loading.tsx';

/** Sends signed-out visitors to the sign-in page, remembering where they were going. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading') return <PageLoading label="Loading your session…" />;
  if (state.status === 'signed-out') {
    const next = `${location.pathname}${location.search}`;
    const params = new URLSearchParams({ next });
    if (state.isExpired) params.set('expired', '1');
    return <Navigate to={`/login?${params}`} replace />;
  }
  return <>{children}</>;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { isAdmin } = useSession();
  if (!isAdmin)
    return (
      <EmptyState icon="lock" title="Admins only">
        This page is for Surplus administrators.
      </EmptyState>
    );
  return <>{children}</>;
}

export function RequireStaff({ children }: { children: ReactNode }) {
  const { isStaff } = useSession();
  if (!isStaff)
    return (
      <EmptyState icon="lock" title="Program staff only">
        This page is for the people who run the program: reviewers, operators and admins.
      </EmptyState>
    );
  return <>{children}</>;
}
