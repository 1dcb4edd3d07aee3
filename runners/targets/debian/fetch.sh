#!/bin/sh
# fetch.sh [SPEC [MODULE...]]: the vmlinuz of a Debian kernel (release.sh SPEC) and the named
# modules of it (e.g. e1000), cached in $KCACHE/<release>/ (vmlinuz, <module>.ko uncompressed,
# for busybox's insmod). Only the packages holding them are downloaded, each once, and they are
# not kept.
# 6.x ships both in linux-image-<release>; 7.x in linux-binary-<release> and
# linux-modules-<release> (linux-image-<release> is a metapackage there).
# Prints KVER=<release>, VMLINUZ=<path> and MODULE_<name>=<path> per module. Exit 3 = cannot be had here.
set -eu
. "$(dirname "$0")/env.sh"
release=$("$HERE/release.sh" "${1:-default}") # an assignment, so that its exit 3 ends this script too
eval "$release"
[ $# -gt 0 ] && shift
OUT=$KCACHE/$KVER
mkdir -p "$OUT"
lock "$OUT/fetch.lock"

has() { "$HERE/apt.sh" "$SET" apt-cache show "$1" >/dev/null 2>&1; }
work=$(mktemp -d "$OUT/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# extract PACKAGE PATTERN DEST: the member of PACKAGE matching PATTERN (grep -E), uncompressed, as
# DEST. A package is downloaded once per run: 6.x's vmlinuz and modules are in the same one.
extract() {
  deb=$work/$1.deb
  if [ ! -e "$deb" ]; then
    mkdir -p "$work/dl"
    ( cd "$work/dl" && "$HERE/apt.sh" "$SET" apt-get download "$1" )
    mv "$work/dl"/*.deb "$deb"
  fi
  # sed, not head: reading to the end spares dpkg-deb a broken pipe.
  member=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -E "$2" | sed -n 1p)
  [ -n "$member" ] || { echo "fetch.sh: nothing like $2 in $1" >&2; exit 1; }
  dpkg-deb --fsys-tarfile "$deb" | tar -x -O "$member" > "$work/member"
  case $member in
    *.xz) xz -dc "$work/member" > "$work/plain" ;;
    *.zst) zstd -dcq "$work/member" > "$work/plain" ;;
    *) mv "$work/member" "$work/plain" ;;
  esac
  # Renamed into place: a reader never sees half a file.
  mv "$work/plain" "$3"
  rm -f "$work/member"
}

# Which package holds what (sets image and modules), asked only when something is missing: each
# apt-cache call reads the whole suite's lists, seconds.
image=
layout() {
  [ -z "$image" ] || return 0
  has "linux-image-$KVER" || unavailable "no linux-image-$KVER in $SET"
  image=linux-image-$KVER modules=linux-image-$KVER
  if has "linux-binary-$KVER"; then image=linux-binary-$KVER modules=linux-modules-$KVER; fi
}
kver_re=$(printf '%s' "$KVER" | sed 's/[.+]/\\&/g') # 7.2.13+deb14: + and . are not regex here
if [ ! -s "$OUT/vmlinuz" ]; then
  layout
  extract "$image" "/(boot/vmlinuz-$kver_re|modules/$kver_re/vmlinuz)\$" "$OUT/vmlinuz"
fi
echo "KVER=$KVER"
echo "VMLINUZ=$OUT/vmlinuz"
for m in "$@"; do
  if [ ! -s "$OUT/$m.ko" ]; then
    layout
    extract "$modules" "/$m\\.ko(\\.xz|\\.zst)?\$" "$OUT/$m.ko"
  fi
  echo "MODULE_$m=$OUT/$m.ko"
done
