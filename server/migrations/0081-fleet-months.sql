-- The fleet's machine-seconds per state for each closed UTC month, as the dashboard's utilization
-- series computes them from machine_events: a closed month never changes unless an event at or
-- before its end is written, so the first dashboard to need a month keeps it here and every event
-- drops the months from its own on (events are written as they happen: that is the current month).
create table fleet_months (
  month date primary key check (extract(day from month) = 1),
  allocated_s double precision not null,
  available_s double precision not null,
  other_s double precision not null,
  machines integer not null
);

create function fleet_months_forget() returns trigger language plpgsql as $$
begin
  if tg_op <> 'INSERT' then
    delete from fleet_months where month >= date_trunc('month', old.occurred_at at time zone 'UTC')::date;
  end if;
  if tg_op <> 'DELETE' then
    delete from fleet_months where month >= date_trunc('month', new.occurred_at at time zone 'UTC')::date;
  end if;
  return null;
end $$;

create trigger machine_events_forget_fleet_months after insert or update or delete on machine_events
  for each row execute function fleet_months_forget();
