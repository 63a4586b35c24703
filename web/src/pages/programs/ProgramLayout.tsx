import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { Outlet, useOutletContext, useParams } from 'react-router';
import { Badge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { formatCents } from '../../components/money.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { RouteTabs } from '../../components/Tabs.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';

export type Program = Schemas['Program'];
export type ProgramContext = {
  program: Program;
  /** Admins and the program's leads change its settings, policy and staff. */
  canManage: boolean;
  setProgram(program: Program): void;
};

export function useProgram(): ProgramContext {
  return useOutletContext<ProgramContext>();
}

export function ProgramLayout() {
  const { program: key = '' } = useParams();
  const { client, isAdmin, user } = useSession();
  const resource = useResource(`program:${key}`, () =>
    unwrap(client.GET('/api/v1/programs/{program}', { params: { path: { program: key } } })),
  );
  const program = resource.data;
  if (resource.isLoading && !program) return <PageLoading label="Loading program…" />;
  if (resource.error instanceof ApiError && resource.error.status === 404)
    return (
      <EmptyState
        icon="layers"
        title="Program not found"
        actions={
          <ButtonLink to="/programs" variant="primary">
            Back to programs
          </ButtonLink>
        }
      />
    );
  if (!program) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;
  const canManage = isAdmin || program.staff.some((member) => member.user.id === user?.id && member.role === 'lead');
  const base = `/programs/${program.slug}`;
  return (
    <>
      <PageHeader
        breadcrumbs={[{ label: 'Programs', to: '/programs' }]}
        title={program.name}
        description={
          <span className="meta-row">
            <span className="mono">{program.slug}</span>
            <span>{formatCents(program.budget_cents_per_year, program.currency)} a year</span>
            {program.is_public ? <Badge tone="blue">Public</Badge> : <Badge>Staff only</Badge>}
            {program.github_repository ? (
              <span>
                <Icon name="github" size={14} />
                {program.github_repository}
              </span>
            ) : null}
          </span>
        }
        actions={
          <ButtonLink to={`/review?program=${program.slug}`} size="sm">
            <Icon name="clipboard" size={14} />
            Review queue
          </ButtonLink>
        }
      />
      <RouteTabs
        label="Program sections"
        tabs={[
          { to: base, label: 'Overview', isEnd: true },
          { to: `${base}/dashboard`, label: 'Dashboard' },
          { to: `${base}/impact`, label: 'Impact' },
          { to: `${base}/policy`, label: 'Policy' },
          { to: `${base}/staff`, label: `Staff (${program.staff.length})` },
          { to: `${base}/webhooks`, label: 'Webhooks' },
        ]}
      />
      <Outlet context={{ program, canManage, setProgram: (next: Program) => resource.setData(() => next) } satisfies ProgramContext} />
    </>
  );
}
