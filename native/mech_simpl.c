/* simpl: like the SIMPL library — the sender writes the message into shared memory and then
 * writes a token (the message length) into the receiver's FIFO; the receiver blocks on its
 * FIFO, then reads the message out of shared memory. */
#include <stdint.h>
#include <string.h>

#include "fifo.h"
#include "mech.h"

static int simpl_open(struct link *l, const struct bench *b)
{
    (void)b;
    if (shm_slots_open(l) < 0 || fifo_pair(&l->rfd[1], &l->wfd[0]) < 0)
        return -1;
    return fifo_pair(&l->rfd[0], &l->wfd[1]);
}

static int simpl_send(struct link *l, int end, size_t len)
{
    uint32_t token = (uint32_t)len;
    memcpy(shm_slot(l, link_peer(end)), l->buf[end], len);
    return write_full(l, end, &token, sizeof token);
}

static int simpl_recv(struct link *l, int end, size_t len)
{
    uint32_t token;
    if (read_full(l, end, &token, sizeof token) < 0)
        return -1;
    if (token != len)
        return mech_fail("simpl: token says %u bytes, expected %zu", token, len);
    memcpy(l->buf[end], shm_slot(l, end), len);
    return 0;
}

static const struct mech_ops simpl_ops = {
    .name = "simpl",
    .description = "SIMPL-like: shared-memory payload, FIFO token per message to synchronise",
    .family = "baseline",
    .order = 170,
    .no_stream = SHM_SLOT_NO_STREAM,
    .open = simpl_open,
    .send = simpl_send,
    .recv = simpl_recv,
    .close = shm_slots_close,
};
MECH_REGISTER(simpl_ops)
