-- Usage rolled up per server and closed UTC month: the seconds a server held a machine in each month
-- before `usage_rollup_state.rolled_through`, under both counting policies. Dashboards and impact
-- reports sum these (priced at read time with the plan's price and the program's policy, rounded
-- per server and month as usage always is) and compute only the live month from the segments.
-- Rows are rewritten with the server's segments (refresh) and added for every server once a month
-- closes (rollover), so they always equal what the segments say.
create table usage_server_months (
  server_id uuid not null references servers (id) on delete cascade,
  month date not null check (extract(day from month) = 1),
  -- Copied from usage_servers (they never change after the server is created).
  project_id uuid not null,
  grant_id uuid,
  program_id uuid,
  plan_slug text not null,
  metro_code text not null,
  allocated_s bigint not null check (allocated_s >= 0),
  powered_on_s bigint not null check (powered_on_s >= 0 and powered_on_s <= allocated_s),
  primary key (server_id, month)
);
create index usage_server_months_program_idx on usage_server_months (program_id, month);

-- One row: months before `rolled_through` are in usage_server_months (null: none yet; the first
-- read rolls every server up).
create table usage_rollup_state (
  id boolean primary key default true check (id),
  rolled_through date check (extract(day from rolled_through) = 1)
);
insert into usage_rollup_state (id, rolled_through) values (true, null);
