import { ApiError, unwrap } from '@surplus/api-client';
import { Link, useParams } from 'react-router';
import { OsiBadge, RoleBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { ProjectInitial } from '../projects/ProjectList.tsx';

/** A project's public page: only what its owners chose to show, for anyone, signed in or not. */
export function PublicProject() {
  const { slug = '' } = useParams();
  const { client } = useSession();
  const resource = useResource(`public:${slug}`, () =>
    unwrap(client.GET('/api/v1/public/projects/{project}', { params: { path: { project: slug } } })),
  );
  const project = resource.data;

  if (resource.isLoading && !project) return <PageLoading />;
  if (resource.error instanceof ApiError && resource.error.status === 404) {
    return (
      <EmptyState
        icon="globe"
        title="No public page here"
        actions={
          <ButtonLink to="/directory" variant="primary">
            Browse the directory
          </ButtonLink>
        }
      >
        This project does not exist or does not have a public page.
      </EmptyState>
    );
  }
  if (!project) return <ErrorBanner error={resource.error} onRetry={resource.reload} />;

  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li>
            <Link to="/directory">Directory</Link>
          </li>
        </ol>
      </nav>
      <header className="page-header">
        <div className="project-title">
          <ProjectInitial name={project.name} />
          <div>
            <h1>{project.name}</h1>
            <div className="meta-row">
              {project.repository ? (
                <a href={project.repository.url} target="_blank" rel="noreferrer">
                  <Icon name="repo" size={14} />
                  {project.repository.host}/{project.repository.owner}/{project.repository.name}
                </a>
              ) : null}
              {project.license ? (
                <span>
                  <Icon name="scale" size={14} />
                  <span className="mono">{project.license.expression}</span>
                  <OsiBadge isApproved={project.license.is_osi_approved} />
                </span>
              ) : null}
              {project.foundation ? (
                <span>
                  <Icon name="building" size={14} />
                  {project.foundation}
                </span>
              ) : null}
              {project.website ? (
                <a href={project.website} target="_blank" rel="noreferrer">
                  <Icon name="external" size={14} />
                  Website
                </a>
              ) : null}
            </div>
          </div>
        </div>
      </header>
      <div className={project.members ? 'grid-2' : undefined}>
        <Card title="About">
          {project.description_html?.trim() ? (
            <Markdown html={project.description_html} />
          ) : (
            <p className="muted">The project has not shared a description.</p>
          )}
        </Card>
        {project.members ? (
          <Card title="Maintainers" isFlush>
            <ul className="dl" style={{ listStyle: 'none', padding: 16, margin: 0 }}>
              {project.members.map((member) => (
                <li key={`${member.name}:${member.github_login ?? ''}`} className="btn-row">
                  <span className="cell-title">{member.name}</span>
                  {member.github_login ? <span className="muted">@{member.github_login}</span> : null}
                  <RoleBadge role={member.role} />
                </li>
              ))}
            </ul>
          </Card>
        ) : null}
      </div>
    </>
  );
}
