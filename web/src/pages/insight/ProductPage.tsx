import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { Icon } from '../../components/Icon.tsx';
import { PageLoading } from '../../components/Loading.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useToast } from '../../components/Toast.tsx';
import { absoluteTime, relativeTime } from '../../components/time.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { CoverageBadge, DepthHistogram, ProjectName, Stat, Terms, type UpstreamProject } from './parts.tsx';
import { UploadPanel } from './UploadPanel.tsx';
import { formatBytes } from './upload.ts';

type Upload = Schemas['Upload'];

/** One product: upload its dependency file, see what it depends on and why, and its upload history. */
export function ProductPage() {
  const { product: key = '' } = useParams();
  const { client } = useSession();
  const toast = useToast();
  const navigate = useNavigate();
  const path = { params: { path: { product: key } } };
  const view = useResource(`insight:product:${key}`, async () => {
    const [projects, uploads] = await Promise.all([
      unwrap(client.GET('/api/v1/products/{product}/projects', path)),
      unwrap(client.GET('/api/v1/products/{product}/uploads', path)),
    ]);
    return { ...projects, uploads: uploads.items };
  });
  const [why, setWhy] = useState('');

  if (view.isLoading && !view.data) return <PageLoading />;
  if (!view.data) return <ErrorBanner error={view.error} onRetry={view.reload} />;
  const { product, items, uploads } = view.data;
  const latest = product.latest_upload;

  const projectColumns: Column<UpstreamProject>[] = [
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
    { header: 'Packages', cell: (p) => p.packages, className: 'num' },
    { header: 'Depth', cell: (p) => p.min_depth, className: 'num' },
    { header: 'Score', cell: (p) => p.score.toFixed(2), className: 'num' },
    { header: 'Coverage', cell: (p) => <CoverageBadge coverage={p.coverage} /> },
  ];
  const uploadColumns: Column<Upload>[] = [
    {
      header: 'Uploaded',
      cell: (u) => (
        <span className="small" title={absoluteTime(u.uploaded_at)}>
          {relativeTime(u.uploaded_at)}
          <span className="cell-sub">{u.uploaded_by?.name ?? 'someone since removed'}</span>
        </span>
      ),
    },
    {
      header: 'File',
      cell: (u) => (
        <span className="small">
          <span className="mono">{u.file_name}</span>
          {u.companion_name ? <span className="cell-sub">with {u.companion_name}</span> : null}
        </span>
      ),
    },
    { header: 'Format', cell: (u) => `${u.format}${u.format_version ? ` ${u.format_version}` : ''}` },
    { header: 'Packages', cell: (u) => u.packages.toLocaleString('en-US'), className: 'num' },
    { header: 'Direct', cell: (u) => u.direct ?? 'unknown', className: 'num' },
    { header: 'Size', cell: (u) => formatBytes(u.size_bytes), className: 'num' },
  ];

  return (
    <>
      <PageHeader
        title={product.name}
        description={product.description || undefined}
        breadcrumbs={[
          { label: 'Supply chain', to: '/supply-chain' },
          { label: 'Products', to: '/supply-chain/products' },
        ]}
      />
      <Card
        title="Upload a dependency file"
        description="The newest upload is the product’s current state; earlier ones stay for coverage over time."
      >
        <UploadPanel
          product={product.slug}
          onUploaded={(upload) => {
            toast.success(`${upload.file_name}: ${upload.packages} packages, ${upload.upstream_projects} upstream projects.`);
            view.reload();
          }}
        />
      </Card>
      {latest ? (
        <>
          <Card
            title="Current file"
            description={
              <>
                <span className="mono">{latest.file_name}</span>
                {latest.companion_name ? ` with ${latest.companion_name}` : ''} · {latest.format}
                {latest.format_version ? ` ${latest.format_version}` : ''} · uploaded {relativeTime(latest.uploaded_at)}
              </>
            }
          >
            <div className="stack">
              <div className="sc-stats">
                <Stat label="Packages" value={latest.packages.toLocaleString('en-US')} sub="distinct, the product’s own not counted" />
                <Stat
                  label="Direct"
                  value={latest.direct ?? 'unknown'}
                  sub={latest.direct === null ? 'upload it with its manifest to tell' : 'dev and optional included'}
                />
                <Stat label="Upstream projects" value={latest.upstream_projects.toLocaleString('en-US')} />
                <Stat label="Deepest" value={latest.depth_histogram.length} sub="steps from the product" />
              </div>
              <DepthHistogram histogram={latest.depth_histogram} />
              {latest.notes.length ? (
                <ul className="small muted">
                  {latest.notes.map((note) => (
                    <li key={note}>{note}</li>
                  ))}
                </ul>
              ) : null}
              <form
                className="search"
                onSubmit={(event) => {
                  event.preventDefault();
                  if (why.trim()) navigate(`/supply-chain/products/${product.slug}/paths?purl=${encodeURIComponent(why.trim())}`);
                }}
              >
                <Icon name="search" />
                <input
                  className="input"
                  type="search"
                  aria-label="Why is this package here?"
                  placeholder="Why is this here? A package name or purl"
                  value={why}
                  onChange={(event) => setWhy(event.target.value)}
                />
              </form>
            </div>
          </Card>
          <Card
            isFlush
            title="What it depends on"
            description="Ranked by the portfolio formula over this product alone."
            actions={
              <Link className="small" to={`/supply-chain/projects?product=${product.slug}`}>
                {items.length > 25 ? `All ${items.length}, ranked across products` : 'Ranked across products'}
              </Link>
            }
          >
            <DataTable
              label="Upstream projects of this product"
              columns={projectColumns}
              rows={items.slice(0, 25)}
              rowKey={(p) => p.id}
              isLoading={false}
              empty={<EmptyState title="No packages">The file names no dependencies.</EmptyState>}
            />
          </Card>
          <Card isFlush title="History">
            <DataTable label="Uploads" columns={uploadColumns} rows={uploads} rowKey={(u) => u.id} isLoading={false} empty={null} />
          </Card>
        </>
      ) : null}
    </>
  );
}
