import { ApiError, type Schemas, unwrap } from '@surplus/api-client';
import { Link, Outlet, useOutletContext, useParams } from 'react-router';
import { Badge, OsiBadge, RoleBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { ButtonAnchor, ButtonLink } from '../../components/Button.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { RouteTabs } from '../../components/Tabs.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { ProjectInitial } from './ProjectList.tsx';

export type Project = Schemas['Project'];

export type ProjectContext = {
  project: Project;
  /** Owners and admins manage the project: members, invitations, settings, audit. */
  canManage: boolean;
  setProject(project: Project): void;
  reload(): void;
};

export function useProject(): ProjectContext {
  return useOutletContext<ProjectContext>();
}

/** The project page frame: the header with what identifies the project, and a tab per area. */
export function ProjectLayout() {
  const { project: key = '' } = useParams();
  const { client, isAdmin } = useSession();
  const resource = useResource(`project:${key}`, () =>
    unwrap(client.GET('/api/v1/projects/{project}', { params: { path: { project: key } } })),
  );
  const project = resource.data;

  if (resource.isLoading && !project) return <PageLoading label="Loading project…" />;
  if (resource.error instanceof ApiError && resource.error.status === 404) {
    return (
      <EmptyState
        icon="projects"
        title="Project not found"
        actions={
          <ButtonLink to="/projects" variant="primary">
            Back to projects
          </ButtonLink>
        }
      >
        It does not exist, or you are not a member of it.
      </EmptyState>
    );
  }
  if (!project) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;

  const canManage = project.my_role === 'owner' || isAdmin;
  const base = `/projects/${key}`;
  const context: ProjectContext = { project, canManage, setProject: (next) => resource.setData(() => next), reload: resource.reload };
  return (
    <>
      <header className="page-header">
        <div>
          <nav className="breadcrumbs" aria-label="Breadcrumb">
            <ol>
              <li>
                <Link to="/projects">Projects</Link>
              </li>
            </ol>
          </nav>
          <div className="project-title">
            <ProjectInitial name={project.name} />
            <div>
              <h1>{project.name}</h1>
              <div className="meta-row">
                <a href={project.repository.url} target="_blank" rel="noreferrer">
                  <Icon name="repo" size={14} />
                  {project.repository.host}/{project.repository.owner}/{project.repository.name}
                </a>
                <span>
                  <Icon name="scale" size={14} />
                  <span className="mono">{project.license.expression}</span>
                  <OsiBadge isApproved={project.license.is_osi_approved} />
                </span>
                {project.foundation ? (
                  <span>
                    <Icon name="building" size={14} />
                    {project.foundation}
                  </span>
                ) : null}
                {project.is_public ? <Badge tone="blue">Public page</Badge> : <Badge>Private</Badge>}
                {project.my_role ? <RoleBadge role={project.my_role} /> : null}
              </div>
            </div>
          </div>
        </div>
        <div className="page-header-actions">
          {project.my_role === 'owner' ? (
            <ButtonLink to={`/projects/${project.slug}/requests/new`} size="sm" variant="primary">
              <Icon name="plus" size={14} />
              Request resources
            </ButtonLink>
          ) : null}
          {project.is_public ? (
            <ButtonAnchor href={`/p/${project.slug}`} size="sm">
              <Icon name="globe" size={14} />
              Public page
            </ButtonAnchor>
          ) : null}
          {project.website ? (
            <ButtonAnchor href={project.website} target="_blank" rel="noreferrer" size="sm">
              <Icon name="external" size={14} />
              Website
            </ButtonAnchor>
          ) : null}
        </div>
      </header>
      <RouteTabs
        label="Project sections"
        tabs={[
          { to: base, label: 'Overview', isEnd: true },
          { to: `${base}/requests`, label: 'Requests & grants' },
          { to: `${base}/servers`, label: 'Servers' },
          { to: `${base}/usage`, label: 'Usage' },
          { to: `${base}/stories`, label: 'Stories' },
          { to: `${base}/members`, label: `Members (${project.member_count})` },
          ...(canManage
            ? [
                { to: `${base}/invitations`, label: 'Invitations' },
                { to: `${base}/settings`, label: 'Settings' },
                { to: `${base}/audit`, label: 'Audit' },
              ]
            : []),
        ]}
      />
      <Outlet context={context} />
    </>
  );
}
