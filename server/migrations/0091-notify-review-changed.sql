-- Review queue pages cached in each process (decision 0013, revised). A page shows requests (with
-- their vote and server counts, kept on the row by 0090), their programs' names and policies, and
-- projects' names (announced on surplus_projects by 0063). Every committed change to requests or
-- programs notifies surplus_review, from whichever process or SQL session made it; every process
-- drops its queue pages on it.
create function surplus_review_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('surplus_review', '');
  return null;
end $$;

create trigger surplus_review_requests_changed after insert or update or delete on requests
  for each statement execute function surplus_review_changed();
create trigger surplus_review_requests_truncated after truncate on requests
  for each statement execute function surplus_review_changed();
create trigger surplus_review_programs_changed after insert or update or delete on programs
  for each statement execute function surplus_review_changed();
create trigger surplus_review_programs_truncated after truncate on programs
  for each statement execute function surplus_review_changed();
