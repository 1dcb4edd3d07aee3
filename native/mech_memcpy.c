/* memcpy: the bw_mem-like upper bound for COPY — one block copied inside one address space,
 * no second process, no kernel. IPC tests do not apply. */
#include <string.h>

#include "mech.h"

static int mc_loop(struct bench *b, int g, enum role role, long iters)
{
    struct link *l = &b->links[g * b->nlinks];
    size_t size = b->c.size;
    (void)role;
    for (long i = 0; i < iters; i++) {
        if (b->c.verify)
            memset(l->buf[0], (int)(i & 0xff) + 1, size);
        memcpy(l->buf[1], l->buf[0], size);
        __asm__ volatile("" ::: "memory"); /* the copy's result is "used": it cannot be elided */
        if (b->c.verify && memcmp(l->buf[1], l->buf[0], size) != 0)
            return mech_fail("memcpy: content check failed at iteration %ld", i);
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
    .loop = mc_loop,
};
MECH_REGISTER(memcpy_ops)
