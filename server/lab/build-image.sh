#!/usr/bin/env bash
# Builds the lab's live Linux from Debian packages (linux-image-cloud-amd64, busybox-static, dropbear-bin):
# a kernel and a ~3 MB initramfs that, booted over the network, configures its NIC by DHCP, installs the
# SSH keys from Surplus's metadata service, starts an SSH server, phones home and then sends heartbeats
# with its NIC byte counters. The recipe is the one verified in shared/LAB.md.
#
#   server/lab/build-image.sh OUTPUT_DIR        writes OUTPUT_DIR/vmlinuz and OUTPUT_DIR/initrd.gz
set -euo pipefail
out=${1:?usage: build-image.sh OUTPUT_DIR}
kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "no cloud kernel: apt-get install linux-image-cloud-amd64" >&2; exit 1; }
version=${kernel#/boot/vmlinuz-}
for tool in busybox dropbear dropbearkey cpio gzip; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "missing $tool (apt-get install busybox-static dropbear-bin cpio)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{bin,sbin,etc/dropbear,proc,sys,dev,run,tmp,root/.ssh,lib/modules,usr/share/udhcpc,var/log}
cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"; done

# virtio NIC drivers, in dependency order (modprobe --show-depends lists them for this kernel)
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net virtio_blk)
for module in "${modules[@]}"; do
  path=$(find "/lib/modules/$version" -name "$module.ko*" | head -n 1)
  [ -n "$path" ] || continue
  case "$path" in
    *.ko.xz) xz -dc "$path" > "$root/lib/modules/$module.ko" ;;
    *.ko.zst) zstd -qdc "$path" > "$root/lib/modules/$module.ko" ;;
    *) cp "$path" "$root/lib/modules/$module.ko" ;;
  esac
done

# dropbear and the shared libraries it links
for binary in /usr/sbin/dropbear /usr/bin/dropbearkey; do
  cp "$binary" "$root/sbin/"
  for lib in $(ldd "$binary" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done

echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:*:19000:0:99999:7:::' > "$root/etc/shadow"
echo 'root:x:0:' > "$root/etc/group"
echo '/bin/sh' > "$root/etc/shells"

cat > "$root/usr/share/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    : > /etc/resolv.conf
    for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done
    ;;
esac
exit 0
SCRIPT
chmod +x "$root/usr/share/udhcpc/default.script"

cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net virtio_blk; do
  [ -f /lib/modules/$module.ko ] && insmod /lib/modules/$module.ko 2>/dev/null
done
# The metadata URL (with this provision's secret token) comes on the kernel command line from iPXE.
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    surplus.metadata=*) metadata=${arg#surplus.metadata=} ;;
    surplus.task=*) task=${arg#surplus.task=} ;;
    surplus.wipe=1) wipe=1 ;;
  esac
done
ip link set lo up
iface=$(ls /sys/class/net | grep -v lo | head -n 1)
ip link set "$iface" up
udhcpc -i "$iface" -q -n -t 10 -s /usr/share/udhcpc/default.script >/dev/null 2>&1
wipe_disks() {
  for disk in /sys/block/vd* /sys/block/sd* /sys/block/nvme*n*; do
    [ -e "$disk" ] || continue
    dev=/dev/${disk##*/}
    blkdiscard "$dev" 2>/dev/null || dd if=/dev/zero of="$dev" bs=1M count=64 2>/dev/null
    echo "surplus-lab: wiped $dev"
  done
}
# Deprovisioning: erase the disks, report, power off. The machine goes back to the pool.
if [ "$task" = wipe ]; then
  wipe_disks
  wget -q -O /dev/null --post-data "" "$metadata/phone-home" 2>/dev/null
  echo "surplus-lab: wipe done"
  poweroff -f
fi
[ "$wipe" = 1 ] && wipe_disks
hostname "$(wget -q -O - "$metadata/hostname" 2>/dev/null || echo lab)"
wget -q -O /root/.ssh/authorized_keys "$metadata/public-keys" 2>/dev/null
chmod 700 /root/.ssh; chmod 600 /root/.ssh/authorized_keys
dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
dropbear -s -r /etc/dropbear/dropbear_ed25519_host_key -p 22
# user-data, when it is a shell script, runs once (cloud-init's most common use).
if wget -q -O /tmp/user-data "$metadata/user-data" 2>/dev/null && head -c 2 /tmp/user-data | grep -q '#!'; then
  chmod +x /tmp/user-data && /tmp/user-data > /var/log/user-data.log 2>&1 &
fi
wget -q -O /dev/null --post-data "" "$metadata/phone-home" 2>/dev/null
echo "surplus-lab: ready on $iface"
(
  while sleep 30; do
    rx=$(cat /sys/class/net/$iface/statistics/rx_bytes); tx=$(cat /sys/class/net/$iface/statistics/tx_bytes)
    sessions=$(ps | grep -c '[d]ropbear -s -r.*-p 22' )
    wget -q -O /dev/null --post-data "rx_bytes=$rx&tx_bytes=$tx&ssh_sessions=$((sessions - 1))" "$metadata/heartbeat" 2>/dev/null
  done
) &
exec sh -c 'while true; do sleep 3600; done'
INIT
chmod +x "$root/init"

mkdir -p "$out"
cp "$kernel" "$out/vmlinuz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz"
echo "built $out/vmlinuz ($(du -h "$out/vmlinuz" | cut -f1)) and $out/initrd.gz ($(du -h "$out/initrd.gz" | cut -f1)) from kernel $version"
