#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "evsync.h"

/* One eventfd carrying posts from end `from` to its peer. */
static int evsync_direction(struct link *l, int from)
{
    int efd = eventfd(0, 0);
    if (efd < 0)
        return mech_fail("eventfd: %s", strerror(errno));
    int peer_fd = dup(efd);
    if (peer_fd < 0) {
        close(efd);
        return mech_fail("dup: %s", strerror(errno));
    }
    l->wfd[from] = efd;
    l->rfd[link_peer(from)] = peer_fd;
    return 0;
}

int evsync_open(struct link *l)
{
    return evsync_direction(l, 0) < 0 ? -1 : evsync_direction(l, 1);
}

int evsync_post(struct link *l, int end)
{
    uint64_t one = 1;
    return write_full(l, end, &one, sizeof one);
}

int evsync_wait(struct link *l, int end)
{
    uint64_t v;
    for (;;) {
        if (read(l->rfd[end], &v, sizeof v) == (ssize_t)sizeof v)
            return 0;
        if (retry_or_fail(l, end, "eventfd read") < 0)
            return -1;
    }
}
