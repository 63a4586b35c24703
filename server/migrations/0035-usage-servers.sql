-- Segments kept one row per server instead of one per segment: a program's dashboard reads a year of
-- thousands of servers at once, and grouping their segments at every read cost most of its time.
-- `segments` packs them as `start:end:on` in epoch seconds (end empty while open), in order;
-- `started_s` and `ended_s` bound them all (ended_s null while the last one is open).
create table usage_servers (
  server_id uuid primary key references servers (id) on delete cascade,
  project_id uuid not null,
  grant_id uuid,
  program_id uuid,
  plan_slug text not null,
  metro_code text not null,
  started_s bigint not null,
  ended_s bigint,
  segments text not null
);
create index usage_servers_program_idx on usage_servers (program_id, started_s);
create index usage_servers_project_idx on usage_servers (project_id, started_s);
create index usage_servers_grant_idx on usage_servers (grant_id, started_s);

drop table usage_segments;
-- Recompute every server into the new table at the next read.
insert into usage_dirty_servers (server_id) select id from servers on conflict do nothing;
