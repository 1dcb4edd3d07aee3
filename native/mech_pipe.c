/* pipe: two anonymous pipes per link, one per direction. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mech.h"

static int pipe_open(struct link *l, const struct bench *b)
{
    int ab[2], ba[2];
    (void)b;
    if (pipe(ab) < 0)
        return mech_fail("pipe: %s", strerror(errno));
    if (pipe(ba) < 0) {
        close(ab[0]);
        close(ab[1]);
        return mech_fail("pipe: %s", strerror(errno));
    }
    l->wfd[0] = ab[1];
    l->rfd[1] = ab[0];
    l->wfd[1] = ba[1];
    l->rfd[0] = ba[0];
    return 0;
}

static const struct mech_ops pipe_ops = {
    .name = "pipe",
    .description = "anonymous pipe, one per direction (write/read)",
    .family = "baseline",
    .order = 100,
    .open = pipe_open,
    .send = fd_send,
    .recv = fd_recv,
};
MECH_REGISTER(pipe_ops)
