import { unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { CoverageBadge, compact, ProjectName, Terms, type UpstreamProject } from './parts.tsx';

const FILTERS = [
  { value: '', label: 'All' },
  { value: 'registered,unsupported', label: 'Not supported' },
  { value: 'supported', label: 'Supported' },
];
const PAGE = 100;

/** Every upstream project of the products' newest uploads, ranked across the portfolio. */
export function UpstreamProjects() {
  const { client } = useSession();
  const [params, setParams] = useSearchParams();
  const coverage = params.get('coverage') ?? '';
  const q = params.get('q') ?? '';
  const product = params.get('product') ?? '';
  const [search, setSearch] = useState(q);
  const [limit, setLimit] = useState(PAGE);
  const list = useResource(`insight:projects:${coverage}:${q}:${product}:${limit}`, () =>
    unwrap(
      client.GET('/api/v1/insight/projects', {
        params: { query: { coverage: coverage || undefined, q: q || undefined, product: product || undefined, limit } },
      }),
    ),
  );
  const update = (next: { coverage?: string; q?: string; product?: string }) => {
    const merged = { coverage, q, product, ...next };
    setLimit(PAGE);
    setParams(Object.fromEntries(Object.entries(merged).filter(([, value]) => value)));
  };

  const columns: Column<UpstreamProject>[] = [
    { header: 'Rank', cell: (p) => p.rank, className: 'num' },
    {
      header: 'Upstream project',
      cell: (p) => (
        <div>
          <ProjectName project={p} />
          <Terms project={p} />
        </div>
      ),
    },
    {
      header: 'Products',
      cell: (p) => <span title={p.products.map((product) => product.name).join(', ')}>{p.products.length}</span>,
      className: 'num',
    },
    { header: 'Packages', cell: (p) => p.packages, className: 'num' },
    { header: 'Depth', cell: (p) => p.min_depth, className: 'num' },
    { header: 'Paths', cell: (p) => compact(p.paths), className: 'num' },
    { header: 'Score', cell: (p) => `${p.score.toFixed(2)}${p.dev_only ? ' dev' : ''}`, className: 'num' },
    { header: 'Coverage', cell: (p) => <CoverageBadge coverage={p.coverage} /> },
  ];

  return (
    <>
      <div className="toolbar">
        <fieldset className="segmented" aria-label="Coverage">
          {FILTERS.map((filter) => (
            <button
              key={filter.label}
              type="button"
              aria-pressed={coverage === filter.value}
              onClick={() => update({ coverage: filter.value })}
            >
              {filter.label}
            </button>
          ))}
        </fieldset>
        <form
          className="search"
          onSubmit={(event) => {
            event.preventDefault();
            update({ q: search.trim() });
          }}
        >
          <Icon name="search" />
          <input
            className="input"
            type="search"
            aria-label="Search upstream projects"
            placeholder="Repository or package"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </form>
      </div>
      <Card
        isFlush
        title={
          list.data
            ? `${list.data.total.toLocaleString('en-US')} upstream projects${product ? ` of ${list.data.items[0]?.products.find((p) => p.slug === product)?.name ?? product}` : ''}`
            : 'Upstream projects'
        }
        actions={
          product ? (
            <Button size="sm" variant="ghost" onClick={() => update({ product: '' })}>
              <Icon name="x" size={14} />
              All products
            </Button>
          ) : undefined
        }
        description="score = (usage + proximity + breadth + reach + signals) × dev factor; each term is shown under the name."
      >
        <DataTable
          label="Upstream projects"
          columns={columns}
          rows={list.data?.items ?? []}
          rowKey={(p) => p.id}
          isLoading={list.isLoading && !list.data}
          error={list.error}
          onRetry={list.reload}
          hasMore={(list.data?.total ?? 0) > (list.data?.items.length ?? 0)}
          isLoadingMore={list.isLoading && list.data !== undefined}
          onLoadMore={() => setLimit((current) => Math.min(1000, current + PAGE * 2))}
          empty={
            <EmptyState icon="link" title={q || coverage || product ? 'No upstream project matches' : 'No uploads yet'}>
              {q || coverage || product ? 'Try another filter.' : 'Upload a lock file or SBOM for a product to see what it depends on.'}
            </EmptyState>
          }
        />
      </Card>
    </>
  );
}
