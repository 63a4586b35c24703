-- A reinstall without preserve_data erases the disks before the new OS: the boot service puts
-- surplus.wipe=1 on the kernel command line while this is set and the server is reinstalling.
alter table servers add column is_wipe_requested boolean not null default false;
