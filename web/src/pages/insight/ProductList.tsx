import { type Schemas, unwrap } from '@surplus/api-client';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ErrorBanner } from '../../components/Banner.tsx';
import { Button } from '../../components/Button.tsx';
import { Card } from '../../components/Card.tsx';
import { type Column, DataTable } from '../../components/DataTable.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { TextAreaField, TextField } from '../../components/Field.tsx';
import { Icon } from '../../components/Icon.tsx';
import { relativeTime } from '../../components/time.ts';
import { useAction } from '../../hooks/use-action.ts';
import { useResource } from '../../hooks/use-resource.ts';
import { useSession } from '../../session.tsx';
import { slugify } from '../projects/slug.ts';
import './insight.css';

type Product = Schemas['Product'];

/** The sponsor's products: each has its dependency files, the newest one current. */
export function ProductList() {
  const { client } = useSession();
  const navigate = useNavigate();
  const products = useResource('insight:products', () => unwrap(client.GET('/api/v1/products')));
  const [isCreating, setIsCreating] = useState(false);
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [isSlugEdited, setIsSlugEdited] = useState(false);
  const [description, setDescription] = useState('');
  const create = useAction(
    () => unwrap(client.POST('/api/v1/products', { body: { name, slug: isSlugEdited ? slug : slugify(name), description } })),
    ['name', 'slug', 'description'],
  );

  const columns: Column<Product>[] = [
    {
      header: 'Product',
      cell: (p) => (
        <div>
          <Link className="cell-title" to={`/supply-chain/products/${p.slug}`}>
            {p.name}
          </Link>
          <span className="cell-sub">{p.description || p.slug}</span>
        </div>
      ),
    },
    {
      header: 'Current file',
      cell: (p) =>
        p.latest_upload ? (
          <span className="small">
            <span className="mono">{p.latest_upload.file_name}</span>
            <span className="cell-sub">
              {p.latest_upload.format} · {relativeTime(p.latest_upload.uploaded_at)}
            </span>
          </span>
        ) : (
          <span className="small muted">nothing uploaded</span>
        ),
    },
    { header: 'Packages', cell: (p) => p.latest_upload?.packages.toLocaleString('en-US') ?? '—', className: 'num' },
    { header: 'Direct', cell: (p) => (p.latest_upload ? (p.latest_upload.direct ?? 'unknown') : '—'), className: 'num' },
    { header: 'Upstream projects', cell: (p) => p.latest_upload?.upstream_projects ?? '—', className: 'num' },
    { header: 'Uploads', cell: (p) => p.uploads, className: 'num' },
  ];

  const close = () => {
    setIsCreating(false);
    setName('');
    setSlug('');
    setIsSlugEdited(false);
    setDescription('');
    create.reset();
  };

  return (
    <>
      <Card
        isFlush
        title="Products"
        description="What we ship. Upload each product’s lock file or SBOM; every upload is kept and the newest counts."
        actions={
          <Button variant="primary" size="sm" onClick={() => setIsCreating(true)}>
            <Icon name="plus" />
            New product
          </Button>
        }
      >
        <DataTable
          label="Products"
          columns={columns}
          rows={products.data?.items ?? []}
          rowKey={(p) => p.id}
          isLoading={products.isLoading && !products.data}
          error={products.error}
          onRetry={products.reload}
          empty={
            <EmptyState icon="building" title="No products yet">
              Add a product, then upload its dependency file.
            </EmptyState>
          }
        />
      </Card>
      <Dialog
        isOpen={isCreating}
        title="New product"
        onClose={close}
        onSubmit={async () => {
          const created = await create.run(undefined);
          if (created) {
            close();
            navigate(`/supply-chain/products/${created.slug}`);
          }
        }}
        footer={
          <>
            <Button onClick={close}>Cancel</Button>
            <Button type="submit" variant="primary" isLoading={create.isRunning}>
              Create product
            </Button>
          </>
        }
      >
        <div className="stack">
          <ErrorBanner error={create.bannerError} />
          <TextField
            label="Name"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
            error={create.fieldError('name')}
          />
          <TextField
            label="Slug"
            required
            value={isSlugEdited ? slug : slugify(name)}
            onChange={(event) => {
              setIsSlugEdited(true);
              setSlug(event.target.value);
            }}
            error={create.fieldError('slug')}
            hint="In links and for `surplus deps upload --product`."
          />
          <TextAreaField
            label="Description"
            isOptional
            rows={2}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            error={create.fieldError('description')}
          />
        </div>
      </Dialog>
    </>
  );
}
