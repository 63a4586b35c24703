-- Admin overrides: a repository or a whole owner counted as part of a group (a foundation, or one
-- project spread over several repositories). Applied when results are read, so history regroups too.
create table upstream_overrides (
  id uuid primary key default gen_random_uuid(),
  match_kind text not null check (match_kind in ('repository', 'owner')),
  match text not null,
  group_id uuid not null references upstream_projects (id) on delete cascade,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (match_kind, match)
);
create index upstream_overrides_group_idx on upstream_overrides (group_id);
