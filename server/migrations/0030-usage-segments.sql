-- Metering: when each server held a machine, derived from server_events by the metering area's
-- pure function (server/src/metering/usage.ts) and kept here so program-wide figures need no replay.
-- Segments of one server never overlap; whole seconds, [started_at, ended_at); ended_at null = still held.
create table usage_segments (
  server_id uuid not null references servers (id) on delete cascade,
  started_at timestamptz not null,
  ended_at timestamptz,
  -- False while the server is inactive or powering on: the "powered_on" counting policy skips those.
  is_powered_on boolean not null,
  -- Copied from the server (they never change after creation) so reads need no joins.
  project_id uuid not null,
  grant_id uuid,
  program_id uuid,
  plan_slug text not null,
  metro_code text not null,
  primary key (server_id, started_at),
  check (ended_at is null or ended_at > started_at)
);
create index usage_segments_program_idx on usage_segments (program_id, started_at);
create index usage_segments_project_idx on usage_segments (project_id, started_at);
create index usage_segments_grant_idx on usage_segments (grant_id, started_at);

-- Servers whose events changed since their segments were computed. The trigger's DO UPDATE (not DO
-- NOTHING) matters: it waits for a refresh holding the row, so an event committed during a refresh
-- always leaves its server marked for the next one.
create table usage_dirty_servers (
  server_id uuid primary key references servers (id) on delete cascade,
  marked_at timestamptz not null default now()
);

create function usage_mark_dirty() returns trigger language plpgsql as $$
begin
  insert into usage_dirty_servers (server_id) values (new.server_id)
  on conflict (server_id) do update set marked_at = excluded.marked_at;
  return null;
end $$;

create trigger server_events_mark_usage after insert on server_events
  for each row execute function usage_mark_dirty();

insert into usage_dirty_servers (server_id) select id from servers on conflict do nothing;
