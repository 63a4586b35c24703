-- Project lists show each project's member count. Counting the memberships of every row of a page
-- cost as much as the rest of the page's query, so the count is kept on the project row instead.
-- Triggers keep it, so every way a membership comes or goes counts: the members service, and the
-- cascades when a project or a user is deleted. Statement triggers with transition tables update
-- each project once per statement, however many of its memberships the statement touched.
alter table projects add column member_count integer not null default 0;

update projects set member_count = counted.n
from (select project_id, count(*) as n from project_members group by project_id) as counted
where counted.project_id = projects.id;

create function project_member_count_added() returns trigger language plpgsql as $$
begin
  update projects set member_count = projects.member_count + added.n
  from (select project_id, count(*) as n from new_members group by project_id) as added
  where added.project_id = projects.id;
  return null;
end $$;

create function project_member_count_removed() returns trigger language plpgsql as $$
begin
  update projects set member_count = projects.member_count - removed.n
  from (select project_id, count(*) as n from old_members group by project_id) as removed
  where removed.project_id = projects.id;
  return null;
end $$;

create function project_member_count_moved() returns trigger language plpgsql as $$
begin
  update projects set member_count = projects.member_count + moved.n
  from (
    select project_id, sum(n) as n from (
      select project_id, count(*) as n from new_members group by project_id
      union all
      select project_id, -count(*) as n from old_members group by project_id
    ) as both_sides group by project_id
  ) as moved
  where moved.project_id = projects.id and moved.n <> 0;
  return null;
end $$;

create trigger project_member_count_added after insert on project_members
  referencing new table as new_members for each statement execute function project_member_count_added();
create trigger project_member_count_removed after delete on project_members
  referencing old table as old_members for each statement execute function project_member_count_removed();
create trigger project_member_count_moved after update on project_members
  referencing old table as old_members new table as new_members for each statement execute function project_member_count_moved();
