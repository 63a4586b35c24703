create table plans (
  slug text primary key check (slug ~ '^[a-z0-9][a-z0-9.-]{1,40}$'),
  name text not null,
  description text not null default '',
  architecture text not null check (architecture in ('x86_64', 'aarch64')),
  cpu_model text not null,
  cpu_cores integer not null check (cpu_cores > 0),
  memory_gb integer not null check (memory_gb > 0),
  storage_summary text not null,
  storage_gb integer not null check (storage_gb > 0),
  nics_summary text not null,
  gpu_summary text,
  price_cents_per_hour integer not null check (price_cents_per_hour >= 0),
  is_available boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table metros (
  code text primary key check (code ~ '^[a-z]{2,5}$'),
  name text not null,
  country text not null default '',
  is_available boolean not null default true,
  created_at timestamptz not null default now()
);

create table operating_systems (
  slug text primary key check (slug ~ '^[a-z0-9][a-z0-9_.-]{1,40}$'),
  name text not null,
  distro text not null,
  version text not null,
  architectures text[] not null check (architectures <@ array['x86_64', 'aarch64']::text[] and cardinality(architectures) > 0),
  deprecated_on date,
  end_of_life_on date,
  -- Where the boot service finds kernel/initrd/image for this OS (used by provisioning).
  artifacts jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Prices follow the public list prices of the well-known bare-metal cloud's on-demand plans (USD).
insert into plans (slug, name, architecture, cpu_model, cpu_cores, memory_gb, storage_summary, storage_gb, nics_summary, gpu_summary, price_cents_per_hour) values
  ('t3.small.x86', 't3.small.x86', 'x86_64', 'Intel Xeon E-2224G @ 3.5 GHz', 4, 16, '2 × 240 GB SSD', 480, '2 × 10 Gbps', null, 35),
  ('c3.small.x86', 'c3.small.x86', 'x86_64', 'Intel Xeon E-2278G @ 3.4 GHz', 8, 32, '2 × 480 GB SSD', 960, '2 × 10 Gbps', null, 75),
  ('m3.small.x86', 'm3.small.x86', 'x86_64', 'Intel Xeon E-2378G @ 2.8 GHz', 8, 64, '2 × 480 GB SSD', 960, '2 × 25 Gbps', null, 105),
  ('c2.medium.x86', 'c2.medium.x86', 'x86_64', 'AMD EPYC 7401P @ 2.0 GHz', 24, 64, '2 × 120 GB SSD + 2 × 480 GB SSD', 1200, '2 × 10 Gbps', null, 100),
  ('c3.medium.x86', 'c3.medium.x86', 'x86_64', 'AMD EPYC 7402P @ 2.8 GHz', 24, 64, '2 × 240 GB SSD + 2 × 480 GB SSD', 1440, '2 × 10 Gbps', null, 150),
  ('c3.large.arm64', 'c3.large.arm64', 'aarch64', 'Ampere Altra Q80-30 @ 3.0 GHz', 80, 256, '2 × 960 GB NVMe', 1920, '2 × 25 Gbps', null, 250),
  ('s3.xlarge.x86', 's3.xlarge.x86', 'x86_64', '2 × Intel Xeon Silver 4214 @ 2.2 GHz', 24, 192, '2 × 960 GB SSD + 12 × 8 TB HDD', 97920, '2 × 25 Gbps', null, 295),
  ('m3.large.x86', 'm3.large.x86', 'x86_64', 'AMD EPYC 7502P @ 2.5 GHz', 32, 256, '2 × 240 GB SSD + 2 × 3.8 TB NVMe', 8080, '2 × 25 Gbps', null, 310),
  ('n2.xlarge.x86', 'n2.xlarge.x86', 'x86_64', '2 × Intel Xeon Gold 5120 @ 2.2 GHz', 28, 384, '2 × 120 GB SSD + 1 × 3.8 TB NVMe', 4040, '4 × 25 Gbps', null, 225),
  ('n3.xlarge.x86', 'n3.xlarge.x86', 'x86_64', '2 × Intel Xeon Gold 6314U @ 2.3 GHz', 64, 512, '2 × 240 GB SSD + 2 × 3.8 TB NVMe', 8080, '4 × 25 Gbps', null, 450),
  ('g2.large.x86', 'g2.large.x86', 'x86_64', '2 × Intel Xeon Gold 6126 @ 2.6 GHz', 24, 192, '2 × 120 GB SSD + 2 × 480 GB SSD', 1200, '2 × 10 Gbps', '2 × NVIDIA Tesla V100 32 GB', 500);

insert into metros (code, name, country) values
  ('da', 'Dallas', 'US'),
  ('sv', 'Silicon Valley', 'US'),
  ('ny', 'New York', 'US'),
  ('am', 'Amsterdam', 'NL'),
  ('fr', 'Frankfurt', 'DE'),
  ('sg', 'Singapore', 'SG');

insert into operating_systems (slug, name, distro, version, architectures, deprecated_on, end_of_life_on) values
  ('almalinux_9', 'AlmaLinux 9', 'almalinux', '9', '{x86_64,aarch64}', null, '2032-05-31'),
  ('alpine_3', 'Alpine Linux 3', 'alpine', '3', '{x86_64,aarch64}', null, null),
  ('custom_ipxe', 'Custom iPXE', 'custom_ipxe', '1', '{x86_64,aarch64}', null, null),
  ('debian_12', 'Debian 12 (bookworm)', 'debian', '12', '{x86_64,aarch64}', null, '2028-06-30'),
  ('flatcar_stable', 'Flatcar Container Linux (stable)', 'flatcar', 'stable', '{x86_64,aarch64}', null, null),
  ('freebsd_13', 'FreeBSD 13', 'freebsd', '13', '{x86_64}', '2025-06-30', '2026-04-30'),
  ('nixos_23_05', 'NixOS 23.05', 'nixos', '23.05', '{x86_64,aarch64}', '2023-12-31', '2024-01-01'),
  ('rocky_9', 'Rocky Linux 9', 'rocky', '9', '{x86_64,aarch64}', null, '2032-05-31'),
  ('talos_v1', 'Talos Linux v1', 'talos', 'v1', '{x86_64,aarch64}', null, null),
  ('ubuntu_22_04', 'Ubuntu 22.04 LTS', 'ubuntu', '22.04', '{x86_64,aarch64}', null, '2027-04-30');
