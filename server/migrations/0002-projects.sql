create table projects (
  id uuid primary key default gen_random_uuid(),
  slug citext not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
  name text not null,
  repository_host text not null,
  repository_owner text not null,
  repository_name text not null,
  license_expression text not null,
  is_osi_approved boolean not null,
  description_md text not null default '',
  -- Rendered and sanitized on write: lists then cost no Markdown work.
  description_html text not null default '',
  website text,
  foundation text,
  is_public boolean not null default false,
  public_fields text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index projects_repository_idx on projects (repository_host, lower(repository_owner), lower(repository_name));
create index projects_created_idx on projects (created_at desc, id desc);

create table project_members (
  project_id uuid not null references projects (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'member')),
  created_at timestamptz not null default now(),
  primary key (project_id, user_id)
);
create index project_members_user_idx on project_members (user_id);

create table invitations (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete cascade,
  email citext,
  github_login citext,
  role text not null check (role in ('owner', 'member')),
  token_hash bytea not null unique,
  invited_by uuid references users (id) on delete set null,
  state text not null default 'pending' check (state in ('pending', 'accepted', 'declined', 'expired', 'revoked')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  responded_at timestamptz,
  check ((email is null) <> (github_login is null))
);
create index invitations_project_idx on invitations (project_id, created_at desc);
create index invitations_email_idx on invitations (email) where state = 'pending';
create index invitations_github_idx on invitations (github_login) where state = 'pending';
-- One open invitation per invitee and project; a new one replaces the old.
create unique index invitations_pending_email_key on invitations (project_id, email) where state = 'pending';
create unique index invitations_pending_github_key on invitations (project_id, github_login) where state = 'pending';
