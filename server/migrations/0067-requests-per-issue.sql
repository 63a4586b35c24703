-- A GitHub issue can hold several requests over time: closing the issue withdraws its request
-- (final, like a decision), and reopening it starts a new request from the same issue. At most one
-- request per program and issue is not withdrawn; the rest are its history.
alter table requests drop constraint requests_program_id_github_issue_key;
create unique index requests_live_issue_key on requests (program_id, github_issue)
  where github_issue is not null and state <> 'withdrawn';
create index requests_issue_idx on requests (program_id, github_issue, created_at desc) where github_issue is not null;
