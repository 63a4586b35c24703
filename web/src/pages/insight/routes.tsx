import type { RouteObject } from 'react-router';

/** The supply-chain section's pages, for staff (main.tsx puts them under RequireStaff), loaded on first visit. */
export const supplyChainRoutes: RouteObject[] = [
  {
    path: '/supply-chain',
    lazy: () => import('./SupplyChainLayout.tsx').then((m) => ({ Component: m.SupplyChainLayout })),
    children: [
      { index: true, lazy: () => import('./SupplyChainOverview.tsx').then((m) => ({ Component: m.SupplyChainOverview })) },
      { path: 'projects', lazy: () => import('./UpstreamProjects.tsx').then((m) => ({ Component: m.UpstreamProjects })) },
      { path: 'products', lazy: () => import('./ProductList.tsx').then((m) => ({ Component: m.ProductList })) },
    ],
  },
  {
    path: '/supply-chain/projects/:id',
    lazy: () => import('./UpstreamProjectPage.tsx').then((m) => ({ Component: m.UpstreamProjectPage })),
  },
  { path: '/supply-chain/products/:product', lazy: () => import('./ProductPage.tsx').then((m) => ({ Component: m.ProductPage })) },
  {
    path: '/supply-chain/products/:product/paths',
    lazy: () => import('./DependencyPaths.tsx').then((m) => ({ Component: m.DependencyPaths })),
  },
];
