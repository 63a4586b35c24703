/**
 * The project page's money at a glance: this month's spend against each live grant's credit, what
 * remains, the days left in the month, the grant's last day, and the idle servers. The Usage tab has
 * the detail.
 */
import { unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Card } from '../../components/Card.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { formatCents } from '../../components/money.ts';
import { formatDay } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

export function BurnSummary({ project }: { project: { id: string; slug: string } }) {
  const { client } = useSession();
  const burn = useResource(`burn:${project.id}`, () =>
    unwrap(client.GET('/api/v1/projects/{project}/usage/burn', { params: { path: { project: project.slug } } })),
  );
  const idleCount = burn.data?.idle_servers.length ?? 0;
  return (
    <Card
      title="This month"
      description={burn.data ? `Spend against each grant’s monthly credit, ${burn.data.month.slice(0, 7)}.` : undefined}
    >
      <div className="stack" data-testid="burn-summary">
        {burn.error ? <ErrorBanner error={burn.error} onRetry={burn.reload} /> : null}
        {!burn.data && !burn.error ? <Skeleton height={60} /> : null}
        {burn.data && burn.data.grants.length === 0 ? <p className="muted small">No live grant: usage is counted against one.</p> : null}
        {burn.data?.grants.map((grant) => (
          <dl className="dl dl-compact" key={grant.id} data-testid="burn-grant">
            <div>
              <dt>{grant.program}</dt>
              <dd>
                {formatCents(grant.spent_cents, grant.currency)} of {formatCents(grant.credit_cents, grant.currency)} ({grant.percent_used}
                %) {grant.is_exhausted ? <Badge tone="red">Credit used up</Badge> : null}
              </dd>
            </div>
            <div>
              <dt>Remaining</dt>
              <dd className={grant.remaining_cents < 0 ? 'text-danger' : undefined}>
                {formatCents(grant.remaining_cents, grant.currency)} · {burn.data?.days_left_in_month} days left in the month
              </dd>
            </div>
            <div>
              <dt>Grant ends</dt>
              <dd>
                {grant.last_day ? `${formatDay(grant.last_day)} · ${grant.days_left} days left` : 'ongoing'} ·{' '}
                <Link to={`/grants/${grant.id}`}>details</Link>
              </dd>
            </div>
          </dl>
        ))}
        {idleCount > 0 ? (
          <p data-testid="burn-idle">
            <Badge tone="yellow">
              {idleCount} idle server{idleCount === 1 ? '' : 's'}
            </Badge>{' '}
            <Link to="usage">See them on the Usage tab</Link>
          </p>
        ) : null}
      </div>
    </Card>
  );
}
