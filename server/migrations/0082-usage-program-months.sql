-- usage_server_months summed per program and month three ways — per grant and project, per plan,
-- per metro — so a dashboard reads a few thousand sums instead of adding up every server's months.
-- Kept by statement triggers on usage_server_months (in the transaction that writes its rows), and
-- priced with the plan's price when written: cents are rounded per server and month, as always,
-- then added up. `*_n` count the server-months with seconds under each policy (a sum whose count
-- is zero is no usage at all). A plan's new price drops both tables: the next read rolls every
-- server up again at the new price.
-- Start the rollup afresh (the next read rolls every server up, and the triggers below add it up).
delete from usage_server_months;
update usage_rollup_state set rolled_through = null;

create table usage_program_months (
  program_id uuid not null,
  month date not null,
  dim text not null check (dim in ('grant', 'plan', 'metro')),
  grant_id uuid,
  project_id uuid,
  plan_slug text,
  metro_code text,
  allocated_s bigint not null default 0,
  powered_on_s bigint not null default 0,
  allocated_cents bigint not null default 0,
  powered_on_cents bigint not null default 0,
  allocated_n integer not null default 0,
  powered_on_n integer not null default 0,
  unique nulls not distinct (program_id, month, dim, grant_id, project_id, plan_slug, metro_code)
);

-- Adds inserted server-months and takes deleted ones away (an update does both), in key order so
-- concurrent writers lock the sums in the same order.
create function usage_server_months_sum() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    insert into usage_program_months as u (program_id, month, dim, grant_id, project_id, plan_slug, metro_code,
      allocated_s, powered_on_s, allocated_cents, powered_on_cents, allocated_n, powered_on_n)
    select c.program_id, c.month, d.dim, d.grant_id, d.project_id, d.plan_slug, d.metro_code,
      sum(c.sign * c.allocated_s), sum(c.sign * c.powered_on_s),
      sum(c.sign * ((c.allocated_s * p.price_cents_per_hour + 1800) / 3600)),
      sum(c.sign * ((c.powered_on_s * p.price_cents_per_hour + 1800) / 3600)),
      coalesce(sum(c.sign) filter (where c.allocated_s > 0), 0), coalesce(sum(c.sign) filter (where c.powered_on_s > 0), 0)
    from (select *, 1 as sign from new_rows) c
    join plans p on p.slug = c.plan_slug
    cross join lateral (values
      ('grant', c.grant_id, c.project_id, null::text, null::text),
      ('plan', null::uuid, null::uuid, c.plan_slug, null::text),
      ('metro', null::uuid, null::uuid, null::text, c.metro_code)
    ) as d(dim, grant_id, project_id, plan_slug, metro_code)
    where c.program_id is not null
    group by 1, 2, 3, 4, 5, 6, 7
    order by 1, 2, 3, 4, 5, 6, 7
    on conflict (program_id, month, dim, grant_id, project_id, plan_slug, metro_code) do update set
      allocated_s = u.allocated_s + excluded.allocated_s,
      powered_on_s = u.powered_on_s + excluded.powered_on_s,
      allocated_cents = u.allocated_cents + excluded.allocated_cents,
      powered_on_cents = u.powered_on_cents + excluded.powered_on_cents,
      allocated_n = u.allocated_n + excluded.allocated_n,
      powered_on_n = u.powered_on_n + excluded.powered_on_n;
  elsif tg_op = 'DELETE' then
    insert into usage_program_months as u (program_id, month, dim, grant_id, project_id, plan_slug, metro_code,
      allocated_s, powered_on_s, allocated_cents, powered_on_cents, allocated_n, powered_on_n)
    select c.program_id, c.month, d.dim, d.grant_id, d.project_id, d.plan_slug, d.metro_code,
      sum(c.sign * c.allocated_s), sum(c.sign * c.powered_on_s),
      sum(c.sign * ((c.allocated_s * p.price_cents_per_hour + 1800) / 3600)),
      sum(c.sign * ((c.powered_on_s * p.price_cents_per_hour + 1800) / 3600)),
      coalesce(sum(c.sign) filter (where c.allocated_s > 0), 0), coalesce(sum(c.sign) filter (where c.powered_on_s > 0), 0)
    from (select *, -1 as sign from old_rows) c
    join plans p on p.slug = c.plan_slug
    cross join lateral (values
      ('grant', c.grant_id, c.project_id, null::text, null::text),
      ('plan', null::uuid, null::uuid, c.plan_slug, null::text),
      ('metro', null::uuid, null::uuid, null::text, c.metro_code)
    ) as d(dim, grant_id, project_id, plan_slug, metro_code)
    where c.program_id is not null
    group by 1, 2, 3, 4, 5, 6, 7
    order by 1, 2, 3, 4, 5, 6, 7
    on conflict (program_id, month, dim, grant_id, project_id, plan_slug, metro_code) do update set
      allocated_s = u.allocated_s + excluded.allocated_s,
      powered_on_s = u.powered_on_s + excluded.powered_on_s,
      allocated_cents = u.allocated_cents + excluded.allocated_cents,
      powered_on_cents = u.powered_on_cents + excluded.powered_on_cents,
      allocated_n = u.allocated_n + excluded.allocated_n,
      powered_on_n = u.powered_on_n + excluded.powered_on_n;
  else
    insert into usage_program_months as u (program_id, month, dim, grant_id, project_id, plan_slug, metro_code,
      allocated_s, powered_on_s, allocated_cents, powered_on_cents, allocated_n, powered_on_n)
    select c.program_id, c.month, d.dim, d.grant_id, d.project_id, d.plan_slug, d.metro_code,
      sum(c.sign * c.allocated_s), sum(c.sign * c.powered_on_s),
      sum(c.sign * ((c.allocated_s * p.price_cents_per_hour + 1800) / 3600)),
      sum(c.sign * ((c.powered_on_s * p.price_cents_per_hour + 1800) / 3600)),
      coalesce(sum(c.sign) filter (where c.allocated_s > 0), 0), coalesce(sum(c.sign) filter (where c.powered_on_s > 0), 0)
    from (select *, -1 as sign from old_rows union all select *, 1 as sign from new_rows) c
    join plans p on p.slug = c.plan_slug
    cross join lateral (values
      ('grant', c.grant_id, c.project_id, null::text, null::text),
      ('plan', null::uuid, null::uuid, c.plan_slug, null::text),
      ('metro', null::uuid, null::uuid, null::text, c.metro_code)
    ) as d(dim, grant_id, project_id, plan_slug, metro_code)
    where c.program_id is not null
    group by 1, 2, 3, 4, 5, 6, 7
    order by 1, 2, 3, 4, 5, 6, 7
    on conflict (program_id, month, dim, grant_id, project_id, plan_slug, metro_code) do update set
      allocated_s = u.allocated_s + excluded.allocated_s,
      powered_on_s = u.powered_on_s + excluded.powered_on_s,
      allocated_cents = u.allocated_cents + excluded.allocated_cents,
      powered_on_cents = u.powered_on_cents + excluded.powered_on_cents,
      allocated_n = u.allocated_n + excluded.allocated_n,
      powered_on_n = u.powered_on_n + excluded.powered_on_n;
  end if;
  return null;
end $$;

create trigger usage_server_months_sum_insert after insert on usage_server_months
  referencing new table as new_rows for each statement execute function usage_server_months_sum();
create trigger usage_server_months_sum_delete after delete on usage_server_months
  referencing old table as old_rows for each statement execute function usage_server_months_sum();
create trigger usage_server_months_sum_update after update on usage_server_months
  referencing old table as old_rows new table as new_rows for each statement execute function usage_server_months_sum();

-- A plan's new price: forget every rollup (the next dashboard rolls every server up again).
create function usage_rollups_forget() returns trigger language plpgsql as $$
begin
  delete from usage_server_months;
  delete from usage_program_months;
  update usage_rollup_state set rolled_through = null;
  return null;
end $$;

create trigger plans_price_forget_rollups after update of price_cents_per_hour on plans
  for each row when (old.price_cents_per_hour is distinct from new.price_cents_per_hour) execute function usage_rollups_forget();
