/* memcpy: the bw_mem-like upper bound for COPY — one block copied inside one address space,
 * no second process, no kernel. IPC tests do not apply. With no peer there is nothing to
 * acknowledge: sync and stream are the same loop of copies (stream only rounds `run N` up to
 * whole bursts, like every mechanism). */
#include <string.h>

#include "loops.h"
#include "mech.h"

static int mc_setup(struct bench *b, struct detail *d)
{
    if (b->c.copy_mode == COPY_STREAM)
        detail_str(d, "copy_mode_note", "memcpy has no peer: stream is the same copy as sync");
    return 0;
}

static int mc_loop(struct bench *b, int g, enum role role, long iters)
{
    struct link *l = &b->links[g * b->nlinks];
    size_t size = b->c.size;
    (void)role;
    for (long i = 0; i < iters; i++) {
        unsigned long seq = b->c.verify ? verify_put(l->buf[0], size, 0) : 0;
        memcpy(l->buf[1], l->buf[0], size);
        __asm__ volatile("" ::: "memory"); /* the copy's result is "used": it cannot be elided */
        if (b->c.verify && verify_check(l->buf[1], size, seq, 0) < 0)
            return -1;
    }
    return 0;
}

static const struct mech_ops memcpy_ops = {
    .name = "memcpy",
    .description = "memcpy of one block inside one process (bw_mem-like upper bound for COPY)",
    .family = "bound",
    .order = 300,
    .tests = {[TEST_IPC1] = "not IPC: memcpy runs inside one address space",
              [TEST_IPC2] = "not IPC: memcpy runs inside one address space",
              [TEST_IPC3] = "not IPC: memcpy runs inside one address space"},
    .local_only = 1,
    .setup = mc_setup,
    .loop = mc_loop,
};
MECH_REGISTER(memcpy_ops)
