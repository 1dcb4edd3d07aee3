#!/bin/sh
# Makes this host able to boot the VM target: installs qemu, Debian's packaged kernel headers,
# busybox-static and cpio (lean, no recommends), then fetches only the vmlinuz of the kernel that
# those headers belong to (the host's own kernel differs and cannot load modules here).
# Prints "KVER=<version>" on success. Exit 3 means "cannot be installed here" (callers skip).
set -eu
cd "$(dirname "$0")/../../.."
CACHE=.cache/vm
mkdir -p "$CACHE"

need=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || need="$need qemu-system-x86"
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx insmod || need="$need busybox-static"
command -v cpio >/dev/null 2>&1 || need="$need cpio"
dpkg -s linux-headers-amd64 >/dev/null 2>&1 || need="$need linux-headers-amd64"
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } >&2 \
    || { echo "cannot install$need" >&2; exit 3; }
fi

# The version comes from the headers metapackage's dependency, never from uname -r.
KVER=$(dpkg -s linux-headers-amd64 | sed -n 's/^Depends:.*linux-headers-\([^ ]*\) .*/\1/p')
[ -n "$KVER" ] || { echo "cannot tell the packaged kernel version" >&2; exit 3; }
[ -d "/usr/src/linux-headers-$KVER" ] || { echo "headers for $KVER missing" >&2; exit 3; }

if [ ! -s "$CACHE/vmlinuz-$KVER" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # Stale or absent package lists (all packages already installed, lists cleaned): update once, retry.
  ( cd "$tmp" && { apt-get download -qq "linux-image-$KVER" || { apt-get update -qq && apt-get download -qq "linux-image-$KVER"; }; } ) >&2 \
    || { echo "cannot download linux-image-$KVER" >&2; exit 3; }
  dpkg-deb --fsys-tarfile "$tmp"/linux-image-"$KVER"_*.deb | tar -x -C "$tmp" "./boot/vmlinuz-$KVER"
  mv "$tmp/boot/vmlinuz-$KVER" "$CACHE/vmlinuz-$KVER"
fi
echo "KVER=$KVER"
