-- Which requests staff were told are over the program's review-time target: told once per request.
create table review_overdue_notices (
  request_id uuid primary key references requests (id) on delete cascade,
  notified_at timestamptz not null default now()
);
