#!/usr/bin/env bash
# Installs the system packages the tests use: the one install path for CI (.ci/run) and for
# `npm test` (its "pretest" step), so a newcomer's machine gets what CI's gets.
#
# Best effort and lean: as root on Debian/Ubuntu (apt), whatever is missing is installed with
# --no-install-recommends after one `apt-get update`; a package that cannot be installed is named
# and skipped (the tests that need it skip, saying why). Not root, or no apt: nothing is installed.
# Always exits 0. Quick when everything is there (dpkg queries only, no apt-get).
# M3BENCH_NO_INSTALL=1 skips it altogether.
set -euo pipefail

packages=(
  build-essential make cpio busybox-static   # native build, VM initramfs
  g++ python3                                # better-sqlite3 (the run history) is built by node-gyp at npm install
  qemu-system-x86                            # kernel-module backend, booted under emulation (Debian kernels fetched per release)
  dwarves debootstrap xz-utils               # the module per Debian kernel: BTF (pahole), 7.x's sid chroot, .ko.xz
  debian-archive-keyring                     # ... and the archive's keys for its private apt lists
  iproute2 ethtool sysstat linux-perf        # tests A/B: namespaces, NIC knobs, sar cross-check, profiles
  chromium fonts-dejavu-core                 # HTML report check, chart font
  dropbear-bin openssh-client                # the SSH target's rig: sshd in the guests, ssh here
  kexec-tools                                # ... and kexec in them (kernel configurations on a lab host)
)

say() { echo "install-test-deps: $*"; }

if [ "${M3BENCH_NO_INSTALL:-}" = 1 ]; then
  say "M3BENCH_NO_INSTALL=1: not installing test dependencies"
  exit 0
fi

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }

missing_packages() {
  missing=()
  local p
  for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "no apt/dpkg here: install the equivalents of ${packages[*]} by hand; tests needing tools that are missing will skip"
  exit 0
fi

missing_packages
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  say "not root: not installing ${missing[*]}; tests needing them will skip (run this script as root to install them)"
  exit 0
fi

# Concurrent `npm test` runs on one machine: one installs, the others wait and then find it done.
lock=/run/lock/m3bench-install-test-deps.lock
if command -v flock >/dev/null 2>&1 && { exec 9>"$lock"; } 2>/dev/null; then
  flock -w 900 9 || say "could not take $lock within 900 s; going on"
  missing_packages
  [ ${#missing[@]} -eq 0 ] && exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -qq --no-install-recommends -o DPkg::Lock::Timeout=600)
say "installing ${missing[*]}"
apt-get update -qq -o DPkg::Lock::Timeout=600 >/dev/null 2>&1 || say "apt-get update failed; trying the package lists already here"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! apt-get install "${apt_opts[@]}" "${missing[@]}" >"$log" 2>&1; then
  # One unknown or broken package fails the whole transaction: try each one alone.
  for p in "${missing[@]}"; do
    installed "$p" && continue
    apt-get install "${apt_opts[@]}" "$p" >"$log" 2>&1 || say "$p: $(grep -E '^(E|W):' "$log" | tail -n 1 || tail -n 1 "$log")"
  done
fi

missing_packages
if [ ${#missing[@]} -gt 0 ]; then
  say "not installed: ${missing[*]}; tests needing them will skip"
else
  say "done"
fi
exit 0
