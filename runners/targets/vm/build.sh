#!/bin/sh
# Builds everything the VM needs and packs it into .cache/vm/initramfs-<kver>.cpio.gz:
# the module M3IPC_KO (built for KVER by runners/targets/debian/kmod.sh), the fuzzer, the
# unchanged conformance suite and the benchmark worker (both static, since the initramfs has no
# libc), busybox and /init.
# Usage: build.sh KVER M3IPC_KO. Binaries whose sources have not landed yet are left out (/init
# says so); a build that fails fails the script (never a stale binary in the VM).
set -eu
KVER=$1
KO=$2
cd "$(dirname "$0")/../../.."
ROOT=$PWD
CACHE=.cache/vm
OUT=$ROOT/$CACHE/static
mkdir -p "$CACHE"
# VMs of several kernels may be prepared at once: one build of the shared static binaries at a time.
exec 9>"$CACHE/build.lock"
flock 9
make -s -C m3ipc/kmod fuzz >&2
# Static builds go to their own directories so that the host's (dynamic) binaries stay as they are.
if [ -f m3ipc/Makefile ] && [ -d m3ipc/tests ]; then
  make -s -C m3ipc STATIC=1 BUILD="$OUT/m3ipc" "$OUT/m3ipc/m3ipc-conformance" >&2
  ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -pthread -static -Im3ipc/include \
    -o "$OUT/m3ipc-signal-check" m3ipc/kmod/signal_check.c "$OUT/m3ipc/libm3ipc.a" >&2
fi
if [ -f native/Makefile ]; then
  make -s -C native BUILD="$OUT/native" CC="${CC:-cc} -static" "$OUT/native/m3worker" >&2
fi

stage=$(mktemp -d)
tmp=
trap 'rm -rf "$stage" $tmp' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp"
cp /bin/busybox "$stage/bin/busybox"
cp runners/targets/vm/init.sh "$stage/init"
cp "$KO" "$stage/lib/m3ipc.ko"
cp m3ipc/build/kmod/m3ipc-fuzz "$stage/bin/"
for bin in "$OUT/m3ipc/m3ipc-conformance" "$OUT/m3ipc-signal-check" "$OUT/native/m3worker"; do
  # Only static binaries can run in an initramfs without a libc.
  if [ -x "$bin" ] && ! ldd "$bin" >/dev/null 2>&1; then cp "$bin" "$stage/bin/"; fi
done
# Written aside and renamed: a VM booting meanwhile never reads half an initramfs.
tmp=$(mktemp "$CACHE/initramfs.XXXXXX")
( cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1 ) > "$tmp"
mv "$tmp" "$CACHE/initramfs-$KVER.cpio.gz"
tmp=
echo "$CACHE/initramfs-$KVER.cpio.gz"
