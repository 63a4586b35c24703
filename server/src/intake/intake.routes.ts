import { signedIn } from '../http/context.ts';
import type { App } from '../http/server.ts';
import { ClaimAcceptBody, ClaimAccepted, ClaimParam, ProjectClaimList } from './intake.schemas.ts';
import type { IntakeService } from './intake.service.ts';

/** Project claims: requests opened as GitHub issues by people who had no Surplus project yet. */
export function claimsRoutes(app: App, { intake }: { intake: IntakeService }) {
  const tags = ['claims'];
  app.get(
    '/api/v1/claims',
    { config: { policy: 'user' }, schema: { tags, operationId: 'listMyClaims', response: { 200: ProjectClaimList } } },
    async (request) => intake.listClaims(signedIn(request.ctx).actor),
  );
  app.post(
    '/api/v1/claims/:id/accept',
    {
      config: { policy: 'user' },
      schema: { tags, operationId: 'acceptClaim', params: ClaimParam, body: ClaimAcceptBody, response: { 200: ClaimAccepted } },
    },
    async (request) => intake.acceptClaim(signedIn(request.ctx), request.params.id, request.body),
  );
}
