#!/bin/busybox sh
# /init of the m3bench VM. The kernel command line chooses what it does (m3mode=test|worker);
# every line meant for the host starts with "M3VM:" on the console (ttyS0), kernel noise aside.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/shm /dev/mqueue /tmp
mount -t tmpfs shm /dev/shm
mount -t mqueue mqueue /dev/mqueue 2>/dev/null
chmod 755 /   # the initramfs root comes as 0700: other users (an unprivileged run) must reach /dev

say() { echo "M3VM: $*"; }
# step NAME CMD...: runs CMD, its output prefixed, then reports the exit code.
step() {
  name=$1; shift
  say "begin $name"
  "$@" 2>&1 | sed "s/^/M3VM: [$name] /"
  say "step $name rc=$(cat /tmp/rc)"
}
run() { "$@"; echo $? > /tmp/rc; }
finish() { sync; poweroff -f; sleep 10; }

say "kernel $(uname -r) ncpus $(grep -c ^processor /proc/cpuinfo)"
step insmod run insmod /lib/m3ipc.ko
[ -c /dev/m3ipc ] || { say "no /dev/m3ipc"; finish; }

case "$m3mode" in
worker)
  # The host speaks the worker line protocol over the second serial port.
  stty -F /dev/ttyS1 raw -echo
  # Before the worker: what this boot is, for the host to verify a kernel configuration against
  # (runners/kernel/boot-check.ts). One "M3SNAP PATH BASE64" line per file, then "M3SNAP end".
  snap() { for f in "$@"; do [ -r "$f" ] && echo "M3SNAP $f $(base64 -w 0 < "$f")"; done; }
  dmesg > /tmp/dmesg
  {
    snap /proc/sys/kernel/osrelease /proc/cmdline /proc/modules /tmp/dmesg /proc/irq/default_smp_affinity \
      /sys/devices/system/cpu/isolated /sys/devices/system/cpu/nohz_full /sys/devices/system/cpu/online \
      /sys/devices/system/cpu/vulnerabilities/*
    for p in $(cat /proc/cmdline); do
      case "$p" in sysctl.*=*) k=${p#sysctl.}; snap "/proc/sys/$(echo "${k%%=*}" | tr . /)" ;; esac
    done
    echo "M3SNAP end"
  } > /dev/ttyS1
  say "worker start"
  /bin/m3worker < /dev/ttyS1 > /dev/ttyS1 2>/tmp/worker.err
  say "worker exit rc=$?"
  sed 's/^/M3VM: [worker-stderr] /' /tmp/worker.err
  ;;
*)
  for t in m3ipc-conformance m3ipc-signal-check m3ipc-fuzz; do
    [ -x /bin/$t ] || say "missing $t"
  done
  # m3repeat=N (kernel command line) repeats both, to shake out races by hand.
  for i in $(seq "${m3repeat:-1}"); do
    # An unprivileged user's run beside root's: two runs on the module must not disturb each other.
    [ -x /bin/m3ipc-conformance ] && { /bin/m3ipc-conformance --backend kmod --uid 1000 >/tmp/user.out 2>&1; echo $? >/tmp/user.rc; } &
    [ -x /bin/m3ipc-conformance ] && step conformance run env M3IPC_BACKEND=kmod /bin/m3ipc-conformance --backend kmod
    wait
    [ -x /bin/m3ipc-conformance ] && step conformance-user run sh -c 'cat /tmp/user.out; exit $(cat /tmp/user.rc)'
    [ -x /bin/m3ipc-signal-check ] && step signals run /bin/m3ipc-signal-check
    [ -x /bin/m3ipc-fuzz ] && step fuzz run /bin/m3ipc-fuzz 100000
  done
  # The benchmark worker's content self-test of m3-kmod (every test, COPY in both copy modes),
  # then the proof that it can fail on the module: one flipped byte per message must fail it.
  # worker_selftest EXPECT [VAR=VALUE]: prints the answer line (test/kmod-kernels.test.ts reads
  # it); rc 0 iff it starts with EXPECT.
  worker_selftest() {
    echo "selftest m3-kmod" | env $2 /bin/m3worker | tail -n 1 > /tmp/st
    cat /tmp/st
    grep -q "^$1" /tmp/st
  }
  if [ -x /bin/m3worker ]; then
    step worker-selftest run worker_selftest '{"ok":true,"checked":[1-9][0-9]*,"skipped":0,'
    step worker-corrupt run worker_selftest '{"ok":false,' M3BENCH_CORRUPT=m3-kmod
  fi
  ;;
esac

# Whatever ran, the kernel log must be clean and the module must unload.
step proc run cat /proc/m3ipc/stats /proc/m3ipc/vms /proc/m3ipc/procs
# Every page the module pinned is unpinned again (no leaked or doubly released pin); writing
# stat_refresh folds the per-CPU parts of the counters in first.
echo 1 > /proc/sys/vm/stat_refresh
step pins run grep -E '^nr_foll_pin_(acquired|released) ' /proc/vmstat
if dmesg | grep -E 'BUG|WARNING|Oops|general protection|lockdep|possible recursive|KASAN|refcount_t' >/tmp/bad; then
  sed 's/^/M3VM: [dmesg] /' /tmp/bad
  say "step dmesg rc=1"
else
  say "step dmesg rc=0"
fi
step rmmod run rmmod m3ipc
# If it did not unload, show who still holds it.
[ -d /sys/module/m3ipc ] && ps -o pid,stat,args | sed 's/^/M3VM: [rmmod] /'
say "done"
finish
