import { unwrap } from '@surplus/api-client';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { grantColumns } from '../grants/GrantList.tsx';
import { useProject } from '../projects/ProjectLayout.tsx';
import { requestColumns } from './RequestList.tsx';

/** The project tab "Requests & grants": what the project asked for and what it was granted. */
export function ProjectRequests() {
  const { project } = useProject();
  const { client } = useSession();
  const isOwner = project.my_role === 'owner';
  const grants = usePagedList(`project-grants:${project.id}`, (cursor) =>
    unwrap(client.GET('/api/v1/grants', { params: { query: { project: project.id, cursor, limit: 25 } } })),
  );
  const requests = usePagedList(`project-requests:${project.id}`, (cursor) =>
    unwrap(client.GET('/api/v1/requests', { params: { query: { project: project.id, sort: 'newest', cursor, limit: 25 } } })),
  );
  const requestButton = isOwner ? (
    <ButtonLink to={`/projects/${project.slug}/requests/new`} variant="primary" size="sm">
      <Icon name="plus" size={14} />
      Request resources
    </ButtonLink>
  ) : null;
  return (
    <div className="stack-lg">
      <Card title="Grants" description="Servers and credit the programs granted this project." isFlush>
        <DataTable
          label="Grants"
          columns={grantColumns({ isProjectShown: false })}
          rows={grants.items}
          rowKey={(grant) => grant.id}
          isLoading={grants.isLoading}
          error={grants.error}
          onRetry={grants.reload}
          hasMore={grants.hasMore}
          isLoadingMore={grants.isLoadingMore}
          onLoadMore={grants.loadMore}
          empty={
            <EmptyState icon="gift" title="No grants yet">
              An approved request becomes a grant.
            </EmptyState>
          }
        />
      </Card>
      <Card title="Requests" description="Everything the project asked for, newest first." actions={requestButton} isFlush>
        <DataTable
          label="Requests"
          columns={requestColumns({ isProjectShown: false })}
          rows={requests.items}
          rowKey={(request) => request.id}
          isLoading={requests.isLoading}
          error={requests.error}
          onRetry={requests.reload}
          hasMore={requests.hasMore}
          isLoadingMore={requests.isLoadingMore}
          onLoadMore={requests.loadMore}
          empty={
            <EmptyState icon="inbox" title="No requests yet" actions={requestButton}>
              {isOwner ? 'Ask a program for bare-metal servers for the project.' : 'The project’s owners ask programs for servers.'}
            </EmptyState>
          }
        />
      </Card>
    </div>
  );
}
