#!/bin/sh
# Builds the SSH rig's initramfs: busybox, Debian's dropbear and kexec (kexec-tools: a kernel
# configuration reboots a lab host by kexec) and, when this host has it, perf (linux-perf: the
# receiver's kernel profile of tests A/B is recorded on the guest) with the shared libraries ldd finds, the rig's one
# ed25519 host key (the same in every kernel's initramfs, as a lab host keeps its key on disk
# across kernels), /etc/passwd for root, the e1000.ko of the guest kernel KVER (fetched by
# runners/targets/debian/fetch.sh, never from the host's /lib/modules) and init.sh as /init.
# Usage: build-rig.sh KVER E1000_KO. Prints the initramfs path. Rebuilt only when an input changed.
# What it packs is installed by `runners/targets/vm/prepare.sh rig` (rig.ts runs it first).
set -eu
KVER=$1
KO=$2
cd "$(dirname "$0")/../../.."
CACHE=.cache/rig
mkdir -p "$CACHE"

DROPBEAR=$(command -v dropbear || echo /usr/sbin/dropbear)
KEXEC=$(command -v kexec || echo /usr/sbin/kexec)
PERF=$(command -v perf || true)
HOSTKEY="$CACHE/dropbear_ed25519_host_key"
[ -s "$HOSTKEY" ] || dropbearkey -t ed25519 -f "$HOSTKEY" >/dev/null 2>&1

LIBS=$(ldd "$DROPBEAR" "$KEXEC" $PERF | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | sort -u)
OUT="$CACHE/initramfs-$KVER.cpio.gz"
STAMP="$CACHE/initramfs-$KVER.inputs"
inputs=$(sha256sum runners/targets/rig/build-rig.sh runners/targets/rig/init.sh /bin/busybox "$DROPBEAR" "$KEXEC" $PERF "$HOSTKEY" "$KO" $LIBS | sha256sum | cut -d' ' -f1)
if [ -s "$OUT" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$inputs" ]; then
  echo "$OUT"
  exit 0
fi

stage=$(mktemp -d)
tmp=
trap 'rm -rf "$stage" $tmp' EXIT
mkdir -p "$stage/bin" "$stage/usr" "$stage/lib/modules" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" \
  "$stage/root" "$stage/etc/dropbear" "$stage/var/log" "$stage/run"
ln -s /bin "$stage/sbin"; ln -s /bin "$stage/usr/bin"; ln -s /bin "$stage/usr/sbin"
chmod 1777 "$stage/tmp"; chmod 700 "$stage/root"
cp /bin/busybox "$stage/bin/busybox"
cp "$DROPBEAR" "$stage/bin/dropbear"
cp "$KEXEC" "$stage/bin/kexec"
[ -z "$PERF" ] || cp "$PERF" "$stage/bin/perf"
for lib in $LIBS; do
  mkdir -p "$stage$(dirname "$lib")"
  cp -L "$lib" "$stage$lib"
done
cp "$KO" "$stage/lib/modules/e1000.ko"
cp runners/targets/rig/init.sh "$stage/init"; chmod 755 "$stage/init"
cp "$HOSTKEY" "$stage/etc/dropbear/dropbear_ed25519_host_key"
echo 'root:x:0:0:root:/root:/bin/sh' > "$stage/etc/passwd"
echo 'root::0:' > "$stage/etc/group"; echo 'tty::5:' >> "$stage/etc/group"
echo 'root:*:19000:0:99999:7:::' > "$stage/etc/shadow"; chmod 600 "$stage/etc/shadow"
echo '/bin/sh' > "$stage/etc/shells"
tmp=$(mktemp "$CACHE/initramfs.XXXXXX")
( cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet | gzip -1 ) > "$tmp"
mv "$tmp" "$OUT"
tmp=
echo "$inputs" > "$STAMP"
echo "$OUT"
