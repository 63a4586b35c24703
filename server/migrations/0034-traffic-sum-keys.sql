-- The daily and monthly traffic sums are upserted for every server-day of every batch; foreign keys
-- on their server, grant and program made each upsert check three or four other tables (and cost a
-- batch as much as a third of its COPY). Servers, grants and programs are never deleted while they
-- have usage (servers keep their row when deleted, projects with servers cannot be deleted): the
-- project's key stays, for the project-level sums of a project that is deleted.
alter table traffic_daily drop constraint traffic_daily_server_id_fkey;
alter table traffic_daily drop constraint traffic_daily_grant_id_fkey;
alter table traffic_monthly drop constraint traffic_monthly_server_id_fkey;
alter table traffic_monthly drop constraint traffic_monthly_grant_id_fkey;
alter table traffic_monthly drop constraint traffic_monthly_program_id_fkey;
