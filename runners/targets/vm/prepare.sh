#!/bin/sh
# Makes this host able to boot the VM target and the rig: installs what is missing of qemu,
# busybox-static and cpio (lean, no recommends). The kernels come from runners/targets/debian/
# (fetched per release, never the host's own: it cannot load modules here).
# Exit 3 means "cannot be installed here" (callers skip).
set -eu
need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx insmod || need="$need busybox-static"
command -v cpio >/dev/null 2>&1 || need="$need cpio"
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } >&2 \
    || { echo "cannot install$need" >&2; exit 3; }
fi
