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
#include "loops.h"
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

/* buf[end][0..len) into the same place of the peer's buffer. */
static int pvm_write(struct link *l, int end, size_t len)
{
    int peer = link_peer(end);
    struct iovec local = {l->buf[end], len}, remote = {l->buf[peer], len};
    ssize_t n = process_vm_writev(l->pid[peer], &local, 1, &remote, 1, 0);
    if (n != (ssize_t)len)
        return mech_fail("process_vm_writev to %d: %s", (int)l->pid[peer], n < 0 ? strerror(errno) : "short copy");
    return 0;
}

static int pvm_send(struct link *l, int end, size_t len)
{
    return pvm_write(l, end, len) < 0 ? -1 : evsync_post(l, end);
}

/* The data is already in buf[end]: only the signal has to arrive. */
static int pvm_recv(struct link *l, int end, size_t len)
{
    (void)len;
    return evsync_wait(l, end);
}

/* COPY stream: the writer (end 0 of the block link) puts `burst` blocks into the reader's
 * buffer, one process_vm_writev each, and posts once: "the burst is there". The reader (end 1)
 * then finds only the burst's last block in its buffer and checks that one; with verify the
 * writer reads every earlier block back from the reader before writing the next. */
static int write_burst(const struct bench *b, struct link *l)
{
    for (long k = b->c.burst; k > 0; k--) {
        unsigned long seq = b->c.verify ? verify_put(l->buf[0], b->c.size, 0) : 0;
        if (pvm_write(l, 0, b->c.size) < 0)
            return -1;
        if (b->c.verify && k > 1 && verify_remote(l->pid[1], l->buf[1], b->c.size, seq, 0) < 0)
            return -1;
    }
    return evsync_post(l, 0);
}

/* *bursts: bursts this reader took so far, counted with verify only (the writer numbers the
 * blocks from 0). */
static int read_burst(const struct bench *b, struct link *l, unsigned long *bursts)
{
    if (evsync_wait(l, 1) < 0)
        return -1;
    if (!b->c.verify)
        return 0;
    unsigned long last = ++*bursts * (unsigned long)b->c.burst - 1;
    return verify_check(l->buf[1], b->c.size, last, 0);
}

/* Roles as in the generic loops (loops.c): the 1-byte command/ack/done messages are pvm_send. */
static int pvm_stream(struct bench *b, int g, enum role role, long iters)
{
    struct link *l = &b->links[g * b->nlinks];
    unsigned long bursts = 0;
    for (long i = 0; iters < 0 || i < iters; i += b->c.burst) {
        int rc;
        if (b->c.test == TEST_COPY1 && role == ROLE_CLIENT)
            rc = write_burst(b, &l[0]) < 0 || pvm_recv(&l[0], 0, 1) < 0;
        else if (b->c.test == TEST_COPY1)
            rc = read_burst(b, &l[0], &bursts) < 0 || pvm_send(&l[0], 1, 1) < 0;
        else if (role == ROLE_CLIENT)
            rc = pvm_send(&l[0], 0, 1) < 0 || pvm_recv(&l[2], 0, 1) < 0;
        else if (role == ROLE_A)
            rc = pvm_recv(&l[0], 1, 1) < 0 || write_burst(b, &l[1]) < 0;
        else
            rc = read_burst(b, &l[1], &bursts) < 0 || pvm_send(&l[2], 1, 1) < 0;
        if (rc)
            return -1;
    }
    return 0;
}

/* Sync and the IPC tests are the generic loops: a post per message is an ack per block. */
static int pvm_loop(struct bench *b, int g, enum role role, long iters)
{
    if (b->c.copy_mode == COPY_STREAM)
        return pvm_stream(b, g, role, iters);
    return generic_loop(b, g, role, iters);
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
    .loop = pvm_loop,
};
MECH_REGISTER(pvm_ops)
