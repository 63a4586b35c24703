-- Every dependency file uploaded for a product, kept: the newest is the product's current state,
-- the older ones give coverage over time. The raw file is not kept, only what the scan made of it:
-- the graph (compact JSON, gzipped) and one row per upstream project.
create table product_uploads (
  id uuid primary key default gen_random_uuid(),
  product_id uuid not null references products (id) on delete cascade,
  file_name text not null,
  companion_name text,
  format text not null,
  format_version text,
  size_bytes bigint not null check (size_bytes >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  packages_count integer not null check (packages_count >= 0),
  direct_count integer check (direct_count >= 0),
  -- Element i counts the packages at depth i + 1.
  depth_histogram integer[] not null,
  notes text[] not null default '{}',
  graph_gz bytea not null,
  uploaded_by uuid references users (id) on delete set null,
  uploaded_at timestamptz not null default now()
);
create index product_uploads_product_idx on product_uploads (product_id, uploaded_at desc, id desc);

create table upload_upstream_projects (
  upload_id uuid not null references product_uploads (id) on delete cascade,
  upstream_project_id uuid not null references upstream_projects (id) on delete restrict,
  packages integer not null,
  direct integer not null,
  min_depth integer not null,
  -- Saturates at 2^53 like the scan's counts: exact in a double.
  paths double precision not null,
  is_dev_only boolean not null,
  score double precision not null,
  purls text[] not null,
  funding text[] not null default '{}',
  primary key (upload_id, upstream_project_id)
);
create index upload_upstream_projects_project_idx on upload_upstream_projects (upstream_project_id);
