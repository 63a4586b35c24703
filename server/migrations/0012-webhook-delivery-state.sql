-- A delivery is pending until the receiver answers 2xx (delivered) or Surplus gives up (failed):
-- the list of deliveries must tell "still retrying" from "given up" without reading the job queue.
alter table webhook_deliveries
  add column state text not null default 'pending' check (state in ('pending', 'delivered', 'failed'));
create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook_id, created_at desc, id desc);
