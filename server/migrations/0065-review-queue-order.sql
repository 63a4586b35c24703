-- The review queue and request lists page in the order of coalesce(submitted_at, created_at) (or of
-- the monthly estimate), then id. Without an index on those keys every page read and sorted all the
-- matching requests (6,000 of 10,000 for the default queue); with them a page is a short index scan
-- that stops after the 51st row, in either direction.
create index requests_waiting_order_idx on requests ((coalesce(submitted_at, created_at)), id);
create index requests_cost_order_idx on requests (monthly_estimate_cents, id);
