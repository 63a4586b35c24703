import type { RouteObject } from 'react-router';
import { DependencyPaths } from './DependencyPaths.tsx';
import { ProductList } from './ProductList.tsx';
import { ProductPage } from './ProductPage.tsx';
import { SupplyChainLayout } from './SupplyChainLayout.tsx';
import { SupplyChainOverview } from './SupplyChainOverview.tsx';
import { UpstreamProjectPage } from './UpstreamProjectPage.tsx';
import { UpstreamProjects } from './UpstreamProjects.tsx';

/** The supply-chain section's pages, for staff (main.tsx puts them under RequireStaff). */
export const supplyChainRoutes: RouteObject[] = [
  {
    path: '/supply-chain',
    element: <SupplyChainLayout />,
    children: [
      { index: true, element: <SupplyChainOverview /> },
      { path: 'projects', element: <UpstreamProjects /> },
      { path: 'products', element: <ProductList /> },
    ],
  },
  { path: '/supply-chain/projects/:id', element: <UpstreamProjectPage /> },
  { path: '/supply-chain/products/:product', element: <ProductPage /> },
  { path: '/supply-chain/products/:product/paths', element: <DependencyPaths /> },
];
