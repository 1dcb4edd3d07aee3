/* futex: shared-memory payload and a sequence word per direction. The receiver polls the word
 * up to `spin` times, then sleeps in FUTEX_WAIT; the sender bumps the word and calls FUTEX_WAKE
 * only if the receiver announced that it sleeps. When both ends of a link are pinned to the
 * same CPU the peer cannot run while we poll, so that link does not spin at all. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mech.h"

#define WAIT_MS 100

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() __asm__ volatile("" ::: "memory")
#endif /* how often a sleeping receiver checks that its peer still exists */

struct futex_words { /* shared: one cache line per receiving end */
    struct {
        unsigned seq;      /* messages sent to this end so far */
        unsigned sleeping; /* this end is in (or entering) FUTEX_WAIT */
    } to[2] __attribute__((aligned(64)));
};

struct futex_link { /* allocated before the fork: each process has its own copy */
    struct futex_words *w;
    unsigned seen[2]; /* messages end e has consumed */
    long spin;
};

static int fx_open(struct link *l, const struct bench *b)
{
    struct futex_link *fl = calloc(1, sizeof *fl);
    if (!fl)
        return mech_fail("out of memory");
    l->priv = fl;
    fl->spin = b->c.spin;
    fl->w = shared_alloc(sizeof *fl->w);
    if (!fl->w)
        return mech_fail("mmap shared: %s", strerror(errno));
    return shm_slots_open(l);
}

static int fx_attach(struct link *l, int end)
{
    struct futex_link *fl = l->priv;
    (void)end;
    if (link_same_cpu(l))
        fl->spin = 0;
    return 0;
}

static void fx_close(struct link *l)
{
    struct futex_link *fl = l->priv;
    if (fl)
        shared_free(fl->w, sizeof *fl->w);
    free(fl);
    l->priv = NULL;
    shm_slots_close(l);
}

static int fx_notify(struct link *l, int end)
{
    struct futex_link *fl = l->priv;
    int to = link_peer(end);
    __atomic_add_fetch(&fl->w->to[to].seq, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&fl->w->to[to].sleeping, __ATOMIC_SEQ_CST))
        futex_wake(&fl->w->to[to].seq, 1);
    return 0;
}

static int fx_wait(struct link *l, int end)
{
    struct futex_link *fl = l->priv;
    unsigned *seq = &fl->w->to[end].seq, seen = fl->seen[end];
    for (long i = 0; i < fl->spin; i++) {
        if (__atomic_load_n(seq, __ATOMIC_ACQUIRE) != seen)
            goto got;
        cpu_relax();
    }
    /* Announce the sleep, then re-check: the sender bumps seq before it looks at `sleeping`,
     * so with sequentially consistent accesses one of us sees the other (no lost wake-up). */
    __atomic_store_n(&fl->w->to[end].sleeping, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(seq, __ATOMIC_SEQ_CST) == seen) {
        if (futex_wait_ms(seq, seen, WAIT_MS) == 0)
            continue;
        if (errno == ETIMEDOUT)
            errno = EINTR; /* a timeout is the moment to look whether the peer still exists */
        if (retry_or_fail(l, end, "futex wait") < 0) {
            __atomic_store_n(&fl->w->to[end].sleeping, 0, __ATOMIC_RELAXED);
            return -1;
        }
    }
    __atomic_store_n(&fl->w->to[end].sleeping, 0, __ATOMIC_RELAXED);
got:
    fl->seen[end] = seen + 1;
    return 0;
}

static int fx_send(struct link *l, int end, size_t len)
{
    memcpy(shm_slot(l, link_peer(end)), l->buf[end], len);
    return fx_notify(l, end);
}

static int fx_recv(struct link *l, int end, size_t len)
{
    if (fx_wait(l, end) < 0)
        return -1;
    memcpy(l->buf[end], shm_slot(l, end), len);
    return 0;
}

static const struct mech_ops futex_ops = {
    .name = "futex",
    .description = "shared-memory payload, futex sequence word per direction, spin-then-wait",
    .family = "modern",
    .order = 210,
    .no_stream = SHM_SLOT_NO_STREAM,
    .open = fx_open,
    .attach = fx_attach,
    .send = fx_send,
    .recv = fx_recv,
    .notify = fx_notify,
    .wait = fx_wait,
    .close = fx_close,
};
MECH_REGISTER(futex_ops)
