#!/bin/busybox sh
# /init of an m3bench rig guest: busybox, e1000, static addresses, dropbear on port 22.
# The host passes m3rig_name, m3rig_link (192.168.77.N) and m3rig_key (the ed25519 public key
# blob) on the kernel command line; lines for the host start with "M3RIG:" on ttyS0.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
# The scheduler's per-CPU counters (collectors/sched-switches.ts) are in debugfs, as on a systemd host.
mount -t debugfs debugfs /sys/kernel/debug
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm /tmp /run /var/log /root/.ssh
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs shm /dev/shm
say() { echo "M3RIG: $*"; }
hostname "${m3rig_name:-m3rig}"
insmod /lib/modules/e1000.ko || say "insmod e1000 failed"
# Interfaces by MAC: the host gives the uplink 52:54:00:00:00:xx and the link 52:54:00:77:00:xx.
up= link=
for i in 1 2 3 4 5 6 7 8 9 10; do
  for d in /sys/class/net/*; do
    case "$(cat "$d/address")" in
      52:54:00:00:00:*) up=${d##*/} ;;
      52:54:00:77:00:*) link=${d##*/} ;;
    esac
  done
  [ -n "$up" ] && break
  sleep 0.5
done
ip link set lo up
if [ -n "$up" ]; then
  ip addr add 10.0.2.15/24 dev "$up" && ip link set "$up" up && ip route add default via 10.0.2.2
fi
if [ -n "$link" ] && [ -n "$m3rig_link" ]; then
  ip addr add "$m3rig_link/24" dev "$link" && ip link set "$link" up
fi
say "net uplink=$up link=$link addr=$m3rig_link"
# The rig's kernel, installed as on a lab host (/boot/vmlinuz-RELEASE and its initrd), so that a
# kernel configuration of it can kexec it (runners/targets/ssh-reboot.ts). qemu's user network
# serves them by TFTP from the host (rig.ts); every boot fetches them again, a kexec'd one too
# (this initramfs lives in RAM). m3rig_kver names the rig's kernel, whichever kernel runs now.
mkdir -p /boot
if [ -n "$m3rig_kver" ] && tftp -g -b 65464 -r vmlinuz -l "/boot/vmlinuz-$m3rig_kver" 10.0.2.2 &&
   tftp -g -b 65464 -r initrd.img -l "/boot/initrd.img-$m3rig_kver" 10.0.2.2; then
  say "kernel $m3rig_kver installed in /boot"
else
  rm -f /boot/*; say "kernel not installed in /boot (no TFTP from the host)"
fi
umask 077
[ -n "$m3rig_key" ] && echo "ssh-ed25519 $m3rig_key m3rig" > /root/.ssh/authorized_keys
umask 022
say "sshd up kernel $(uname -r) ncpus $(nproc)"
while true; do
  dropbear -F -E -s -r /etc/dropbear/dropbear_ed25519_host_key -p 22
  say "dropbear exited rc=$?"
  sleep 1
done
