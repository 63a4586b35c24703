-- Upstream projects as Surplus knows them across uploads: a source repository ('github.com/x/y'),
-- a package with no known repository ('pkg:cargo/serde'), or a group an admin made ('group:apache').
-- A stable id per key, so that invitations and links survive new uploads.
create table upstream_projects (
  id uuid primary key default gen_random_uuid(),
  key text not null unique,
  kind text not null check (kind in ('repository', 'package', 'group')),
  repository text,
  owner text,
  name text not null,
  created_at timestamptz not null default now(),
  check ((kind = 'repository') = (repository is not null))
);
