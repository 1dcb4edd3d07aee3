#!/bin/sh
# chroot.sh SUITE PACKAGE...: a chroot of Debian SUITE (debootstrap minbase plus PACKAGEs and what
# they depend on) in $KCACHE/chroot/SUITE-<hash of the packages>, made on first use and kept, for
# building a module whose headers want a compiler this machine lacks (7.x: gcc-16 from sid). It is
# written aside and renamed (never half a chroot); package archives, lists, docs and man pages are
# dropped. Prints its directory. Needs root. Exit 3 = cannot be made here.
set -eu
. "$(dirname "$0")/env.sh"
SUITE=$1
shift
[ "$(id -u)" -eq 0 ] || unavailable "a $SUITE chroot needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null 2>&1 || unavailable "no debootstrap here (apt-get install debootstrap)"
mirror=$(debian_mirror)
[ -n "$mirror" ] || unavailable "no Debian mirror in this machine's apt configuration: set M3BENCH_DEBIAN_MIRROR"
include=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
C=$KCACHE/chroot/$SUITE-$(echo "$include" | sha256sum | cut -c1-8)
mkdir -p "$KCACHE/chroot"
lock "$C.lock"
if [ ! -d "$C" ]; then
  log=$C.log
  rm -rf "$C.tmp"
  started=$(date +%s)
  # In its own mount namespace: whatever debootstrap mounts inside the target (proc, sys) goes
  # with it, even if it fails half-way (so the rm -rf below never meets a mounted /proc).
  unshare --mount debootstrap --variant=minbase --include="$include" --keyring="$KEYRING" "$SUITE" "$C.tmp" "$mirror" >"$log" 2>&1 \
    || { tail -n 15 "$log" >&2; rm -rf "$C.tmp"; unavailable "debootstrap of $SUITE failed (log: $log)"; }
  rm -rf "$C.tmp"/var/cache/apt/archives/*.deb "$C.tmp"/var/lib/apt/lists/* "$C.tmp"/usr/share/doc "$C.tmp"/usr/share/man "$C.tmp"/usr/share/locale
  echo "made in $(($(date +%s) - started)) s, $(du -sh "$C.tmp" | cut -f1): $include" >> "$log"
  mv "$C.tmp" "$C"
fi
echo "$C"
