-- "My projects" pages walk a user's memberships newest first: this index serves them with a short
-- range scan instead of sorting every project the user belongs to.
create index project_members_mine_idx on project_members (user_id, created_at desc, project_id desc);
