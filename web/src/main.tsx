import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, Navigate, Outlet, RouterProvider } from 'react-router';
import { ConfirmProvider } from './components/Dialog.tsx';
import { RequireAdmin, RequireAuth, RequireStaff } from './components/RequireAuth.tsx';
import { AppShell, PublicShell } from './components/Shell.tsx';
import { ToastProvider } from './components/Toast.tsx';
import { AdminAudit } from './pages/admin/AdminAudit.tsx';
import { AdminSettings } from './pages/admin/AdminSettings.tsx';
import { AdminUsers } from './pages/admin/AdminUsers.tsx';
import { SignIn } from './pages/auth/SignIn.tsx';
import { SignUp } from './pages/auth/SignUp.tsx';
import { VerifyEmail } from './pages/auth/VerifyEmail.tsx';
import { Claims } from './pages/claims/Claims.tsx';
import { GrantList } from './pages/grants/GrantList.tsx';
import { GrantPage } from './pages/grants/GrantPage.tsx';
import { supplyChainRoutes } from './pages/insight/routes.tsx';
import { InventoryList } from './pages/inventory/InventoryList.tsx';
import { MachineEnroll } from './pages/inventory/MachineEnroll.tsx';
import { MachineImport } from './pages/inventory/MachineImport.tsx';
import { MachinePage } from './pages/inventory/MachinePage.tsx';
import { RequireOperator } from './pages/inventory/machine-states.tsx';
import { OperatorTasks } from './pages/inventory/OperatorTasks.tsx';
import { AcceptInvitation } from './pages/invitations/AcceptInvitation.tsx';
import { MyInvitations } from './pages/invitations/MyInvitations.tsx';
import { NotFound } from './pages/NotFound.tsx';
import { Notifications } from './pages/notifications/Notifications.tsx';
import { ApiTokens } from './pages/profile/ApiTokens.tsx';
import { ProfileAccount } from './pages/profile/ProfileAccount.tsx';
import { ProfileLayout } from './pages/profile/ProfileLayout.tsx';
import { SshKeys } from './pages/profile/SshKeys.tsx';
import { ProgramCreate } from './pages/programs/ProgramCreate.tsx';
import { ProgramLayout } from './pages/programs/ProgramLayout.tsx';
import { ProgramList } from './pages/programs/ProgramList.tsx';
import { ProgramOverview } from './pages/programs/ProgramOverview.tsx';
import { ProgramPolicy } from './pages/programs/ProgramPolicy.tsx';
import { ProgramStaff } from './pages/programs/ProgramStaff.tsx';
import { ProgramWebhooks } from './pages/programs/ProgramWebhooks.tsx';
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
import { IdleServers } from './pages/reports/IdleServers.tsx';
import { ProgramImpact, PublicImpact } from './pages/reports/ImpactReport.tsx';
import { ProgramDashboard } from './pages/reports/ProgramDashboard.tsx';
import { ProjectUsage } from './pages/reports/ProjectUsage.tsx';
import { ProjectRequests } from './pages/requests/ProjectRequests.tsx';
import { RequestCreate, RequestEdit } from './pages/requests/RequestEditor.tsx';
import { RequestList } from './pages/requests/RequestList.tsx';
import { RequestPage } from './pages/requests/RequestPage.tsx';
import { ReviewQueue } from './pages/review/ReviewQueue.tsx';
import { ProjectServers } from './pages/servers/ProjectServers.tsx';
import { ServerCreate } from './pages/servers/ServerCreate.tsx';
import { ServerPage } from './pages/servers/ServerPage.tsx';
import { ProjectStories } from './pages/stories/ProjectStories.tsx';
import { StoryQueue } from './pages/stories/StoryQueue.tsx';
import { SessionProvider } from './session.tsx';
import './styles.css';
import './program.css';

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
      { path: '/impact/:program', element: <PublicImpact /> },
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
          { index: true, element: <InventoryList /> },
          { path: 'enroll', element: <MachineEnroll /> },
          { path: 'import', element: <MachineImport /> },
          { path: 'machines/:id', element: <MachinePage /> },
          { path: 'tasks', element: <OperatorTasks /> },
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
          { path: '/review', element: <ReviewQueue /> },
          { path: '/stories', element: <StoryQueue /> },
          { path: '/idle-servers', element: <IdleServers /> },
          ...supplyChainRoutes,
          { path: '/programs', element: <ProgramList /> },
          { path: '/programs/new', element: <ProgramCreate /> },
          {
            path: '/programs/:program',
            element: <ProgramLayout />,
            children: [
              { index: true, element: <ProgramOverview /> },
              { path: 'dashboard', element: <ProgramDashboard /> },
              { path: 'impact', element: <ProgramImpact /> },
              { path: 'policy', element: <ProgramPolicy /> },
              { path: 'staff', element: <ProgramStaff /> },
              { path: 'webhooks', element: <ProgramWebhooks /> },
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
