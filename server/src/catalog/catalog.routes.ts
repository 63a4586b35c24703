import type { App } from '../http/server.ts';
import {
  Catalog,
  Metro,
  MetroParam,
  MetroUpsertBody,
  OperatingSystem,
  OperatingSystemUpsertBody,
  OsParam,
  Plan,
  PlanParam,
  PlanUpsertBody,
} from './catalog.schemas.ts';
import type { CatalogService } from './catalog.service.ts';

export function catalogRoutes(app: App, { catalog }: { catalog: CatalogService }) {
  const tags = ['catalog'];
  app.get(
    '/api/v1/catalog',
    { config: { policy: 'public' }, schema: { tags, operationId: 'getCatalog', response: { 200: Catalog } } },
    async () => catalog.get(),
  );
  app.put(
    '/api/v1/catalog/plans/:slug',
    {
      config: { policy: 'admin' },
      schema: { tags, operationId: 'saveCatalogPlan', params: PlanParam, body: PlanUpsertBody, response: { 200: Plan } },
    },
    async (request) => catalog.upsertPlan(request.ctx, request.params.slug, request.body),
  );
  app.put(
    '/api/v1/catalog/metros/:code',
    {
      config: { policy: 'admin' },
      schema: { tags, operationId: 'saveCatalogMetro', params: MetroParam, body: MetroUpsertBody, response: { 200: Metro } },
    },
    async (request) => catalog.upsertMetro(request.ctx, request.params.code, request.body),
  );
  app.put(
    '/api/v1/catalog/operating-systems/:slug',
    {
      config: { policy: 'admin' },
      schema: {
        tags,
        operationId: 'saveCatalogOperatingSystem',
        params: OsParam,
        body: OperatingSystemUpsertBody,
        response: { 200: OperatingSystem },
      },
    },
    async (request) => catalog.upsertOperatingSystem(request.ctx, request.params.slug, request.body),
  );
}
