create table audit_events (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  actor_user_id uuid references users (id) on delete set null,
  actor_label text not null,
  action text not null,
  target_type text not null,
  target_id text,
  project_id uuid references projects (id) on delete set null,
  summary jsonb not null default '{}',
  request_id text
);
create index audit_events_occurred_idx on audit_events (occurred_at desc, id desc);
create index audit_events_project_idx on audit_events (project_id, id desc) where project_id is not null;
create index audit_events_actor_idx on audit_events (actor_user_id, id desc);
create index audit_events_action_idx on audit_events (action, id desc);
