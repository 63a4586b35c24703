-- The catalog (plans, metros, operating systems) is kept in each process (CatalogService, decision
-- 0007's machinery): every committed change to it notifies surplus_catalog, from whichever process
-- or SQL session made it, and every process reads it again.
create function surplus_catalog_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('surplus_catalog', '');
  return null;
end $$;

create trigger surplus_catalog_plans_changed after insert or update or delete or truncate on plans
  for each statement execute function surplus_catalog_changed();
create trigger surplus_catalog_metros_changed after insert or update or delete or truncate on metros
  for each statement execute function surplus_catalog_changed();
create trigger surplus_catalog_operating_systems_changed after insert or update or delete or truncate on operating_systems
  for each statement execute function surplus_catalog_changed();
