import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider } from 'react-router';
import { ConfirmProvider } from './components/Dialog.tsx';
import { RequireAdmin, RequireAuth, RequireStaff } from './components/RequireAuth.tsx';
import { AppShell, PublicShell } from './components/Shell.tsx';
import { ToastProvider } from './components/Toast.tsx';
import { SignIn } from './pages/auth/SignIn.tsx';
import { SignUp } from './pages/auth/SignUp.tsx';
import { VerifyEmail } from './pages/auth/VerifyEmail.tsx';
import { Claims } from './pages/claims/Claims.tsx';
import { GrantList } from './pages/grants/GrantList.tsx';
import { GrantPage } from './pages/grants/GrantPage.tsx';
import { supplyChainRoutes } from './pages/insight/routes.tsx';
import { RequireOperator } from './pages/inventory/machine-states.tsx';
import { AcceptInvitation } from './pages/invitations/AcceptInvitation.tsx';
import { MyInvitations } from './pages/invitations/MyInvitations.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { Notifications } from './pages/notifications/Notifications.tsx';
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
import { ProjectUsage } from './pages/reports/ProjectUsage.tsx';
import { ProjectRequests } from './pages/requests/ProjectRequests.tsx';
import { RequestCreate, RequestEdit } from './pages/requests/RequestEditor.tsx';
import { RequestList } from './pages/requests/RequestList.tsx';
import { RequestPage } from './pages/requests/RequestPage.tsx';
import { ProjectServers } from './pages/servers/ProjectServers.tsx';
import { ServerCreate } from './pages/servers/ServerCreate.tsx';
import { ServerPage } from './pages/servers/ServerPage.tsx';
import { ProjectStories } from './pages/stories/ProjectStories.tsx';
import { SessionProvider } from './session.tsx';
import './styles.css';
import './program.css';

// Staff, operator and admin screens load on first visit (`lazy`): maintainers never download them.
const router = createBrowserRouter([
  { path: '/login', element: <SignIn /> },
  { path: '/signup', element: <SignUp /> },
  // Public: the emailed link works signed out too; holding it is the proof.
  { path: '/verify-email', element: <VerifyEmail /> },
  {
    element: <PublicShell />,
    children: [
      { path: '/p/:slug', element: <PublicProject /> },
      { path: '/directory', element: <Directory /> },
      { path: '/impact/:program', lazy: () => import('./pages/reports/ImpactReport.tsx').then((m) => ({ Component: m.PublicImpact })) },
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
      { path: '/projects/:project/requests/new', element: <RequestCreate /> },
      {
        path: '/projects/:project',
        element: <ProjectLayout />,
        children: [
          { index: true, element: <ProjectOverview /> },
          { path: 'requests', element: <ProjectRequests /> },
          { path: 'servers', element: <ProjectServers /> },
          { path: 'servers/new', element: <ServerCreate /> },
          { path: 'usage', element: <ProjectUsage /> },
          { path: 'stories', element: <ProjectStories /> },
          { path: 'members', element: <ProjectMembers /> },
          { path: 'invitations', element: <ProjectInvitations /> },
          { path: 'settings', element: <ProjectSettings /> },
          { path: 'audit', element: <ProjectAudit /> },
        ],
      },
      { path: '/requests', element: <RequestList /> },
      { path: '/requests/new', element: <RequestCreate /> },
      { path: '/requests/:id', element: <RequestPage /> },
      { path: '/requests/:id/edit', element: <RequestEdit /> },
      { path: '/grants', element: <GrantList /> },
      { path: '/grants/:id', element: <GrantPage /> },
      { path: '/servers/:id', element: <ServerPage /> },
      {
        path: '/inventory',
        element: (
          <RequireOperator>
            <Outlet />
          </RequireOperator>
        ),
        children: [
          { index: true, lazy: () => import('./pages/inventory/InventoryList.tsx').then((m) => ({ Component: m.InventoryList })) },
          { path: 'enroll', lazy: () => import('./pages/inventory/MachineEnroll.tsx').then((m) => ({ Component: m.MachineEnroll })) },
          { path: 'import', lazy: () => import('./pages/inventory/MachineImport.tsx').then((m) => ({ Component: m.MachineImport })) },
          { path: 'machines/:id', lazy: () => import('./pages/inventory/MachinePage.tsx').then((m) => ({ Component: m.MachinePage })) },
          { path: 'tasks', lazy: () => import('./pages/inventory/OperatorTasks.tsx').then((m) => ({ Component: m.OperatorTasks })) },
        ],
      },
      { path: '/notifications', element: <Notifications /> },
      { path: '/claims', element: <Claims /> },
      {
        element: (
          <RequireStaff>
            <Outlet />
          </RequireStaff>
        ),
        children: [
          { path: '/review', lazy: () => import('./pages/review/ReviewQueue.tsx').then((m) => ({ Component: m.ReviewQueue })) },
          { path: '/stories', lazy: () => import('./pages/stories/StoryQueue.tsx').then((m) => ({ Component: m.StoryQueue })) },
          { path: '/idle-servers', lazy: () => import('./pages/reports/IdleServers.tsx').then((m) => ({ Component: m.IdleServers })) },
          ...supplyChainRoutes,
          { path: '/programs', lazy: () => import('./pages/programs/ProgramList.tsx').then((m) => ({ Component: m.ProgramList })) },
          { path: '/programs/new', lazy: () => import('./pages/programs/ProgramCreate.tsx').then((m) => ({ Component: m.ProgramCreate })) },
          {
            path: '/programs/:program',
            lazy: () => import('./pages/programs/ProgramLayout.tsx').then((m) => ({ Component: m.ProgramLayout })),
            children: [
              { index: true, lazy: () => import('./pages/programs/ProgramOverview.tsx').then((m) => ({ Component: m.ProgramOverview })) },
              {
                path: 'dashboard',
                lazy: () => import('./pages/reports/ProgramDashboard.tsx').then((m) => ({ Component: m.ProgramDashboard })),
              },
              { path: 'impact', lazy: () => import('./pages/reports/ImpactReport.tsx').then((m) => ({ Component: m.ProgramImpact })) },
              { path: 'policy', lazy: () => import('./pages/programs/ProgramPolicy.tsx').then((m) => ({ Component: m.ProgramPolicy })) },
              { path: 'staff', lazy: () => import('./pages/programs/ProgramStaff.tsx').then((m) => ({ Component: m.ProgramStaff })) },
              {
                path: 'webhooks',
                lazy: () => import('./pages/programs/ProgramWebhooks.tsx').then((m) => ({ Component: m.ProgramWebhooks })),
              },
            ],
          },
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
          { path: 'users', lazy: () => import('./pages/admin/AdminUsers.tsx').then((m) => ({ Component: m.AdminUsers })) },
          { path: 'audit', lazy: () => import('./pages/admin/AdminAudit.tsx').then((m) => ({ Component: m.AdminAudit })) },
          { path: 'settings', lazy: () => import('./pages/admin/AdminSettings.tsx').then((m) => ({ Component: m.AdminSettings })) },
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
