-- Machines: the sponsor's physical servers and the lab's QEMU machines, enrolled alike.
create table machines (
  id uuid primary key default gen_random_uuid(),
  hostname text not null unique check (hostname ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  serial text,
  plan_slug text not null references plans (slug),
  metro_code text not null references metros (code),
  location text not null default '',
  mac_addresses macaddr[] not null default '{}',
  bmc_provider text not null check (bmc_provider in ('redfish', 'lab', 'manual')),
  bmc_url text,
  bmc_username text,
  bmc_password_encrypted bytea,
  bmc_ca_pem text,
  bmc_is_insecure boolean not null default false,
  bmc_system_path text,
  facts jsonb not null default '{}',
  state text not null default 'enrolling' check (state in ('enrolling', 'available', 'allocated', 'wiping', 'maintenance', 'failed')),
  state_reason text,
  -- At most one live server per machine, and one machine per server: double allocation is impossible.
  server_id uuid unique,
  is_lab boolean not null default false,
  lab_ssh_port integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (state <> 'allocated' or server_id is not null),
  check (state not in ('available', 'enrolling') or server_id is null)
);
create index machines_pool_idx on machines (plan_slug, metro_code, state);

-- Each MAC belongs to one machine: the boot service finds the machine by the MAC iPXE reports.
create table machine_macs (
  mac macaddr primary key,
  machine_id uuid not null references machines (id) on delete cascade
);

create table machine_events (
  id bigint generated always as identity primary key,
  machine_id uuid not null references machines (id) on delete cascade,
  from_state text,
  to_state text not null,
  reason text,
  actor_label text not null,
  occurred_at timestamptz not null default now()
);
create index machine_events_machine_idx on machine_events (machine_id, id);
