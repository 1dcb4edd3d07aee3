#!/bin/sh
# kmod.sh RELEASE: m3ipc.ko for a Debian kernel release, DKMS-style: built against that release's
# packaged headers and cached as $KCACHE/<release>/m3ipc.ko with a stamp of what it was built
# from (m3ipc/kmod and m3ipc/include sources, this script, M3IPC_WERROR), so it is rebuilt only
# when that changes. Prints the path of the module.
# The headers (linux-headers-<release>, its -common and linux-kbuild packages) are unpacked once
# into $KCACHE/<release>/headers. The compiler is the one they were made with: this machine's
# gcc-N when it has it (6.1 and 6.12: gcc-12), else a cached chroot of the release's suite with
# what the headers depend on (7.x: gcc-16 from sid; chroot.sh), where the build runs in a private
# mount namespace (proc and the release directory bound in, gone when make ends).
# Without pahole the module's BTF is skipped (it loads all the same). Exit 3 = cannot be had here.
set -eu
. "$(dirname "$0")/env.sh"
release=$("$HERE/release.sh" "$1") # an assignment, so that its exit 3 ends this script too
eval "$release"
OUT=$KCACHE/$KVER
mkdir -p "$OUT"
lock "$OUT/kmod.lock"

stamp=$(cd "$REPO" && { find m3ipc/kmod m3ipc/include -type f \( -name '*.[ch]' -o -name Kbuild \) | sort | xargs sha256sum; sha256sum runners/targets/debian/kmod.sh; echo "M3IPC_WERROR=${M3IPC_WERROR:-}"; } | sha256sum | cut -d' ' -f1)
if [ -s "$OUT/m3ipc.ko" ] && [ "$(cat "$OUT/m3ipc.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$OUT/m3ipc.ko"
  exit 0
fi

work=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
HEADERS=$OUT/headers
KDIR=$HEADERS/usr/src/linux-headers-$KVER
if [ ! -e "$KDIR/Makefile" ]; then
  ( cd "$work" && "$HERE/apt.sh" "$SET" apt-get download "linux-headers-$KVER" )
  # The -common and linux-kbuild packages it names; the rest of what both depend on is what a
  # chroot would need (the compiler: gcc-16-for-host, or linux-compiler-gcc-12-x86 for 6.1;
  # pahole, libelf, ...).
  deps() { dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/[ |].*//'; }
  ( cd "$work" && "$HERE/apt.sh" "$SET" apt-get download $(deps "$work"/linux-headers-*.deb | grep -E '^linux-(headers-.*-common|kbuild-)') )
  rm -rf "$HEADERS.tmp"
  for deb in "$work"/*.deb; do dpkg -x "$deb" "$HEADERS.tmp"; done
  for deb in "$work"/*.deb; do deps "$deb"; done | grep -Ev '^linux-(headers|kbuild|image|base)' | sort -u > "$HEADERS.tmp/.depends"
  # The headers' Makefile includes the -common tree by absolute path (/usr/src/...): point it here.
  sed -i "s#/usr/src/#$HEADERS/usr/src/#g" "$HEADERS.tmp/usr/src/linux-headers-$KVER/Makefile"
  rm -rf "$HEADERS" "$work"/*.deb
  mv "$HEADERS.tmp" "$HEADERS"
fi

tar -C "$REPO/m3ipc" --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' --exclude='.*.cmd' \
  --exclude=Module.symvers --exclude=modules.order -cf - kmod include | tar -C "$work" -xf -
gcc=gcc-$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)[0-9][0-9][0-9][0-9]$/\1/p' "$KDIR/.config")
if command -v "$gcc" >/dev/null 2>&1; then
  nobtf=
  command -v pahole >/dev/null 2>&1 || { nobtf=CONFIG_DEBUG_INFO_BTF_MODULES=; echo "kmod.sh: no pahole (package dwarves): m3ipc.ko for $KVER without BTF" >&2; }
  make -s -C "$KDIR" M="$work/kmod" $nobtf modules >&2
else
  base=${SET%-backports}
  C=$("$HERE/chroot.sh" "$base" make $(cat "$HEADERS/.depends"))
  echo "kmod.sh: building m3ipc.ko for $KVER with $gcc in the $base chroot $C" >&2
  unshare --mount --pid --fork sh -c 'mount -t proc proc "$1/proc" && mkdir -p "$1$2" && mount --bind "$2" "$1$2" && exec chroot "$1" make -s -C "$3" M="$4" modules' \
    sh "$C" "$OUT" "$KDIR" "$work/kmod" >&2
fi
cp "$work/kmod/m3ipc.ko" "$OUT/m3ipc.ko.tmp"
mv "$OUT/m3ipc.ko.tmp" "$OUT/m3ipc.ko"
echo "$stamp" > "$OUT/m3ipc.stamp"
echo "$OUT/m3ipc.ko"
