create table servers (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references projects (id) on delete restrict,
  grant_id uuid references grants (id) on delete set null,
  created_by uuid references users (id) on delete set null,
  hostname text not null check (hostname ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  plan_slug text not null references plans (slug),
  metro_code text not null references metros (code),
  os_slug text not null references operating_systems (slug),
  state text not null default 'queued' check (state in (
    'queued', 'provisioning', 'active', 'powering_off', 'inactive', 'powering_on', 'rebooting', 'reinstalling',
    'deprovisioning', 'deleted', 'failed')),
  state_reason text,
  progress_percent integer not null default 0 check (progress_percent between 0 and 100),
  machine_id uuid references machines (id) on delete set null,
  ssh_public_keys text[] not null default '{}',
  userdata text not null default '',
  ipxe_script_url text,
  ipxe_script text,
  always_pxe boolean not null default false,
  termination_time timestamptz,
  -- The metadata token's digest: a machine reads only its own metadata.
  provision_token_hash bytea unique,
  ip_addresses jsonb not null default '[]',
  last_heartbeat_at timestamptz,
  last_ssh_session_at timestamptz,
  rx_bytes bigint,
  tx_bytes bigint,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  activated_at timestamptz,
  deleted_at timestamptz
);
create index servers_project_idx on servers (project_id, created_at desc);
create index servers_state_idx on servers (state) where state not in ('deleted');
alter table machines add constraint machines_server_fk foreign key (server_id) references servers (id) on delete set null;

create table server_events (
  id bigint generated always as identity primary key,
  server_id uuid not null references servers (id) on delete cascade,
  from_state text,
  to_state text not null,
  step text,
  progress_percent integer,
  note text,
  actor_label text not null,
  occurred_at timestamptz not null default now()
);
create index server_events_server_idx on server_events (server_id, id);

-- BMC actions taken by workflows, keyed so that a re-run after a crash finds the action already done
-- instead of repeating it with another effect.
create table bmc_actions (
  idempotency_key text primary key,
  machine_id uuid not null references machines (id) on delete cascade,
  action text not null,
  provider text not null,
  outcome text not null,
  detail jsonb not null default '{}',
  occurred_at timestamptz not null default now()
);
