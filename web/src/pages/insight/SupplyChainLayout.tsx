import { Outlet } from 'react-router';
import { PageHeader } from '../../components/PageHeader.tsx';
import { RouteTabs } from '../../components/Tabs.tsx';

/** The supply-chain section: which open source our products depend on, and what the program supports of it. */
export function SupplyChainLayout() {
  return (
    <>
      <PageHeader
        title="Supply chain"
        description="The open source our products depend on, ranked by how much we rely on it, and which of it the program supports."
      />
      <RouteTabs
        label="Supply chain"
        tabs={[
          { to: '/supply-chain', label: 'Overview', isEnd: true },
          { to: '/supply-chain/projects', label: 'Upstream projects' },
          { to: '/supply-chain/products', label: 'Products' },
        ]}
      />
      <Outlet />
    </>
  );
}
