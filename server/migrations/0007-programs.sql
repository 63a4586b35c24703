create table programs (
  id uuid primary key default gen_random_uuid(),
  slug citext not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
  name text not null,
  description_md text not null default '',
  currency text not null default 'USD' check (currency ~ '^[A-Z]{3}$'),
  budget_cents_per_year bigint not null check (budget_cents_per_year >= 0),
  fiscal_year_start_month integer not null default 1 check (fiscal_year_start_month between 1 and 12),
  -- Eligibility rules, auto-approval rules, votes needed, default grant terms, notice and review targets:
  -- validated by the API's ProgramPolicy schema, stored whole so a change is one audited row update.
  policy jsonb not null,
  github_repository citext unique check (github_repository ~ '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$'),
  github_secret_encrypted bytea,
  is_public boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table program_staff (
  program_id uuid not null references programs (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('lead', 'reviewer')),
  created_at timestamptz not null default now(),
  primary key (program_id, user_id)
);
create index program_staff_user_idx on program_staff (user_id);
