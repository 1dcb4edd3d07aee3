/* fifo: a named FIFO per direction. Both ends are opened by the worker before the fork and the
 * path is unlinked at once, so nothing named survives the worker (see names.h for the sweep). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo.h"
#include "mech.h"
#include "names.h"

/* Create, open both sides of, and unlink one FIFO. */
int fifo_pair(int *rfd, int *wfd)
{
    static unsigned counter;
    char path[128];
    snprintf(path, sizeof path, "%s/%s%d-%u", FIFO_DIR, FIFO_PREFIX, (int)getpid(), counter++);
    if (mkfifo(path, 0600) < 0)
        return mech_fail("mkfifo %s: %s", path, strerror(errno));
    /* O_NONBLOCK lets the read side open without a writer; the fd is made blocking again. */
    *rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    *wfd = *rfd < 0 ? -1 : open(path, O_WRONLY | O_CLOEXEC);
    int err = errno;
    unlink(path);
    if (*rfd < 0 || *wfd < 0) {
        if (*rfd >= 0)
            close(*rfd);
        return mech_fail("open fifo: %s", strerror(err));
    }
    fcntl(*rfd, F_SETFL, 0);
    return 0;
}

static int fifo_open(struct link *l, const struct bench *b)
{
    (void)b;
    if (fifo_pair(&l->rfd[1], &l->wfd[0]) < 0)
        return -1;
    return fifo_pair(&l->rfd[0], &l->wfd[1]); /* on failure the worker closes the first pair */
}

static const struct mech_ops fifo_ops = {
    .name = "fifo",
    .description = "named FIFO (mkfifo), one per direction, unlinked once open",
    .family = "baseline",
    .order = 110,
    .open = fifo_open,
    .send = fd_send,
    .recv = fd_recv,
};
MECH_REGISTER(fifo_ops)
