-- Every email Surplus sends, kept so that operators can see what went out and a crash between
-- deciding to send and sending loses nothing: the row is written in the same transaction as the
-- change that caused it, and a job delivers it.
create table emails (
  id uuid primary key default gen_random_uuid(),
  to_address citext not null,
  subject text not null,
  body_text text not null,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  last_error text,
  attempts integer not null default 0
);
