#!/bin/sh
# prepare.sh [rig]: makes this host able to boot the VM target, and with "rig" the SSH rig too:
# installs what is missing of qemu, busybox-static and cpio (the rig: and of dropbear, the ssh
# client, kexec-tools and perf for the guests' kernel profiles), lean, no recommends, after one apt-get update. The kernels come from
# runners/targets/debian/ (fetched per release, never the host's own: it cannot load modules here).
# Exit 3 means "cannot be installed here" (callers skip).
set -eu
need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx insmod || need="$need busybox-static"
command -v cpio >/dev/null 2>&1 || need="$need cpio"
if [ "${1:-}" = rig ]; then
  command -v dropbear >/dev/null 2>&1 || [ -x /usr/sbin/dropbear ] || need="$need dropbear-bin"
  command -v dropbearkey >/dev/null 2>&1 || need="$need dropbear-bin"
  command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || need="$need openssh-client"
  command -v kexec >/dev/null 2>&1 || [ -x /usr/sbin/kexec ] || need="$need kexec-tools"
  command -v perf >/dev/null 2>&1 || need="$need linux-perf"
fi
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } >&2 \
    || { echo "cannot install$need" >&2; exit 3; }
fi
