import { type Schemas, unwrap } from '@surplus/api-client';
import { Link, useSearchParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatCents } from '../../components/money.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { purposeLabel } from './labels.ts';
import { RequestStateBadge, SourceBadge } from './RequestBadges.tsx';

type Request = Schemas['Request'];

export function requestColumns({ isProjectShown }: { isProjectShown: boolean }): Column<Request>[] {
  return [
    {
      header: 'Request',
      cell: (request) => (
        <div>
          <Link className="cell-title" to={`/requests/${request.id}`}>
            <span className="muted">#{request.number}</span> {request.title}
          </Link>
          <span className="cell-sub">
            {[
              isProjectShown ? (request.project?.name ?? (request.github_author ? `@${request.github_author}` : 'no project')) : null,
              request.purpose ? purposeLabel(request.purpose) : null,
              request.kind === 'extension' ? 'extension' : null,
            ]
              .filter(Boolean)
              .join(' · ')}
          </span>
        </div>
      ),
    },
    { header: 'Program', cell: (request) => request.program.name },
    {
      header: 'State',
      cell: (request) => (
        <span className="badges">
          <RequestStateBadge state={request.state} />
          {request.source === 'github' ? <SourceBadge request={request} /> : null}
        </span>
      ),
    },
    { header: 'Estimate', cell: (request) => `${formatCents(request.monthly_estimate_cents)}/mo`, className: 'num' },
    {
      header: 'Updated',
      cell: (request) =>
        request.decided_at ? (
          <span className="small">
            decided <Time iso={request.decided_at} />
          </span>
        ) : request.submitted_at ? (
          <span className="small">
            submitted <Time iso={request.submitted_at} />
            {request.is_overdue ? (
              <>
                {' '}
                <Badge tone="red">Overdue</Badge>
              </>
            ) : null}
          </span>
        ) : (
          <span className="small muted">
            created <Time iso={request.created_at} />
          </span>
        ),
    },
  ];
}

const FILTERS = [
  { value: '', label: 'All' },
  { value: 'draft,needs_info,submitted,in_review,changes_requested', label: 'Open' },
  { value: 'approved', label: 'Approved' },
  { value: 'declined,withdrawn', label: 'Closed' },
];

/** Requests of the projects you belong to (staff: every request), newest activity first. */
export function RequestList() {
  const { client, isStaff } = useSession();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const list = usePagedList(`requests:${state}`, (cursor) =>
    unwrap(client.GET('/api/v1/requests', { params: { query: { state: state || undefined, sort: 'newest', cursor, limit: 25 } } })),
  );
  return (
    <>
      <PageHeader
        title="Requests"
        description={
          isStaff
            ? 'Every request to every program. The review queue shows the ones waiting for a decision.'
            : 'What your projects asked the programs for, and where each request stands.'
        }
        actions={
          <ButtonLink to="/requests/new" variant="primary">
            <Icon name="plus" />
            New request
          </ButtonLink>
        }
      />
      <div className="toolbar">
        <fieldset className="segmented" aria-label="Which requests">
          {FILTERS.map((filter) => (
            <button
              key={filter.label}
              type="button"
              aria-pressed={state === filter.value}
              onClick={() =>
                setParams((current) => {
                  const next = new URLSearchParams(current);
                  if (filter.value) next.set('state', filter.value);
                  else next.delete('state');
                  return next;
                })
              }
            >
              {filter.label}
            </button>
          ))}
        </fieldset>
      </div>
      <Card isFlush>
        <DataTable
          label="Requests"
          columns={requestColumns({ isProjectShown: true })}
          rows={list.items}
          rowKey={(request) => request.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={list.reload}
          hasMore={list.hasMore}
          isLoadingMore={list.isLoadingMore}
          onLoadMore={list.loadMore}
          empty={
            state ? (
              <EmptyState icon="inbox" title="No requests here" />
            ) : (
              <EmptyState
                icon="inbox"
                title="No requests yet"
                actions={
                  <ButtonLink to="/requests/new" variant="primary">
                    Request resources
                  </ButtonLink>
                }
              >
                Ask a program for bare-metal servers for a project you own.
              </EmptyState>
            )
          }
        />
      </Card>
    </>
  );
}
