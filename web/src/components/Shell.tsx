import type { ReactNode } from 'react';
import { Link, NavLink, Outlet } from 'react-router';
import { VerifyEmailBanner } from '../pages/auth/VerifyEmailBanner.tsx';
import { ClaimsBanner } from '../pages/claims/ClaimsBanner.tsx';
import { useSession } from '../session.tsx';
import { ButtonLink } from './Button.tsx';
import { BrandMark, Icon, type IconName } from './Icon.tsx';
import { NotificationBell } from './NotificationBell.tsx';
import { UserMenu } from './UserMenu.tsx';

function TopBar({ children }: { children?: ReactNode }) {
  const { user } = useSession();
  return (
    <header className="topbar">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Link className="brand" to={user ? '/projects' : '/directory'}>
        <BrandMark />
        Surplus
      </Link>
      <div className="topbar-spacer" />
      {children}
      {user ? <NotificationBell /> : null}
      {user ? (
        <UserMenu />
      ) : (
        <ButtonLink to="/login" size="sm">
          Sign in
        </ButtonLink>
      )}
    </header>
  );
}

function NavItem({ to, icon, children }: { to: string; icon: IconName; children: ReactNode }) {
  return (
    <NavLink to={to}>
      <Icon name={icon} />
      {children}
    </NavLink>
  );
}

/** The signed-in frame: top bar, side navigation (program and admin sections by role), and the page. */
export function AppShell() {
  const { isAdmin, isStaff, user } = useSession();
  const isOperator = isAdmin || (user?.roles ?? []).includes('operator');
  return (
    <>
      <TopBar>
        <a className="topbar-link" href="/api/docs">
          API
        </a>
      </TopBar>
      <div className="layout">
        <nav className="sidenav" aria-label="Main">
          <NavItem to="/projects" icon="projects">
            Projects
          </NavItem>
          <NavItem to="/requests" icon="inbox">
            Requests
          </NavItem>
          <NavItem to="/grants" icon="gift">
            Grants
          </NavItem>
          <NavItem to="/invitations" icon="mail">
            Invitations
          </NavItem>
          <NavItem to="/profile" icon="user">
            Profile
          </NavItem>
          {isStaff ? (
            <>
              <div className="sidenav-section">Program</div>
              <NavItem to="/review" icon="clipboard">
                Review queue
              </NavItem>
              <NavItem to="/programs" icon="layers">
                Programs
              </NavItem>
              <NavItem to="/stories" icon="pen">
                Stories
              </NavItem>
              <NavItem to="/idle-servers" icon="clock">
                Idle servers
              </NavItem>
              <NavItem to="/supply-chain" icon="link">
                Supply chain
              </NavItem>
            </>
          ) : null}
          <div className="sidenav-section">Explore</div>
          <NavItem to="/directory" icon="globe">
            Public directory
          </NavItem>
          {isOperator ? (
            <>
              <div className="sidenav-section" id="admin-nav">
                Admin
              </div>
              {isOperator ? (
                <NavItem to="/inventory" icon="server">
                  Inventory
                </NavItem>
              ) : null}
              {isAdmin ? (
                <>
                  <NavItem to="/admin/users" icon="users">
                    Users
                  </NavItem>
                  <NavItem to="/admin/audit" icon="log">
                    Audit log
                  </NavItem>
                  <NavItem to="/admin/settings" icon="settings">
                    Settings
                  </NavItem>
                </>
              ) : null}
            </>
          ) : null}
        </nav>
        <main className="main" id="main">
          <VerifyEmailBanner />
          <ClaimsBanner />
          <Outlet />
        </main>
      </div>
    </>
  );
}

/** Pages anyone can see (public project pages, the directory): the top bar without the side nav. */
export function PublicShell() {
  return (
    <>
      <TopBar>
        <NavLink className="topbar-link" to="/directory">
          Directory
        </NavLink>
      </TopBar>
      <main className="public-main" id="main">
        <Outlet />
      </main>
    </>
  );
}
