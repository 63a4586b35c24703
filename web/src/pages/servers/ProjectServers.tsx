import { unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Switch } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { Time } from '../../components/Time.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { usePoll } from '../../hooks/use-poll.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { useProject } from '../projects/ProjectLayout.tsx';
import { GrantLimits, useLiveGrants } from './grant-limits.tsx';
import { isTransitional, type Server, ServerProgress, ServerStateBadge } from './server-states.tsx';

/** The server table's columns; `osName` turns a catalog slug into the name people know. */
export function serverColumns(osName: (slug: string) => string): Column<Server>[] {
  return [
    {
      header: 'Server',
      cell: (server) => (
        <div>
          <Link className="cell-title" to={`/servers/${server.id}`}>
            {server.hostname}
          </Link>
          <span className="cell-sub">{osName(server.operating_system)}</span>
        </div>
      ),
    },
    {
      header: 'State',
      cell: (server) => (
        <div className="stack" style={{ gap: 4 }}>
          <span>
            <ServerStateBadge state={server.state} />
          </span>
          <ServerProgress server={server} isCompact />
          {server.state === 'failed' && server.state_reason ? <span className="cell-sub text-danger">{server.state_reason}</span> : null}
        </div>
      ),
    },
    { header: 'Plan', cell: (server) => <span className="mono">{server.plan}</span> },
    { header: 'Metro', cell: (server) => server.metro },
    {
      header: 'Access',
      cell: (server) => (server.ssh ? <span className="mono small">{server.ssh.command}</span> : <span className="muted">—</span>),
    },
    { header: 'Created', cell: (server) => <Time iso={server.created_at} /> },
  ];
}

const PAGE_SIZE = 50;

/** The project tab "Servers": what runs on the project's grant, and the way to start more. */
export function ProjectServers() {
  const { project } = useProject();
  const { client } = useSession();
  const [isDeletedShown, setIsDeletedShown] = useState(false);
  const grants = useLiveGrants(project.id);
  const catalog = useResource('catalog', () => unwrap(client.GET('/api/v1/catalog')));
  const osName = (slug: string) => catalog.data?.operating_systems.find((os) => os.slug === slug)?.name ?? slug;
  const include_deleted = isDeletedShown ? 'true' : 'false';
  const servers = usePagedList(`servers:${project.id}:${isDeletedShown}`, (cursor) =>
    unwrap(client.GET('/api/v1/servers', { params: { query: { project: project.id, include_deleted, cursor, limit: PAGE_SIZE } } })),
  );
  const items = servers.items;
  // While a server changes state, the pages shown so far are read again (newest first, as many rows).
  usePoll(
    items.some((server) => isTransitional(server.state)),
    async () => {
      const list = await unwrap(
        client.GET('/api/v1/servers', {
          params: { query: { project: project.id, include_deleted, limit: Math.min(Math.max(items.length, PAGE_SIZE), 200) } },
        }),
      );
      servers.setItems(() => list.items);
      // The grant's count of servers in use moves with them.
      grants.reload();
    },
  );

  if (grants.isLoading && !grants.data) return <PageLoading label="Loading servers…" />;
  const grant = grants.data?.[0];
  // Counted by the API over all of the project's servers, not over the pages loaded here.
  const live = grant?.servers_in_use ?? 0;
  const isOwner = project.my_role === 'owner';

  if (!grant && items.length === 0 && !servers.isLoading) {
    return (
      <>
        <ErrorBanner error={grants.error} onRetry={grants.reload} />
        <Card>
          <EmptyState
            icon="server"
            title="No grant, no servers yet"
            actions={
              isOwner ? (
                <ButtonLink to={`/projects/${project.slug}/requests/new`} variant="primary">
                  <Icon name="plus" size={14} />
                  Request resources
                </ButtonLink>
              ) : null
            }
          >
            Servers run on a grant: an owner asks a program for servers with a request (which plans, how many, where, for what), the
            program’s reviewers decide, and an approved request becomes a grant. Then members create servers here.
            {isOwner ? '' : ' Ask one of the project’s owners to request resources.'}
          </EmptyState>
        </Card>
      </>
    );
  }

  const isFull = grant ? live >= grant.max_servers : true;
  return (
    <div className="grid-2">
      <Card
        title="Servers"
        description="Bare-metal servers of this project. Each one is a whole machine; delete it when you are done so it returns to the pool."
        isFlush
        actions={
          grant && !isFull ? (
            <ButtonLink to={`/projects/${project.slug}/servers/new`} variant="primary" size="sm">
              <Icon name="plus" size={14} />
              New server
            </ButtonLink>
          ) : null
        }
      >
        <div className="card-body" style={{ paddingTop: 12, paddingBottom: 12 }}>
          <Switch label="Show deleted servers" checked={isDeletedShown} onChange={(event) => setIsDeletedShown(event.target.checked)} />
        </div>
        <DataTable
          label="Servers"
          columns={serverColumns(osName)}
          rows={items}
          rowKey={(server) => server.id}
          isLoading={servers.isLoading}
          error={servers.error}
          onRetry={servers.reload}
          hasMore={servers.hasMore}
          isLoadingMore={servers.isLoadingMore}
          onLoadMore={servers.loadMore}
          empty={
            <EmptyState
              icon="server"
              title="No servers yet"
              actions={
                grant ? (
                  <ButtonLink to={`/projects/${project.slug}/servers/new`} variant="primary">
                    Create a server
                  </ButtonLink>
                ) : null
              }
            >
              {grant ? 'The grant allows servers; create one and it is ready in minutes.' : 'The project has no current grant.'}
            </EmptyState>
          }
        />
      </Card>
      <div className="stack-lg">
        {grant ? (
          <Card title="Grant" description={`From ${grant.program.name}.`}>
            <GrantLimits grant={grant} />
            {isFull ? (
              <p className="small text-warning">All the servers the grant allows are in use: delete one to create another.</p>
            ) : null}
          </Card>
        ) : (
          <Card title="Grant">
            <p className="muted">
              The project has no current grant, so no new servers.{' '}
              {isOwner ? (
                <Link to={`/projects/${project.slug}/requests/new`}>Request resources</Link>
              ) : (
                'Ask an owner to request resources.'
              )}
            </p>
          </Card>
        )}
      </div>
    </div>
  );
}
