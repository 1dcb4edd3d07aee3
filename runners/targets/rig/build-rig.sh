#!/bin/sh
# Builds the SSH rig's initramfs: busybox, Debian's dropbear with the shared libraries ldd finds,
# an ed25519 host key, /etc/passwd for root, e1000.ko of the packaged kernel KVER (extracted from
# linux-image-KVER into .cache/rig/, never from the host's /lib/modules) and init.sh as /init.
# Usage: build-rig.sh KVER. Prints the initramfs path. Rebuilt only when an input changed.
# Exit 3 = what it needs cannot be installed here (callers skip).
set -eu
KVER=$1
cd "$(dirname "$0")/../../.."
CACHE=.cache/rig
mkdir -p "$CACHE"

need=""
command -v dropbear >/dev/null 2>&1 || [ -x /usr/sbin/dropbear ] || need="$need dropbear-bin"
command -v dropbearkey >/dev/null 2>&1 || need="$need dropbear-bin"
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 || need="$need openssh-client"
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx insmod || need="$need busybox-static"
command -v cpio >/dev/null 2>&1 || need="$need cpio"
if [ -n "$need" ]; then
  echo "installing:$need" >&2
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need; } >&2 \
    || { echo "cannot install$need" >&2; exit 3; }
fi
DROPBEAR=$(command -v dropbear || echo /usr/sbin/dropbear)

KO="$CACHE/e1000-$KVER.ko"
if [ ! -s "$KO" ]; then
  tmp=$(mktemp -d)
  ( cd "$tmp" && { apt-get download -qq "linux-image-$KVER" || { apt-get update -qq && apt-get download -qq "linux-image-$KVER"; }; } ) >&2 \
    || { rm -rf "$tmp"; echo "cannot download linux-image-$KVER" >&2; exit 3; }
  deb=$(ls "$tmp"/linux-image-"$KVER"_*.deb)
  member=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep '/e1000/e1000\.ko' | head -1)
  [ -n "$member" ] || { rm -rf "$tmp"; echo "no e1000.ko in linux-image-$KVER" >&2; exit 1; }
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "$member"
  case "$member" in
    *.xz) xz -dc "$tmp/$member" > "$KO.tmp" ;;
    *.zst) zstd -dcq "$tmp/$member" > "$KO.tmp" ;;
    *) cp "$tmp/$member" "$KO.tmp" ;;
  esac
  mv "$KO.tmp" "$KO"
  rm -rf "$tmp"
fi

LIBS=$(ldd "$DROPBEAR" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | sort -u)
OUT="$CACHE/initramfs-$KVER.cpio.gz"
STAMP="$CACHE/initramfs-$KVER.inputs"
inputs=$(sha256sum runners/targets/rig/build-rig.sh runners/targets/rig/init.sh /bin/busybox "$DROPBEAR" "$KO" $LIBS | sha256sum | cut -d' ' -f1)
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
for lib in $LIBS; do
  mkdir -p "$stage$(dirname "$lib")"
  cp -L "$lib" "$stage$lib"
done
cp "$KO" "$stage/lib/modules/e1000.ko"
cp runners/targets/rig/init.sh "$stage/init"; chmod 755 "$stage/init"
dropbearkey -t ed25519 -f "$stage/etc/dropbear/dropbear_ed25519_host_key" >/dev/null 2>&1
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
