#!/bin/sh
# release.sh [SPEC]: which Debian kernel release a spec names, and the suite set that has it.
# Prints "KVER=<release as uname -r shows it>" and "SET=<suite set of apt.sh>".
#   (none), default, 6.1   bookworm's current 6.1 (linux-image-amd64 there)
#   6.12                   bookworm-backports' current 6.12
#   7.2                    sid's current 7.2
#   a full release         itself: 6.1.0-57-amd64 (bookworm), 6.12.95+deb12-amd64
#                          (bookworm-backports), ...+deb13-* (trixie), ...+deb14-* (sid)
# A version whose suite has moved on (sid at 7.3 for "7.2") or a release that is not Debian's
# exits 3 (cannot be had here); an unknown spec exits 2.
set -eu
. "$(dirname "$0")/env.sh"
SPEC=${1:-default}
case $SPEC in
  default | 6.1) SET=bookworm VERSION=6.1 ;;
  6.12) SET=bookworm-backports VERSION=6.12 ;;
  7.2) SET=sid VERSION=7.2 ;;
  *+deb12-*) SET=bookworm-backports KVER=$SPEC ;;
  *+deb13-*) SET=trixie KVER=$SPEC ;;
  *+deb14-*) SET=sid KVER=$SPEC ;;
  [0-9]*.[0-9]*.[0-9]*-[0-9]*-*) SET=bookworm KVER=$SPEC ;;
  [0-9]*.[0-9]*.[0-9]*) unavailable "kernel $SPEC is not a Debian release (no packaged headers or image to fetch)" ;;
  *) echo "release.sh: unknown kernel spec '$SPEC' (default, 6.1, 6.12, 7.2 or a Debian release such as 6.12.95+deb12-amd64)" >&2; exit 2 ;;
esac
if [ -z "${KVER:-}" ]; then
  # The suite's current one: what its linux-image-amd64 depends on.
  deps=$("$HERE/apt.sh" "$SET" apt-cache depends linux-image-amd64) || unavailable "no linux-image-amd64 in $SET"
  KVER=$(echo "$deps" | sed -n 's/^ *Depends: linux-image-//p' | sed -n 1p)
  case $KVER in
    "$VERSION".*) ;;
    *) unavailable "$SET has moved on to $KVER: name a full release for $VERSION" ;;
  esac
fi
echo "KVER=$KVER"
echo "SET=$SET"
