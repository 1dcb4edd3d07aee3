/* eventfd: the payload goes through a shared-memory slot, an eventfd per direction says
 * "it is there". IPC3 is a bare eventfd post/wait, the natural notify. */
#include <string.h>

#include "evsync.h"
#include "mech.h"

static int efd_open(struct link *l, const struct bench *b)
{
    (void)b;
    return shm_slots_open(l) < 0 ? -1 : evsync_open(l);
}

static int efd_send(struct link *l, int end, size_t len)
{
    memcpy(shm_slot(l, link_peer(end)), l->buf[end], len);
    return evsync_post(l, end);
}

static int efd_recv(struct link *l, int end, size_t len)
{
    if (evsync_wait(l, end) < 0)
        return -1;
    memcpy(l->buf[end], shm_slot(l, end), len);
    return 0;
}

static const struct mech_ops eventfd_ops = {
    .name = "eventfd",
    .description = "shared-memory payload, eventfd per direction to signal",
    .family = "modern",
    .order = 200,
    .no_stream = SHM_SLOT_NO_STREAM,
    .open = efd_open,
    .send = efd_send,
    .recv = efd_recv,
    .notify = evsync_post,
    .wait = evsync_wait,
    .close = shm_slots_close,
};
MECH_REGISTER(eventfd_ops)
