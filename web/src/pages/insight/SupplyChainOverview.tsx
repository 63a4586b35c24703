import { unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button, ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Skeleton } from '../../components/Loading.tsx';
import { relativeTime } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { InviteDialog } from './InviteDialog.tsx';
import { CoverageBadge, CoverageChart, CoverageStats, ProjectName, Terms, type UpstreamProject } from './parts.tsx';

export function SupplyChainOverview() {
  const { client } = useSession();
  const coverage = useResource('insight:coverage', () => unwrap(client.GET('/api/v1/insight/coverage')));
  const critical = useResource('insight:critical', () =>
    unwrap(client.GET('/api/v1/insight/critical-unsupported', { params: { query: { limit: 15 } } })),
  );
  const [inviting, setInviting] = useState<UpstreamProject | null>(null);

  const columns: Column<UpstreamProject>[] = [
    { header: '#', cell: (p) => p.rank, className: 'num' },
    {
      header: 'Upstream project',
      cell: (p) => (
        <div>
          <ProjectName project={p} />
          <Terms project={p} />
        </div>
      ),
    },
    { header: 'Products', cell: (p) => p.products.length, className: 'num' },
    { header: 'Score', cell: (p) => p.score.toFixed(2), className: 'num' },
    { header: 'Coverage', cell: (p) => <CoverageBadge coverage={p.coverage} /> },
    {
      header: 'Invite',
      isHeaderHidden: true,
      cell: (p) => (
        <div className="btn-row">
          {p.last_invitation ? <span className="small muted">invited {relativeTime(p.last_invitation.created_at)}</span> : null}
          <Button size="sm" onClick={() => setInviting(p)}>
            Invite
          </Button>
        </div>
      ),
    },
  ];

  const isEmpty = coverage.data?.current.products === 0;
  return (
    <>
      <ErrorBanner error={coverage.error} onRetry={coverage.reload} />
      {isEmpty ? (
        <Card>
          <EmptyState
            icon="link"
            title="No dependency files yet"
            actions={
              <ButtonLink variant="primary" to="/supply-chain/products">
                Add a product
              </ButtonLink>
            }
          >
            Upload a lock file or SBOM for each of your products to see which open source they depend on.
          </EmptyState>
        </Card>
      ) : (
        <>
          <Card title="Coverage">{coverage.data ? <CoverageStats summary={coverage.data.current} /> : <Skeleton height={60} />}</Card>
          <Card title="Coverage over time" description="At every upload, every start or end of a grant of a matched project, and now.">
            {coverage.data ? <CoverageChart history={coverage.data.history} /> : <Skeleton height={200} />}
          </Card>
          <Card
            title="Critical but unsupported"
            description={critical.data?.rule ?? 'The highest-ranked upstream projects no grant supports.'}
            actions={
              <Link className="small" to="/supply-chain/projects?coverage=registered,unsupported">
                All unsupported
              </Link>
            }
            isFlush
          >
            <DataTable
              label="Critical but unsupported"
              columns={columns}
              rows={critical.data?.items ?? []}
              rowKey={(p) => p.id}
              isLoading={critical.isLoading && !critical.data}
              error={critical.error}
              onRetry={critical.reload}
              empty={
                <EmptyState icon="check" title="Nothing critical is unsupported">
                  Every highly ranked upstream project with a known repository has a running grant.
                </EmptyState>
              }
            />
          </Card>
        </>
      )}
      <InviteDialog project={inviting} onClose={() => setInviting(null)} onInvited={critical.reload} />
    </>
  );
}
