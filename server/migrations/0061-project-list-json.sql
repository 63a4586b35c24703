-- A project's JSON, as the API's Project schema writes it, kept on the row so that a page of
-- projects is read rather than rendered: writing it out at query time (to_json, to_char) cost
-- PostgreSQL more than the rest of the page's query. A trigger renders it on every insert and update;
-- ProjectsRepository.listRendered adds what depends on the reader (role, member count) and the
-- licence list from the SPDX list in the server. json_head ends where the licence list goes,
-- json_tail runs from there to public_fields, json_times holds created_at and updated_at and closes
-- the object. server/test/projects-rendered.test.ts holds it byte for byte equal to the serializer's
-- output; a change to the Project schema redefines this function in a new migration and re-renders
-- (update projects set json_head = null).
alter table projects add column json_head text, add column json_tail text, add column json_times text;

create function project_json() returns trigger language plpgsql as $$
begin
  new.json_head := '{"id":' || to_json(new.id)
    || ',"slug":' || to_json(new.slug::text)
    || ',"name":' || to_json(new.name)
    || ',"repository":{"host":' || to_json(new.repository_host)
    || ',"owner":' || to_json(new.repository_owner)
    || ',"name":' || to_json(new.repository_name)
    || ',"url":' || to_json('https://' || new.repository_host || '/' || new.repository_owner || '/' || new.repository_name)
    || '},"license":{"expression":' || to_json(new.license_expression)
    || ',"is_osi_approved":' || new.is_osi_approved
    || ',"licences":';
  new.json_tail := '},"description":' || to_json(new.description_md)
    || ',"description_html":' || to_json(new.description_html)
    || ',"website":' || coalesce(to_json(new.website)::text, 'null')
    || ',"foundation":' || coalesce(to_json(new.foundation)::text, 'null')
    || ',"is_public":' || new.is_public
    || ',"public_fields":' || to_json(new.public_fields);
  -- Date.toISOString(): UTC, milliseconds truncated.
  new.json_times := ',"created_at":"' || to_char(new.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    || '","updated_at":"' || to_char(new.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"}';
  return new;
end $$;

create trigger project_json before insert or update on projects for each row execute function project_json();

update projects set json_head = null;

alter table projects alter column json_head set not null, alter column json_tail set not null, alter column json_times set not null;
