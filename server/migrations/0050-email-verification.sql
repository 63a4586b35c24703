-- An address is trusted only once its owner proved they read its mail: an SSO provider vouched for
-- it, it is the first admin's, or someone followed a link sent to it. Sign-up alone proves nothing.
-- Anything that ever changes users.email must clear email_verified_at.
alter table users add column email_verified_at timestamptz;

-- Links sent to prove an address. Only the token's digest is kept; the address is the one the link
-- was sent to, so a link cannot verify an address it never reached.
create table email_verifications (
  token_hash bytea primary key,
  user_id uuid not null references users (id) on delete cascade,
  email citext not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index email_verifications_user_idx on email_verifications (user_id);
