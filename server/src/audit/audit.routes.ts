import type { Db } from '../db/database.ts';
import type { App } from '../http/server.ts';
import { AuditListQuery, AuditPage } from './audit.schemas.ts';
import type { AuditService } from './audit.service.ts';

export function auditRoutes(app: App, { audit, db }: { audit: AuditService; db: Db }) {
  app.get(
    '/api/v1/audit',
    {
      config: { policy: 'admin' },
      schema: { tags: ['audit'], operationId: 'listAudit', querystring: AuditListQuery, response: { 200: AuditPage } },
    },
    async (request) => audit.list(db, request.query),
  );
}
