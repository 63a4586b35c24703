/**
 * The project's Usage tab: this month's burn against each grant's credit, days left, idle servers, and
 * this month's usage lines (plan, metro, unit, quantity, price, total).
 */
import { type Schemas, unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { Banner, ErrorBanner } from '../../components/Banner.tsx';
import { BudgetBar } from '../../components/BudgetChart.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { formatCents } from '../../components/money.ts';
import { formatDay, relativeTime } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProject } from '../projects/ProjectLayout.tsx';
import '../../reports.css';

type BurnGrant = Schemas['ProjectBurn']['grants'][number];
type UsageLine = Schemas['UsageLine'];

const UNIT_NAMES: Record<string, string> = { server_hour: 'Server-hours', gb_out: 'GB out' };

function GrantBurn({ grant, daysLeftInMonth }: { grant: BurnGrant; daysLeftInMonth: number }) {
  const money = (cents: number) => formatCents(cents, grant.currency);
  const isForecastOver = grant.forecast_cents > grant.credit_cents;
  return (
    <div className="stack" data-testid="grant-burn">
      <div className="meta-row">
        <strong>{grant.program}</strong>
        <span>
          {money(grant.spent_cents)} of {money(grant.credit_cents)} this month ({grant.percent_used}%)
        </span>
        {grant.is_exhausted ? <Badge tone="red">Credit used up: new servers refused until next month</Badge> : null}
        {!grant.is_exhausted && isForecastOver ? <Badge tone="yellow">On course to pass the credit</Badge> : null}
      </div>
      <BudgetBar
        label={`${grant.program} this month`}
        budget={{
          currency: grant.currency,
          budget_cents: grant.credit_cents,
          spent_cents: grant.spent_cents,
          committed_cents: 0,
          remaining_cents: grant.remaining_cents,
        }}
      />
      <div className="stats">
        <div className="stat">
          <div className="stat-label">Remaining</div>
          <div className={grant.remaining_cents < 0 ? 'stat-value text-danger' : 'stat-value'}>{money(grant.remaining_cents)}</div>
          <div className="stat-sub">{daysLeftInMonth} days left in the month</div>
        </div>
        <div className="stat">
          <div className="stat-label">Forecast this month</div>
          <div className="stat-value">{money(grant.forecast_cents)}</div>
          <div className="stat-sub">at the month-to-date rate</div>
        </div>
        <div className="stat">
          <div className="stat-label">Grant ends</div>
          <div className="stat-value">{grant.last_day ? formatDay(grant.last_day) : '–'}</div>
          <div className="stat-sub">{grant.days_left === null ? 'ongoing' : `${grant.days_left} days left`}</div>
        </div>
        <div className="stat">
          <div className="stat-label">Grant</div>
          <div className="stat-value">
            <Link to={`/grants/${grant.id}`}>Details</Link>
          </div>
        </div>
      </div>
    </div>
  );
}

export function ProjectUsage() {
  const { project } = useProject();
  const { client } = useSession();
  const path = { params: { path: { project: project.slug } } };
  const burn = useResource(`burn:${project.id}`, () => unwrap(client.GET('/api/v1/projects/{project}/usage/burn', path)));
  const usage = useResource(`usage:${project.id}`, () => unwrap(client.GET('/api/v1/projects/{project}/usage', path)));
  const currency = usage.data?.currency ?? 'USD';

  const columns: Column<UsageLine>[] = [
    { header: 'Plan', cell: (l) => l.plan ?? (l.type === 'traffic' ? 'Project traffic' : '–') },
    { header: 'Metro', cell: (l) => l.metro ?? '–' },
    { header: 'Unit', cell: (l) => UNIT_NAMES[l.unit] ?? l.unit },
    { header: 'Quantity', cell: (l) => (l.unit === 'server_hour' ? l.quantity.toFixed(2) : l.quantity.toFixed(3)), className: 'num' },
    { header: 'Unit price', cell: (l) => formatCents(l.unit_price_cents, currency), className: 'num' },
    { header: 'Total', cell: (l) => <strong>{formatCents(l.total_cents, currency)}</strong>, className: 'num' },
  ];

  return (
    <div className="stack-lg" data-testid="project-usage">
      <Card
        title="This month"
        description={burn.data ? `Spend against each grant’s monthly credit, ${burn.data.month.slice(0, 7)}.` : undefined}
      >
        <div className="card-body stack-lg">
          {burn.error ? <ErrorBanner error={burn.error} onRetry={burn.reload} /> : null}
          {!burn.data && !burn.error ? <Skeleton height={80} /> : null}
          {burn.data && burn.data.grants.length === 0 ? (
            <EmptyState icon="gift" title="No live grant">
              Usage is counted against a grant; request one to get servers.
            </EmptyState>
          ) : null}
          {burn.data?.grants.map((grant) => (
            <GrantBurn key={grant.id} grant={grant} daysLeftInMonth={burn.data?.days_left_in_month ?? 0} />
          ))}
        </div>
      </Card>

      {burn.data && burn.data.idle_servers.length > 0 ? (
        <Banner tone="warning" title={`${burn.data.idle_servers.length} idle server${burn.data.idle_servers.length === 1 ? '' : 's'}`}>
          <p>No heartbeat, SSH session or traffic for a while; they keep using credit until deleted.</p>
          <ul data-testid="idle-servers">
            {burn.data.idle_servers.map((server) => (
              <li key={server.id}>
                <Link to={`/servers/${server.id}`}>{server.hostname}</Link> idle since {formatDay(server.idle_since.slice(0, 10))} (
                {relativeTime(server.idle_since)})
              </li>
            ))}
          </ul>
        </Banner>
      ) : null}

      <Card
        title="Usage this month"
        description={usage.data ? `${formatDay(usage.data.from)} – ${formatDay(usage.data.to)}, by plan, metro and unit.` : undefined}
        isFlush
        footer={usage.data ? <strong>Total {formatCents(usage.data.total_cents, currency)}</strong> : undefined}
      >
        <DataTable
          label="Usage lines"
          columns={columns}
          rows={usage.data?.lines ?? []}
          rowKey={(l) => `${l.type}:${l.plan}:${l.metro}:${l.unit}`}
          isLoading={usage.isLoading && !usage.data}
          error={usage.error}
          onRetry={usage.reload}
          empty={
            <EmptyState icon="server" title="No usage this month">
              Servers and traffic show here as they are counted.
            </EmptyState>
          }
        />
      </Card>
    </div>
  );
}
