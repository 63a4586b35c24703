import { unwrap } from '@surplus/api-client';
import { Link } from 'react-router';
import { OsiBadge } from '../../components/Badge.tsx';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { Markdown } from '../../components/Markdown.tsx';
import { Time } from '../../components/Time.tsx';
import { formatDay } from '../../components/time.ts';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';
import { ProjectInitial } from '../projects/ProjectList.tsx';

function SupportedProjects() {
  const { client } = useSession();
  const list = usePagedList('directory:supported', (cursor) =>
    unwrap(client.GET('/api/v1/public/directory', { params: { query: { cursor, limit: 30 } } })),
  );
  return (
    <section aria-labelledby="supported-title" className="directory-section">
      <h2 id="supported-title">Supported projects</h2>
      <p className="muted">Projects the programs support today, listed by their maintainers.</p>
      {list.isLoading ? <PageLoading label="Loading supported projects…" /> : null}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {!list.isLoading && !list.error && list.items.length === 0 ? (
        <EmptyState icon="gift" title="No supported projects listed yet">
          Maintainers of supported projects choose whether they appear here.
        </EmptyState>
      ) : null}
      <ul className="directory-grid plain-grid">
        {list.items.map((entry) => (
          <li key={entry.slug} className="directory-card directory-card-static">
            <div className="project-title">
              <ProjectInitial name={entry.name} />
              <div>
                <div className="cell-title">{entry.name}</div>
                <a className="small" href={entry.repository.url} target="_blank" rel="noreferrer">
                  <Icon name="repo" size={12} /> {entry.repository.owner}/{entry.repository.name}
                </a>
              </div>
            </div>
            <div className="badges">
              <span className="mono small">{entry.license.expression}</span>
              <OsiBadge isApproved={entry.license.is_osi_approved} />
            </div>
            <ul className="supported-by">
              {entry.programs.map((program) => (
                <li key={program.slug}>
                  <Icon name="gift" size={12} /> Supported by <strong>{program.name}</strong> since {formatDay(program.since)}
                </li>
              ))}
            </ul>
            {entry.stories[0] ? (
              <div className="small">
                <Icon name="pen" size={12} /> <a href={`#story-${entry.stories[0].id}`}>{entry.stories[0].title}</a>
              </div>
            ) : null}
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
    </section>
  );
}

function Stories() {
  const { client } = useSession();
  const list = usePagedList('directory:stories', (cursor) =>
    unwrap(client.GET('/api/v1/public/stories', { params: { query: { cursor, limit: 10 } } })),
  );
  if (!list.isLoading && !list.error && list.items.length === 0) return null;
  return (
    <section aria-labelledby="stories-title" className="directory-section">
      <h2 id="stories-title">Impact stories</h2>
      <p className="muted">What the servers made possible, in the maintainers’ words.</p>
      <ErrorBanner error={list.error} onRetry={list.reload} />
      <div className="stack-lg">
        {list.items.map((story) => (
          <article key={story.id} id={`story-${story.id}`} className="card public-story" aria-labelledby={`story-title-${story.id}`}>
            <div className="card-body">
              <h3 id={`story-title-${story.id}`}>{story.title}</h3>
              <div className="small muted">
                {story.project.name}
                {story.program ? ` · ${story.program.name}` : ''} · <Time iso={story.published_at} format="date" />
              </div>
              <Markdown html={story.body_html} />
            </div>
          </article>
        ))}
      </div>
      {list.hasMore ? (
        <div className="list-footer" style={{ borderTop: 0 }}>
          <Button onClick={list.loadMore} isLoading={list.isLoadingMore}>
            More stories
          </Button>
        </div>
      ) : null}
    </section>
  );
}

function PublicPages() {
  const { client } = useSession();
  const list = usePagedList('directory', (cursor) =>
    unwrap(client.GET('/api/v1/public/projects', { params: { query: { cursor, limit: 30 } } })),
  );
  return (
    <section aria-labelledby="pages-title" className="directory-section">
      <h2 id="pages-title">Project pages</h2>
      <p className="muted">Projects in the partner program that share a public page.</p>
      {list.isLoading ? <PageLoading label="Loading projects…" /> : null}
      <ErrorBanner error={list.error} onRetry={list.reload} />
      {!list.isLoading && !list.error && list.items.length === 0 ? (
        <EmptyState icon="globe" title="No public projects yet">
          Project owners choose whether their project has a public page.
        </EmptyState>
      ) : null}
      <ul className="directory-grid plain-grid">
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
    </section>
  );
}

/** The public directory: supported projects, their impact stories, and every public project page; no sign-in needed. */
export function Directory() {
  return (
    <>
      <div className="hero">
        <h1>Open source projects</h1>
        <p>The open source projects our partner program runs on bare metal, and what they did with it.</p>
      </div>
      <SupportedProjects />
      <Stories />
      <PublicPages />
    </>
  );
}
