create table github_deliveries (
  delivery_id text primary key,
  program_id uuid references programs (id) on delete cascade,
  event text not null,
  action text,
  outcome text not null,
  received_at timestamptz not null default now()
);

-- A GitHub issue author with no Surplus account: the request waits for them to sign in with GitHub.
create table project_claims (
  id uuid primary key default gen_random_uuid(),
  github_login citext not null,
  request_id uuid not null unique references requests (id) on delete cascade,
  repository_url text,
  claimed_by uuid references users (id) on delete set null,
  claimed_at timestamptz,
  created_at timestamptz not null default now()
);
create index project_claims_login_idx on project_claims (github_login) where claimed_at is null;
