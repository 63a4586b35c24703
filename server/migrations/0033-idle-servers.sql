-- Servers flagged idle (active, but no heartbeat, SSH session or traffic for the program's idle
-- days). A row lives while the server stays idle; nudged_at makes the owners' nudge go out once.
create table idle_servers (
  server_id uuid primary key references servers (id) on delete cascade,
  idle_since timestamptz not null,
  flagged_at timestamptz not null default now(),
  nudged_at timestamptz
);
