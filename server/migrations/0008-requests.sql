create sequence request_numbers;

create table requests (
  id uuid primary key default gen_random_uuid(),
  number integer not null unique default nextval('request_numbers'),
  program_id uuid not null references programs (id) on delete restrict,
  project_id uuid references projects (id) on delete set null,
  created_by uuid references users (id) on delete set null,
  source text not null check (source in ('web', 'github')),
  github_issue integer,
  github_author citext,
  github_body text,
  state text not null default 'draft' check (state in (
    'draft', 'needs_info', 'submitted', 'in_review', 'changes_requested', 'approved', 'declined', 'withdrawn')),
  kind text not null default 'new' check (kind in ('new', 'extension')),
  extends_grant_id uuid,
  purpose text check (purpose in ('ci_cd', 'benchmarking', 'labs', 'hosting', 'other')),
  title text not null default '',
  description_md text not null default '',
  contact_name text,
  contact_email citext,
  organization text,
  project_urls text[] not null default '{}',
  duration text not null default 'fixed' check (duration in ('fixed', 'ongoing')),
  end_on date,
  review_on date,
  start_on date,
  publish_results text not null default '',
  acknowledges_sponsor boolean not null default false,
  progress_report_md text,
  monthly_estimate_cents bigint not null default 0,
  missing text[] not null default '{}',
  decision_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  submitted_at timestamptz,
  decided_at timestamptz,
  unique (program_id, github_issue)
);
create index requests_program_state_idx on requests (program_id, state, submitted_at);
create index requests_project_idx on requests (project_id, created_at desc);
create index requests_queue_idx on requests (state, submitted_at, id);

create table request_resources (
  request_id uuid not null references requests (id) on delete cascade,
  position integer not null,
  plan_slug text references plans (slug),
  quantity integer not null check (quantity between 1 and 1000),
  metro_code text references metros (code),
  os_slug text references operating_systems (slug),
  unmatched text,
  primary key (request_id, position)
);

create table request_events (
  id bigint generated always as identity primary key,
  request_id uuid not null references requests (id) on delete cascade,
  from_state text,
  to_state text not null,
  actor_user_id uuid references users (id) on delete set null,
  actor_label text not null,
  note text,
  occurred_at timestamptz not null default now()
);
create index request_events_request_idx on request_events (request_id, id);

create table request_comments (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null references requests (id) on delete cascade,
  author_user_id uuid references users (id) on delete set null,
  author_label text not null,
  body_md text not null,
  body_html text not null,
  is_staff_only boolean not null default false,
  github_comment_id bigint,
  created_at timestamptz not null default now()
);
create index request_comments_request_idx on request_comments (request_id, created_at);

create table request_votes (
  request_id uuid not null references requests (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  vote smallint not null check (vote in (-1, 1)),
  scores jsonb not null default '{}',
  note text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (request_id, user_id)
);
