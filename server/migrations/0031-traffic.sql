-- Traffic samples: idempotent by (project, sample id); the batch API validates project and server,
-- so there are no foreign keys here (their triggers would halve the bulk ingest rate).
create table traffic_samples (
  project_id uuid not null,
  sample_id text not null check (length(sample_id) between 1 and 200),
  server_id uuid,
  grant_id uuid,
  sampled_at timestamptz not null,
  bytes_in bigint not null check (bytes_in >= 0),
  bytes_out bigint not null check (bytes_out >= 0),
  primary key (project_id, sample_id)
);

-- Sums per day and per month, kept in the same transaction as the samples they add up: usage and
-- dashboards read these, never the raw samples. A null server is traffic reported for a project.
create table traffic_daily (
  project_id uuid not null references projects (id) on delete cascade,
  server_id uuid references servers (id) on delete cascade,
  grant_id uuid references grants (id) on delete set null,
  day date not null,
  bytes_in bigint not null default 0,
  bytes_out bigint not null default 0,
  samples bigint not null default 0,
  unique nulls not distinct (project_id, server_id, grant_id, day)
);
create index traffic_daily_server_idx on traffic_daily (server_id, day);
create index traffic_daily_grant_idx on traffic_daily (grant_id, day);

create table traffic_monthly (
  project_id uuid not null references projects (id) on delete cascade,
  server_id uuid references servers (id) on delete cascade,
  grant_id uuid references grants (id) on delete set null,
  program_id uuid references programs (id) on delete set null,
  month date not null check (extract(day from month) = 1),
  bytes_in bigint not null default 0,
  bytes_out bigint not null default 0,
  unique nulls not distinct (project_id, server_id, grant_id, month)
);
create index traffic_monthly_program_idx on traffic_monthly (program_id, month);

-- The last NIC counters read from a server's heartbeats: the next reading's difference is a sample.
create table traffic_counter_readings (
  server_id uuid primary key references servers (id) on delete cascade,
  rx_bytes bigint not null,
  tx_bytes bigint not null,
  read_at timestamptz not null
);
