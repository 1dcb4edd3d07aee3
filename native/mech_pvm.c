/* pvm: process_vm_writev moves the payload straight from the sender's buffer into the
 * receiver's (one copy, no kernel buffer); an eventfd per direction then tells the receiver
 * that it is there (the cheapest blocking signal available, see docs/mechanisms.md). Buffers
 * were allocated before the fork, so the peer's buffer has the same address as in the worker. */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "evsync.h"
#include "mech.h"

static int pvm_setup(struct bench *b, struct detail *d)
{
    (void)b;
    /* Probe on ourselves: ENOSYS (kernel without CONFIG_CROSS_MEMORY_ATTACH) or a seccomp/LSM
     * denial means the capability is missing here. */
    char src = 1, dst = 0;
    struct iovec local = {&src, 1}, remote = {&dst, 1};
    if (process_vm_writev(getpid(), &local, 1, &remote, 1, 0) != 1) {
        mech_fail("process_vm_writev unavailable: %s", strerror(errno));
        return MECH_SKIP;
    }
    detail_str(d, "sync", "eventfd");
    return 0;
}

static int pvm_open(struct link *l, const struct bench *b)
{
    (void)b;
    return evsync_open(l);
}

/* Under Yama ptrace_scope=1 only an ancestor may write into a process: COPY2's A writes into
 * its sibling B, so every process allows it explicitly (a no-op without Yama). */
static int pvm_attach(struct link *l, int end)
{
    (void)l;
    (void)end;
    prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    return 0;
}

static int pvm_send(struct link *l, int end, size_t len)
{
    int peer = link_peer(end);
    struct iovec local = {l->buf[end], len}, remote = {l->buf[peer], len};
    ssize_t n = process_vm_writev(l->pid[peer], &local, 1, &remote, 1, 0);
    if (n != (ssize_t)len)
        return mech_fail("process_vm_writev to %d: %s", (int)l->pid[peer], n < 0 ? strerror(errno) : "short copy");
    return evsync_post(l, end);
}

/* The data is already in buf[end]: only the signal has to arrive. */
static int pvm_recv(struct link *l, int end, size_t len)
{
    (void)len;
    return evsync_wait(l, end);
}

static const struct mech_ops pvm_ops = {
    .name = "pvm",
    .description = "process_vm_writev into the peer's buffer (single copy), eventfd to signal",
    .family = "modern",
    .order = 220,
    .setup = pvm_setup,
    .open = pvm_open,
    .attach = pvm_attach,
    .send = pvm_send,
    .recv = pvm_recv,
};
MECH_REGISTER(pvm_ops)
