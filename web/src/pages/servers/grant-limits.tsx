import { type Schemas, unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { formatCents } from '../../components/money.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

type Grant = Schemas['Grant'];

/** The project's grants that allow servers today (active or expiring). */
export function useLiveGrants(projectId: string) {
  const { client } = useSession();
  return useResource(`live-grants:${projectId}`, async () => {
    const page = await unwrap(
      client.GET('/api/v1/grants', { params: { query: { project: projectId, state: 'active,expiring', limit: 50 } } }),
    );
    return page.items;
  });
}

/**
 * What a grant allows and how much of it is in use (the project's servers, as the create check
 * counts them): shown beside the server list and the create form.
 */
export function GrantLimits({ grant }: { grant: Grant }) {
  const liveServers = grant.servers_in_use;
  const left = Math.max(grant.max_servers - liveServers, 0);
  return (
    <dl className="dl dl-compact" aria-label={`Grant from ${grant.program.name}`}>
      <div>
        <dt>Servers</dt>
        <dd data-testid="grant-servers-left">
          {liveServers} of {grant.max_servers} in use · <strong>{left} left</strong>
        </dd>
      </div>
      <div>
        <dt>Monthly credit</dt>
        <dd>{formatCents(grant.monthly_credit_cents, grant.currency)}</dd>
      </div>
      <div>
        <dt>Plans</dt>
        <dd className="badges">
          {grant.allowed_plans.length ? (
            grant.allowed_plans.map((plan) => (
              <Badge key={plan}>
                <span className="mono">{plan}</span>
              </Badge>
            ))
          ) : (
            <span>any</span>
          )}
        </dd>
      </div>
      <div>
        <dt>Metros</dt>
        <dd className="badges">
          {grant.allowed_metros.length ? grant.allowed_metros.map((metro) => <Badge key={metro}>{metro}</Badge>) : <span>any</span>}
        </dd>
      </div>
      <div>
        <dt>Last day</dt>
        <dd>
          <Link to={`/grants/${grant.id}`}>{grant.last_day}</Link>
        </dd>
      </div>
    </dl>
  );
}
