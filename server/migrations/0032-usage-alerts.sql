-- Credit alerts: one row per grant, UTC month and threshold; the primary key makes each alert go out
-- exactly once however often (or concurrently) the job runs.
create table grant_usage_alerts (
  grant_id uuid not null references grants (id) on delete cascade,
  month date not null,
  threshold_percent integer not null check (threshold_percent in (50, 80, 100)),
  spent_cents bigint not null,
  credit_cents bigint not null,
  sent_at timestamptz not null default now(),
  primary key (grant_id, month, threshold_percent)
);

-- Over-cap power-offs done under the "power_off" policy, one row per server powered off.
create table grant_cap_actions (
  grant_id uuid not null references grants (id) on delete cascade,
  month date not null,
  server_id uuid not null references servers (id) on delete cascade,
  acted_at timestamptz not null default now(),
  primary key (grant_id, month, server_id, acted_at)
);
