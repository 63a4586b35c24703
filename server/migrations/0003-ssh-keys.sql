create table ssh_keys (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  label text not null,
  key_type text not null,
  bits integer not null,
  public_key text not null,
  fingerprint_sha256 text not null,
  created_at timestamptz not null default now(),
  unique (user_id, fingerprint_sha256)
);
