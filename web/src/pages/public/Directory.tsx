import { unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { OsiBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { ProjectInitial } from '../projects/ProjectList.tsx';

/** The public directory: projects that chose to have a public page; no sign-in needed. */
export function Directory() {
  const { client } = useSession();
  const list = usePagedList('directory', (cursor) =>
    unwrap(client.GET('/api/v1/public/projects', { params: { query: { cursor, limit: 30 } } })),
  );
  return (
    <>
      <div className="hero">
        <h1>Open source projects</h1>
        <p>Projects in the partner program that share a public page.</p>
      </div>
      {list.isLoading ? <PageLoading label="Loading projects…" /> : null}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {!list.isLoading && !list.error && list.items.length === 0 ? (
        <EmptyState icon="globe" title="No public projects yet">
          Project owners choose whether their project has a public page.
        </EmptyState>
      ) : null}
      <ul className="directory-grid" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {list.items.map((project) => (
          <li key={project.slug}>
            <Link className="directory-card" to={`/p/${project.slug}`}>
              <div className="project-title">
                <ProjectInitial name={project.name} />
                <div>
                  <div className="cell-title">{project.name}</div>
                  {project.foundation ? <div className="small muted">{project.foundation}</div> : null}
                </div>
              </div>
              {project.repository ? (
                <div className="small muted">
                  <Icon name="repo" size={12} /> {project.repository.host}/{project.repository.owner}/{project.repository.name}
                </div>
              ) : null}
              {project.license ? (
                <div className="badges">
                  <span className="mono small">{project.license.expression}</span>
                  <OsiBadge isApproved={project.license.is_osi_approved} />
                </div>
              ) : null}
            </Link>
          </li>
        ))}
      </ul>
      {list.hasMore ? (
        <div className="list-footer" style={{ borderTop: 0 }}>
          <Button onClick={list.loadMore} isLoading={list.isLoadingMore}>
            Load more
          </Button>
        </div>
      ) : null}
    </>
  );
}
