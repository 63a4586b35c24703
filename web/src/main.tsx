import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider } from 'react-router';
import { ConfirmProvider } from './components/Dialog.tsx';
import { RequireAdmin, RequireAuth } from './components/RequireAuth.tsx';
import { AppShell, PublicShell } from './components/Shell.tsx';
import { ToastProvider } from './components/Toast.tsx';
import { AdminAudit } from './pages/admin/AdminAudit.tsx';
import { AdminSettings } from './pages/admin/AdminSettings.tsx';
import { AdminUsers } from './pages/admin/AdminUsers.tsx';
import { SignIn } from './pages/auth/SignIn.tsx';
import { SignUp } from './pages/auth/SignUp.tsx';
import { AcceptInvitation } from './pages/invitations/AcceptInvitation.tsx';
import { MyInvitations } from './pages/invitations/MyInvitations.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { ApiTokens } from './pages/profile/ApiTokens.tsx';
import { ProfileAccount } from './pages/profile/ProfileAccount.tsx';
import { ProfileLayout } from './pages/profile/ProfileLayout.tsx';
import { SshKeys } from './pages/profile/SshKeys.tsx';
import { ProjectAudit } from './pages/projects/ProjectAudit.tsx';
import { ProjectCreate } from './pages/projects/ProjectCreate.tsx';
import { ProjectInvitations } from './pages/projects/ProjectInvitations.tsx';
import { ProjectLayout } from './pages/projects/ProjectLayout.tsx';
import { ProjectList } from './pages/projects/ProjectList.tsx';
import { ProjectMembers } from './pages/projects/ProjectMembers.tsx';
import { ProjectOverview } from './pages/projects/ProjectOverview.tsx';
import { ProjectSettings } from './pages/projects/ProjectSettings.tsx';
import { Directory } from './pages/public/Directory.tsx';
import { PublicProject } from './pages/public/PublicProject.tsx';
import { SessionProvider } from './session.tsx';
import './styles.css';

const router = createBrowserRouter([
  { path: '/login', element: <SignIn /> },
  { path: '/signup', element: <SignUp /> },
  {
    element: <PublicShell />,
    children: [
      { path: '/p/:slug', element: <PublicProject /> },
      { path: '/directory', element: <Directory /> },
    ],
  },
  {
    element: (
      <RequireAuth>
        <AppShell />
      </RequireAuth>
    ),
    children: [
      { path: '/', element: <Navigate to="/projects" replace /> },
      { path: '/projects', element: <ProjectList /> },
      { path: '/projects/new', element: <ProjectCreate /> },
      {
        path: '/projects/:project',
        element: <ProjectLayout />,
        children: [
          { index: true, element: <ProjectOverview /> },
          { path: 'members', element: <ProjectMembers /> },
          { path: 'invitations', element: <ProjectInvitations /> },
          { path: 'settings', element: <ProjectSettings /> },
          { path: 'audit', element: <ProjectAudit /> },
        ],
      },
      { path: '/invitations', element: <MyInvitations /> },
      { path: '/invitations/accept', element: <AcceptInvitation /> },
      {
        path: '/profile',
        element: <ProfileLayout />,
        children: [
          { index: true, element: <ProfileAccount /> },
          { path: 'keys', element: <SshKeys /> },
          { path: 'tokens', element: <ApiTokens /> },
        ],
      },
      {
        path: '/admin',
        element: (
          <RequireAdmin>
            <Outlet />
          </RequireAdmin>
        ),
        children: [
          { index: true, element: <Navigate to="/admin/users" replace /> },
          { path: 'users', element: <AdminUsers /> },
          { path: 'audit', element: <AdminAudit /> },
          { path: 'settings', element: <AdminSettings /> },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ToastProvider>
      <SessionProvider>
        <ConfirmProvider>
          <RouterProvider router={router} />
        </ConfirmProvider>
      </SessionProvider>
    </ToastProvider>
  </StrictMode>,
);
