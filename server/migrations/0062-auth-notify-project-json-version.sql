-- Two in-process caches and what keeps them honest (decision 0007).
--
-- 1. Bearer tokens. Each Surplus process caches token → principal and keeps one connection that
--    LISTENs on the channel surplus_auth. Every change to what the token lookup
--    (AccountsRepository.findTokenUser) reads notifies the channel when it commits, from whichever
--    process or SQL session made it: 'token:<id>' for a token, 'user:<id>' for a user, 'all' when
--    a table is truncated. last_used_at is not read for the decision and does not notify (every
--    busy token writes it once a minute).
create function surplus_auth_token_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('surplus_auth', 'token:' || old.id);
  return null;
end $$;

create function surplus_auth_user_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('surplus_auth', 'user:' || old.id);
  return null;
end $$;

create function surplus_auth_truncated() returns trigger language plpgsql as $$
begin
  perform pg_notify('surplus_auth', 'all');
  return null;
end $$;

create trigger surplus_auth_token_updated after update on api_tokens for each row
  when ((old.token_hash, old.user_id, old.expires_at, old.revoked_at) is distinct from (new.token_hash, new.user_id, new.expires_at, new.revoked_at))
  execute function surplus_auth_token_changed();
create trigger surplus_auth_token_deleted after delete on api_tokens for each row execute function surplus_auth_token_changed();
create trigger surplus_auth_tokens_truncated after truncate on api_tokens for each statement execute function surplus_auth_truncated();

create trigger surplus_auth_user_updated after update on users for each row
  when ((old.id, old.email, old.name, old.roles, old.github_login, old.is_disabled) is distinct from (new.id, new.email, new.name, new.roles, new.github_login, new.is_disabled))
  execute function surplus_auth_user_changed();
create trigger surplus_auth_user_deleted after delete on users for each row execute function surplus_auth_user_changed();
create trigger surplus_auth_users_truncated after truncate on users for each statement execute function surplus_auth_truncated();

-- 2. Project JSON. A page reads each row's json_version and reads the kept JSON (0061) only for
--    the projects the process does not hold at that version. The version comes from a sequence, so
--    (id, json_version) never names two different texts; it moves only when the JSON does (a
--    member count change re-renders the row but leaves its JSON as it was).
create sequence project_json_version;
alter table projects add column json_version bigint not null default nextval('project_json_version');

create or replace function project_json() returns trigger language plpgsql as $$
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
  if tg_op = 'INSERT' then
    new.json_version := nextval('project_json_version');
  elsif (new.json_head, new.json_tail, new.json_times, new.license_expression) is distinct from (old.json_head, old.json_tail, old.json_times, old.license_expression)
    or new.json_version is distinct from old.json_version then
    -- A write that sets json_version itself gets a fresh one all the same.
    new.json_version := nextval('project_json_version');
  end if;
  return new;
end $$;
