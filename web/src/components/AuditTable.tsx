import type { Schemas } from '@surplus/api-client';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { PagedList } from '../hooks/use-paged-list.ts';
import { summarize } from './audit-summary.ts';
import { Badge, type BadgeTone } from './Badge.tsx';
import { type Column, DataTable } from './DataTable.tsx';
import { EmptyState } from './EmptyState.tsx';
import { Time } from './Time.tsx';

type AuditEvent = Schemas['AuditEvent'];

const DOMAIN_TONES: Record<string, BadgeTone> = {
  project: 'green',
  member: 'purple',
  invitation: 'blue',
  ssh_key: 'yellow',
  token: 'yellow',
  user: 'gray',
  settings: 'red',
};

function Summary({ event }: { event: AuditEvent }) {
  const entries = summarize(event.summary);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="summary">
      {entries.map((entry) => (
        <span key={entry.key}>
          <span className="summary-key">{entry.key}:</span> {entry.value}
        </span>
      ))}
    </span>
  );
}

/** The audit log as a table, for the admin page and a project's audit tab. */
export function AuditTable({
  list,
  isProjectShown,
  empty,
  onActorClick,
}: {
  list: PagedList<AuditEvent>;
  isProjectShown: boolean;
  empty?: ReactNode;
  onActorClick?: (event: AuditEvent) => void;
}) {
  const columns: Column<AuditEvent>[] = [
    { header: 'When (UTC)', cell: (event) => <Time iso={event.occurred_at} format="log" /> },
    {
      header: 'Actor',
      cell: (event) =>
        onActorClick && event.actor.user_id ? (
          <button type="button" className="link-button" onClick={() => onActorClick(event)} title="Show only this actor’s events">
            {event.actor.label}
          </button>
        ) : (
          <span>{event.actor.label}</span>
        ),
    },
    {
      header: 'Action',
      cell: (event) => (
        <Badge tone={DOMAIN_TONES[event.action.split('.')[0] ?? ''] ?? 'gray'}>
          <span className="action-name">{event.action}</span>
        </Badge>
      ),
    },
    {
      header: 'Target',
      cell: (event) => (
        <span>
          {event.target.type}
          {event.target.id ? (
            <span className="cell-sub mono" title={event.target.id}>
              {isProjectShown && event.target.type === 'project' && event.project_id === event.target.id ? (
                <Link to={`/projects/${event.project_id}`}>{event.target.id.slice(0, 8)}</Link>
              ) : (
                event.target.id.slice(0, 8)
              )}
            </span>
          ) : null}
          {isProjectShown && event.project_id && event.target.id !== event.project_id ? (
            <span className="cell-sub">
              in <Link to={`/projects/${event.project_id}`}>project {event.project_id.slice(0, 8)}</Link>
            </span>
          ) : null}
        </span>
      ),
    },
    { header: 'Summary', cell: (event) => <Summary event={event} /> },
    {
      header: 'Request',
      cell: (event) =>
        event.request_id ? (
          <span className="mono small muted" title={event.request_id}>
            {event.request_id.slice(0, 8)}
          </span>
        ) : (
          '—'
        ),
    },
  ];
  return (
    <DataTable
      label="Audit events"
      columns={columns}
      rows={list.items}
      rowKey={(event) => event.id}
      isLoading={list.isLoading}
      error={list.error}
      onRetry={list.reload}
      hasMore={list.hasMore}
      isLoadingMore={list.isLoadingMore}
      onLoadMore={list.loadMore}
      empty={empty ?? <EmptyState icon="log" title="No events" />}
    />
  );
}
