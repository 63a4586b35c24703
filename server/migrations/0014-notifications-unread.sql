-- The unread count is asked on every page load; a partial index keeps it to the unread rows.
create index notifications_unread_idx on notifications (user_id, created_at desc) where read_at is null;
