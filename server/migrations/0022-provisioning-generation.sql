-- Each (re)install gets a new metadata token; the generation makes the token derivable by the boot
-- service (HMAC of server id and generation) while only its digest is stored.
alter table servers add column provision_generation integer not null default 0;

-- The lab's live Linux, built from Debian packages by server/lab/build-image.sh: it runs from memory,
-- so it netboots every time and never installs to disk.
insert into operating_systems (slug, name, distro, version, architectures, artifacts) values
  ('lab_live', 'Surplus lab live Linux (Debian 12 kernel, BusyBox, Dropbear)', 'debian', '12-live', '{x86_64}',
   '{"kind": "live", "source": "server/lab/build-image.sh", "kernel": "vmlinuz", "initrd": "initrd.gz", "cmdline": "console=ttyS0 quiet"}');

-- A plan for the lab's QEMU machines and a metro for the machines on this host.
insert into plans (slug, name, architecture, cpu_model, cpu_cores, memory_gb, storage_summary, storage_gb, nics_summary, price_cents_per_hour, description) values
  ('lab.vm.x86', 'lab.vm.x86', 'x86_64', 'QEMU virtual CPU', 1, 1, '1 × 2 GB virtio disk', 2, '1 × virtio-net (user mode)', 1,
   'A QEMU machine of the lab pool on the Surplus host: for demos, tests and workshops.');
insert into metros (code, name, country) values ('lab', 'Surplus lab (this host)', '');
