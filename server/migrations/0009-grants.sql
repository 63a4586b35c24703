create table grants (
  id uuid primary key default gen_random_uuid(),
  program_id uuid not null references programs (id) on delete restrict,
  project_id uuid not null references projects (id) on delete cascade,
  -- One request makes at most one grant: two concurrent approvals cannot both insert.
  request_id uuid not null unique references requests (id) on delete restrict,
  monthly_credit_cents bigint not null check (monthly_credit_cents >= 0),
  max_servers integer not null check (max_servers >= 0),
  allowed_plans text[] not null default '{}',
  allowed_metros text[] not null default '{}',
  starts_on date not null,
  ends_on date,
  review_on date,
  state text not null default 'active' check (state in ('active', 'expiring', 'expired', 'revoked')),
  override_reason text,
  ended_at timestamptz,
  end_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_on is not null or review_on is not null)
);
create index grants_program_idx on grants (program_id, state);
create index grants_project_idx on grants (project_id, state);

alter table requests add constraint requests_extends_grant_fk foreign key (extends_grant_id) references grants (id) on delete set null;

-- Which expiry notices went out, so each is sent exactly once.
create table grant_notices (
  grant_id uuid not null references grants (id) on delete cascade,
  days_before integer not null,
  sent_at timestamptz not null default now(),
  primary key (grant_id, days_before)
);
