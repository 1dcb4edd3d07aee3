# Sourced by the scripts beside it: where the kernel cache is, and the helpers they share.
# M3BENCH_KERNEL_CACHE moves the cache out of the checkout (.ci/run: every fresh clone on a
# machine shares one, so CI fetches and builds a kernel once, not per run).
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
HERE=$REPO/runners/targets/debian
KCACHE=${M3BENCH_KERNEL_CACHE:-$REPO/.cache/kernels}
mkdir -p "$KCACHE"

# unavailable MESSAGE: this cannot be had here (no network, not in the archive, not root); callers skip.
unavailable() {
  echo "$*" >&2
  exit 3
}

# lock FILE: holds FILE locked until the script ends, so that two runs (a VM and the rig, two
# checkouts) fetching or building the same thing take turns instead of racing.
lock() {
  exec 9>"$1"
  flock -w 1800 9 || unavailable "could not lock $1 within 30 minutes"
}

# debian_mirror [security]: the Debian archive (or its security archive) this machine's apt
# already uses, or $M3BENCH_DEBIAN_MIRROR; empty if it has none.
debian_mirror() {
  suffix=${1:+-security}
  if [ -z "$suffix" ] && [ -n "${M3BENCH_DEBIAN_MIRROR:-}" ]; then
    echo "$M3BENCH_DEBIAN_MIRROR"
  else
    apt-get indextargets --format '$(REPO_URI)' 'Identifier: Packages' 2>/dev/null | grep -m1 "/debian$suffix/\$" || true
  fi
}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
