import { type Schemas, unwrap } from '@surplus/api-client';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { OsiBadge, RoleBadge } from '../../components/Badge.tsx';
import { ButtonLink } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { Time } from '../../components/Time.tsx';
import { usePagedList } from '../../hooks/use-paged-list.ts';
import { useSession } from '../../session.tsx';

type Project = Schemas['Project'];
const PAGE_SIZE = 25;
const SEARCH_DELAY_MS = 250;

export function ProjectInitial({ name }: { name: string }) {
  return (
    <span className="project-icon" aria-hidden="true">
      {name.trim().charAt(0).toUpperCase() || '?'}
    </span>
  );
}

export function ProjectList() {
  const { client, isStaff } = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const scope = isStaff && params.get('scope') === 'all' ? 'all' : 'mine';
  const [search, setSearch] = useState(q);

  // Typing updates the URL (and so the query) after a short pause rather than on every key.
  useEffect(() => {
    if (search === q) return;
    const timer = setTimeout(() => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (search) next.set('q', search);
          else next.delete('q');
          return next;
        },
        { replace: true },
      );
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, q, setParams]);

  const list = usePagedList(`projects:${scope}:${q}`, (cursor) =>
    unwrap(client.GET('/api/v1/projects', { params: { query: { scope, q: q || undefined, cursor, limit: PAGE_SIZE } } })),
  );

  const setScope = (next: 'mine' | 'all') =>
    setParams((current) => {
      const updated = new URLSearchParams(current);
      if (next === 'all') updated.set('scope', 'all');
      else updated.delete('scope');
      return updated;
    });

  const columns: Column<Project>[] = [
    {
      header: 'Project',
      cell: (project) => (
        <div className="project-title">
          <ProjectInitial name={project.name} />
          <div>
            <Link className="cell-title" to={`/projects/${project.slug}`}>
              {project.name}
            </Link>
            <span className="cell-sub mono">{project.slug}</span>
          </div>
        </div>
      ),
    },
    {
      header: 'Repository',
      cell: (project) => (
        <a href={project.repository.url} target="_blank" rel="noreferrer">
          {project.repository.host}/{project.repository.owner}/{project.repository.name}
        </a>
      ),
    },
    {
      header: 'Licence',
      cell: (project) => (
        <span className="badges">
          <span className="mono">{project.license.expression}</span>
          <OsiBadge isApproved={project.license.is_osi_approved} />
        </span>
      ),
    },
    {
      header: 'Your role',
      cell: (project) => (project.my_role ? <RoleBadge role={project.my_role} /> : <span className="muted">staff</span>),
    },
    { header: 'Members', cell: (project) => project.member_count, className: 'nowrap' },
    { header: 'Created', cell: (project) => <Time iso={project.created_at} /> },
  ];

  const empty = q ? (
    <EmptyState icon="search" title={`No projects match “${q}”`}>
      Search looks at names, slugs and repositories.
    </EmptyState>
  ) : scope === 'all' ? (
    <EmptyState icon="projects" title="No projects registered yet" />
  ) : (
    <EmptyState
      icon="projects"
      title="You have no projects yet"
      actions={
        <ButtonLink to="/projects/new" variant="primary">
          Register a project
        </ButtonLink>
      }
    >
      Register the open source project you maintain, or ask its owners to invite you.
    </EmptyState>
  );

  return (
    <>
      <PageHeader
        title="Projects"
        description={scope === 'all' ? 'Every project registered on Surplus.' : 'Open source projects you own or belong to.'}
        actions={
          <ButtonLink to="/projects/new" variant="primary">
            <Icon name="plus" />
            New project
          </ButtonLink>
        }
      />
      <div className="toolbar">
        <div className="search">
          <Icon name="search" />
          <input
            className="input"
            type="search"
            aria-label="Search projects"
            placeholder="Search by name, slug or repository"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        {isStaff ? (
          <fieldset className="segmented" aria-label="Which projects">
            <button type="button" aria-pressed={scope === 'mine'} onClick={() => setScope('mine')}>
              My projects
            </button>
            <button type="button" aria-pressed={scope === 'all'} onClick={() => setScope('all')}>
              All projects
            </button>
          </fieldset>
        ) : null}
      </div>
      <Card isFlush>
        <DataTable
          label="Projects"
          columns={columns}
          rows={list.items}
          rowKey={(project) => project.id}
          isLoading={list.isLoading}
          error={list.error}
          onRetry={list.reload}
          hasMore={list.hasMore}
          isLoadingMore={list.isLoadingMore}
          onLoadMore={list.loadMore}
          empty={empty}
        />
      </Card>
    </>
  );
}
