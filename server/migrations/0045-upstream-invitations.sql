-- Invitations to apply sent to (or prepared for) upstream projects the program does not yet support.
create table upstream_invitations (
  id uuid primary key default gen_random_uuid(),
  upstream_project_id uuid not null references upstream_projects (id) on delete cascade,
  channel text not null check (channel in ('email', 'github_issue')),
  email citext,
  repository text,
  invited_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  check ((channel = 'email') = (email is not null))
);
create index upstream_invitations_project_idx on upstream_invitations (upstream_project_id, created_at desc);
