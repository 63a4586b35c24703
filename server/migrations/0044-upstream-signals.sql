-- Public signals imported offline (an OpenSSF criticality score CSV, dependents counts), by repository.
create table upstream_signals (
  repository text primary key,
  criticality_score double precision check (criticality_score between 0 and 1),
  dependents_count bigint check (dependents_count >= 0),
  source text not null,
  imported_at timestamptz not null default now()
);
