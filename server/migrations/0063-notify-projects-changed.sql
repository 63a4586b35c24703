-- Projects pages cached in each process (decision 0007, second revision). A page shows projects'
-- kept JSON (0061, versioned by 0062), their member counts and order, and the caller's memberships
-- and roles. Every committed change to any of these notifies the channel surplus_projects, from
-- whichever process or SQL session made it, and every process drops its cached pages on it. The
-- payload is empty: PostgreSQL sends identical notifications of one transaction once.
create function surplus_projects_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('surplus_projects', '');
  return null;
end $$;

create trigger surplus_projects_inserted after insert on projects for each statement execute function surplus_projects_changed();
create trigger surplus_projects_updated after update on projects for each row
  when ((old.json_version, old.member_count, old.created_at, old.is_public) is distinct from (new.json_version, new.member_count, new.created_at, new.is_public))
  execute function surplus_projects_changed();
create trigger surplus_projects_deleted after delete on projects for each statement execute function surplus_projects_changed();
create trigger surplus_projects_truncated after truncate on projects for each statement execute function surplus_projects_changed();

create trigger surplus_project_members_changed after insert or update or delete on project_members
  for each statement execute function surplus_projects_changed();
create trigger surplus_project_members_truncated after truncate on project_members for each statement
  execute function surplus_projects_changed();
