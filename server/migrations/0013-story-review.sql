-- Staff send a story back with a note the owners read before they edit and submit again.
alter table stories add column review_note text;
alter table stories add column submitted_at timestamptz;
create index stories_project_idx on stories (project_id, created_at desc);
create index stories_submitted_idx on stories (submitted_at) where state = 'submitted';
