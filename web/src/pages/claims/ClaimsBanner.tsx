import { unwrap } from '@surplus/api-client';
import { useLocation } from 'react-router';
import { Banner } from '../../components/Banner.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

/**
 * Tells someone signed in with GitHub that an issue they opened in a program's intake repository is
 * waiting for them to take it over. Shown on every page until they do; not on the claims page itself.
 */
export function ClaimsBanner() {
  const { client, user } = useSession();
  const location = useLocation();
  const isClaimsPage = location.pathname === '/claims';
  const hasGithub = Boolean(user?.github_login);
  const claims = useResource(`claims:${hasGithub}:${isClaimsPage}`, async () =>
    hasGithub ? unwrap(client.GET('/api/v1/claims')) : { items: [], github_login: null },
  );
  const items = claims.data?.items ?? [];
  if (isClaimsPage || items.length === 0) return null;
  const [first] = items;
  if (!first) return null;
  const issue = first.request.github_issue ? `#${first.request.github_issue}` : `“${first.request.title}”`;
  return (
    <div className="page-banner">
      <Banner
        tone="info"
        title={
          items.length === 1
            ? `Your GitHub issue ${issue} is waiting: claim it`
            : `${items.length} of your GitHub issues are waiting: claim them`
        }
        actions={
          <ButtonLink to="/claims" size="sm" variant="primary">
            {items.length === 1 ? 'Claim it' : 'Review claims'}
          </ButtonLink>
        }
      >
        {items.length === 1 ? (
          <>
            You asked <strong>{first.request.program.name}</strong> for servers in{' '}
            <span className="mono">{first.request.github_repository}</span>. Link it to a project you own, or register the project, to
            follow it here and get its decision.
          </>
        ) : (
          'Link each request to a project you own, or register the project, to follow them here.'
        )}
      </Banner>
    </div>
  );
}
