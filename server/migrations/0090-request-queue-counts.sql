-- The review queue shows each request's number of servers and its vote tally. Counting the resource
-- lines and votes of every row of a page cost the page's query about as much as the rest of it, so
-- the counts are kept on the request row instead (as 0060 keeps projects' member counts). Triggers
-- keep them, so every way a line or a vote comes or goes counts: replaced resource lines, votes and
-- re-votes, cascades. Statement triggers with transition tables update each request once per
-- statement; the counts move by deltas, so concurrent statements add up instead of overwriting.
--   server_count: the quantities of the lines that matched the catalog (unmatched is null), summed.
--   unmatched_lines: lines with text an intake could not match.
alter table requests
  add column server_count integer not null default 0,
  add column unmatched_lines integer not null default 0,
  add column votes_up integer not null default 0,
  add column votes_down integer not null default 0;

update requests set server_count = counted.servers, unmatched_lines = counted.unmatched
from (
  select request_id, coalesce(sum(quantity) filter (where unmatched is null), 0) as servers,
    count(*) filter (where unmatched is not null) as unmatched
  from request_resources group by request_id
) as counted
where counted.request_id = requests.id;

update requests set votes_up = counted.up, votes_down = counted.down
from (
  select request_id, count(*) filter (where vote = 1) as up, count(*) filter (where vote = -1) as down
  from request_votes group by request_id
) as counted
where counted.request_id = requests.id;

-- One function per table and statement kind: each may name only the transition tables its trigger has.
create function request_line_counts_added() returns trigger language plpgsql as $$
begin
  update requests set server_count = requests.server_count + moved.servers, unmatched_lines = requests.unmatched_lines + moved.unmatched
  from (
    select request_id, coalesce(sum(quantity) filter (where unmatched is null), 0) as servers,
      count(*) filter (where unmatched is not null) as unmatched
    from new_lines group by request_id
  ) as moved
  where moved.request_id = requests.id and (moved.servers <> 0 or moved.unmatched <> 0);
  return null;
end $$;

create function request_line_counts_removed() returns trigger language plpgsql as $$
begin
  update requests set server_count = requests.server_count + moved.servers, unmatched_lines = requests.unmatched_lines + moved.unmatched
  from (
    select request_id, -coalesce(sum(quantity) filter (where unmatched is null), 0) as servers,
      -count(*) filter (where unmatched is not null) as unmatched
    from old_lines group by request_id
  ) as moved
  where moved.request_id = requests.id and (moved.servers <> 0 or moved.unmatched <> 0);
  return null;
end $$;

create function request_line_counts_moved() returns trigger language plpgsql as $$
begin
  update requests set server_count = requests.server_count + moved.servers, unmatched_lines = requests.unmatched_lines + moved.unmatched
  from (
    select request_id, sum(servers) as servers, sum(unmatched) as unmatched from (
      select request_id, coalesce(sum(quantity) filter (where unmatched is null), 0) as servers,
      count(*) filter (where unmatched is not null) as unmatched
    from new_lines group by request_id
      union all
      select request_id, -coalesce(sum(quantity) filter (where unmatched is null), 0) as servers,
      -count(*) filter (where unmatched is not null) as unmatched
    from old_lines group by request_id
    ) as both_sides group by request_id
  ) as moved
  where moved.request_id = requests.id and (moved.servers <> 0 or moved.unmatched <> 0);
  return null;
end $$;

create function request_vote_counts_added() returns trigger language plpgsql as $$
begin
  update requests set votes_up = requests.votes_up + moved.up, votes_down = requests.votes_down + moved.down
  from (
    select request_id, count(*) filter (where vote = 1) as up, count(*) filter (where vote = -1) as down
    from new_votes group by request_id
  ) as moved
  where moved.request_id = requests.id and (moved.up <> 0 or moved.down <> 0);
  return null;
end $$;

create function request_vote_counts_removed() returns trigger language plpgsql as $$
begin
  update requests set votes_up = requests.votes_up + moved.up, votes_down = requests.votes_down + moved.down
  from (
    select request_id, -count(*) filter (where vote = 1) as up, -count(*) filter (where vote = -1) as down
    from old_votes group by request_id
  ) as moved
  where moved.request_id = requests.id and (moved.up <> 0 or moved.down <> 0);
  return null;
end $$;

create function request_vote_counts_moved() returns trigger language plpgsql as $$
begin
  update requests set votes_up = requests.votes_up + moved.up, votes_down = requests.votes_down + moved.down
  from (
    select request_id, sum(up) as up, sum(down) as down from (
      select request_id, count(*) filter (where vote = 1) as up, count(*) filter (where vote = -1) as down
    from new_votes group by request_id
      union all
      select request_id, -count(*) filter (where vote = 1) as up, -count(*) filter (where vote = -1) as down
    from old_votes group by request_id
    ) as both_sides group by request_id
  ) as moved
  where moved.request_id = requests.id and (moved.up <> 0 or moved.down <> 0);
  return null;
end $$;

create trigger request_line_counts_added after insert on request_resources
  referencing new table as new_lines for each statement execute function request_line_counts_added();
create trigger request_line_counts_removed after delete on request_resources
  referencing old table as old_lines for each statement execute function request_line_counts_removed();
create trigger request_line_counts_moved after update on request_resources
  referencing old table as old_lines new table as new_lines for each statement execute function request_line_counts_moved();
create trigger request_vote_counts_added after insert on request_votes
  referencing new table as new_votes for each statement execute function request_vote_counts_added();
create trigger request_vote_counts_removed after delete on request_votes
  referencing old table as old_votes for each statement execute function request_vote_counts_removed();
create trigger request_vote_counts_moved after update on request_votes
  referencing old table as old_votes new table as new_votes for each statement execute function request_vote_counts_moved();
