#!/bin/sh
# apt.sh SET apt-get|apt-cache ARGS...: apt on one Debian suite set through a private
# configuration under the kernel cache (its own sources list and package lists), never the
# machine's sources. SET: bookworm (with -updates and -security), bookworm-backports, trixie (with
# -updates and -security) or sid. The mirror is the one the machine already uses for Debian, or
# $M3BENCH_DEBIAN_MIRROR. The lists are updated when missing or a day old; a failed update keeps
# the old ones (a warm cache works offline). A failed `apt-get download` updates the lists once
# and tries again (the archive drops superseded kernels). Exit 3 = no lists, or the package
# cannot be downloaded.
set -eu
. "$(dirname "$0")/env.sh"
SET=$1
CMD=$2
shift 2
case $SET in
  bookworm) suites="bookworm bookworm-updates" security=bookworm-security ;;
  bookworm-backports) suites=bookworm-backports security= ;;
  trixie) suites="trixie trixie-updates" security=trixie-security ;;
  sid) suites=sid security= ;;
  *) echo "apt.sh: unknown suite set $SET" >&2; exit 2 ;;
esac
DIR=$KCACHE/apt/$SET
mkdir -p "$DIR/lists/partial" "$DIR/cache"

mirror=$(debian_mirror)
[ -n "$mirror" ] || unavailable "no Debian mirror in this machine's apt configuration: set M3BENCH_DEBIAN_MIRROR"
[ -r "$KEYRING" ] || unavailable "no $KEYRING (package debian-archive-keyring)"
secmirror=$(debian_mirror security)
{
  for s in $suites; do echo "deb [signed-by=$KEYRING] $mirror $s main"; done
  [ -z "$security" ] || [ -z "$secmirror" ] || echo "deb [signed-by=$KEYRING] $secmirror $security main"
} > "$DIR/sources.list"

# The machine's apt.conf.d still applies (proxies, validity checks); the sources and state are ours.
private() {
  prog=$1
  shift
  "$prog" -qq -o Dir::Etc::sourcelist="$DIR/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$DIR/lists" -o Dir::Cache="$DIR/cache" -o Dir::State::status=/dev/null \
    -o APT::Sandbox::User="$(id -un)" -o Acquire::Languages=none "$@"
}

fresh() { [ -n "$(find "$DIR/updated" -mmin -1440 2>/dev/null)" ]; }

update() {
  # --error-on=any: a source that failed is a failed update, not lists to trust for a day.
  if private apt-get update --error-on=any >&2; then
    touch "$DIR/updated"
  elif [ -e "$DIR/updated" ]; then
    echo "apt.sh: cannot update the $SET lists; using those of $(date -r "$DIR/updated")" >&2
  else
    unavailable "cannot fetch the $SET package lists from $mirror"
  fi
}

case $CMD in
  apt-get|apt-cache) ;;
  *) echo "apt.sh: expected apt-get or apt-cache, not $CMD" >&2; exit 2 ;;
esac
if ! fresh; then
  lock "$DIR/update.lock"
  fresh || update # another process may have updated them while this one waited
fi
if [ "$CMD ${1:-}" = "apt-get download" ]; then
  private apt-get "$@" >&2 || { lock "$DIR/update.lock"; update; private apt-get "$@" >&2; } || unavailable "cannot download $*"
else
  private "$CMD" "$@"
fi
