import { type Schemas, unwrap } from '@surplus/api-client';
import { Link, useSearchParams } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { formatCents } from '../../components/money.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { daysBetween, formatDay, isoDay } from '../../components/time.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { GrantStateBadge } from '../requests/RequestBadges.tsx';

type Grant = Schemas['Grant'];

/** "12 days left", "ends today", "ended 3 days ago": how far the grant's last day is. */
export function daysLeftText(grant: Pick<Grant, 'last_day' | 'state'>): string {
  const days = daysBetween(isoDay(), grant.last_day);
  if (grant.state === 'revoked') return 'Revoked';
  if (days > 1) return `${days} days left`;
  if (days === 1) return '1 day left';
  if (days === 0) return 'last day today';
  return `ended ${-days} day${days === -1 ? '' : 's'} ago`;
}

export function grantColumns({ isProjectShown }: { isProjectShown: boolean }): Column<Grant>[] {
  return [
    {
      header: 'Grant',
      cell: (grant) => (
        <div>
          <Link className="cell-title" to={`/grants/${grant.id}`}>
            {isProjectShown ? grant.project.name : `From ${grant.program.name}`}
          </Link>
          <span className="cell-sub">
            {isProjectShown ? `${grant.program.name} · ` : ''}from request #{grant.request.number}
          </span>
        </div>
      ),
    },
    { header: 'State', cell: (grant) => <GrantStateBadge state={grant.state} /> },
    { header: 'Monthly credit', cell: (grant) => formatCents(grant.monthly_credit_cents, grant.currency), className: 'num' },
    { header: 'Servers', cell: (grant) => `up to ${grant.max_servers}`, className: 'nowrap' },
    {
      header: 'Dates',
      cell: (grant) => (
        <span className="small">
          {formatDay(grant.starts_on)} – {formatDay(grant.last_day)}
          {grant.review_on && !grant.ends_on ? ' (review)' : ''}
          <span className={grant.state === 'expiring' ? 'cell-sub text-warning' : 'cell-sub'}>{daysLeftText(grant)}</span>
        </span>
      ),
    },
  ];
}

const FILTERS = [
  { value: 'active,expiring', label: 'Current' },
  { value: 'expired,revoked', label: 'Ended' },
  { value: '', label: 'All' },
];

export function GrantList() {
  const { client, isStaff } = useSession();
  const [params, setParams] = useSearchParams();
  const raw = params.get('state');
  const state = raw === 'all' ? '' : (raw ?? 'active,expiring');
  const list = usePagedList(`grants:${state}`, (cursor) =>
    unwrap(client.GET('/api/v1/grants', { params: { query: { state: state || undefined, cursor, limit: 25 } } })),
  );
  return (
    <>
      <PageHeader
        title="Grants"
        description={
          isStaff
            ? 'Every grant: what each project may spend and until when.'
            : 'What the programs granted your projects: the monthly credit, the servers and the dates.'
        }
      />
      <div className="toolbar">
        <fieldset className="segmented" aria-label="Which grants">
          {FILTERS.map((filter) => (
            <button
              key={filter.label}
              type="button"
              aria-pressed={state === filter.value}
              onClick={() => setParams(filter.value === 'active,expiring' ? {} : { state: filter.value || 'all' })}
            >
              {filter.label}
            </button>
          ))}
        </fieldset>
      </div>
      <Card isFlush>
        <DataTable
          label="Grants"
          columns={grantColumns({ isProjectShown: true })}
          rows={list.items}
          rowKey={(grant) => grant.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={list.reload}
          hasMore={list.hasMore}
          isLoadingMore={list.isLoadingMore}
          onLoadMore={list.loadMore}
          empty={
            <EmptyState icon="gift" title={state === 'active,expiring' ? 'No current grants' : 'No grants here'}>
              {isStaff
                ? 'Grants appear when reviewers approve requests.'
                : 'When a program approves one of your requests, its grant shows here.'}
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
