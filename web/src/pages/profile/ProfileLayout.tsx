import { Outlet } from 'react-router';
import { PageHeader } from '../../components/PageHeader.tsx';
import { RouteTabs } from '../../components/Tabs.tsx';

export function ProfileLayout() {
  return (
    <>
      <PageHeader title="Profile" description="Your account, how you sign in, and the keys and tokens that act as you." />
      <RouteTabs
        label="Profile sections"
        tabs={[
          { to: '/profile', label: 'Account', isEnd: true },
          { to: '/profile/keys', label: 'SSH keys' },
          { to: '/profile/tokens', label: 'API tokens' },
        ]}
      />
      <div className="main-narrow">
        <Outlet />
      </div>
    </>
  );
}
