#!/bin/sh
# Builds everything the VM needs and packs it into .cache/vm/initramfs-<kver>.cpio.gz:
# the module (against Debian's packaged headers), the fuzzer, the unchanged conformance suite and
# the benchmark worker (both static, since the initramfs has no libc), busybox and /init.
# Usage: build.sh KVER. Binaries another area has not landed yet are left out (/init says so).
set -eu
KVER=$1
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=.cache/vm
make -s -C "/usr/src/linux-headers-$KVER" M="$ROOT/m3ipc/kmod" modules >&2
make -s -C m3ipc/kmod fuzz >&2
if [ -f m3ipc/include/m3ipc.h ]; then make -s -C m3ipc STATIC=1 >&2 || echo "conformance build failed" >&2; fi
if [ -f native/Makefile ]; then make -s -C native STATIC=1 >&2 || echo "worker build failed" >&2; fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
cp /bin/busybox "$stage/bin/busybox"
cp runners/vm/init.sh "$stage/init"
cp m3ipc/kmod/m3ipc.ko "$stage/lib/m3ipc.ko"
cp m3ipc/build/kmod/m3ipc-fuzz "$stage/bin/"
for bin in m3ipc/build/m3ipc-conformance native/build/m3worker; do
  # Only static binaries can run in an initramfs without a libc.
  if [ -x "$bin" ] && ! ldd "$bin" >/dev/null 2>&1; then cp "$bin" "$stage/bin/"; fi
done
( cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$CACHE/initramfs-$KVER.cpio.gz.tmp"
mv "$CACHE/initramfs-$KVER.cpio.gz.tmp" "$CACHE/initramfs-$KVER.cpio.gz"
echo "$CACHE/initramfs-$KVER.cpio.gz"
