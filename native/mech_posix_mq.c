/* posix-mq: a POSIX message queue per direction. Each end gets its own descriptor (opened
 * read-only or write-only); the name is unlinked as soon as all four are open. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mech.h"
#include "names.h"

/* One queue carrying messages from end `from` to its peer. */
static int mq_direction(struct link *l, int from)
{
    static unsigned counter;
    char name[96];
    snprintf(name, sizeof name, "/%s%d-%u", MQ_PREFIX, (int)getpid(), counter++);
    /* Ping-pong never has more than one message in flight per direction. */
    struct mq_attr attr = {.mq_maxmsg = 1, .mq_msgsize = (long)l->maxlen};
    mqd_t w = mq_open(name, O_WRONLY | O_CREAT | O_EXCL, 0600, &attr);
    if (w == (mqd_t)-1) {
        int err = errno;
        mech_fail("mq_open %s: %s", name, strerror(err));
        return err == ENOSYS ? MECH_SKIP : -1;
    }
    mqd_t r = mq_open(name, O_RDONLY);
    int err = errno;
    mq_unlink(name);
    if (r == (mqd_t)-1) {
        mq_close(w);
        return mech_fail("mq_open %s: %s", name, strerror(err));
    }
    l->wfd[from] = (int)w; /* on Linux an mqd_t is a file descriptor */
    l->rfd[link_peer(from)] = (int)r;
    return 0;
}

static int pmq_open(struct link *l, const struct bench *b)
{
    (void)b;
    long max = proc_sys_long("fs/mqueue/msgsize_max");
    if (max > 0 && (long)l->maxlen > max) {
        mech_fail("message of %zu bytes exceeds fs.mqueue.msgsize_max (%ld)", l->maxlen, max);
        return MECH_SKIP;
    }
    int rc = mq_direction(l, 0);
    return rc ? rc : mq_direction(l, 1);
}

static int pmq_send(struct link *l, int end, size_t len)
{
    while (mq_send((mqd_t)l->wfd[end], (const char *)l->buf[end], len, 0) < 0)
        if (retry_or_fail(l, end, "mq_send") < 0)
            return -1;
    return 0;
}

static int pmq_recv(struct link *l, int end, size_t len)
{
    ssize_t n;
    /* the receive buffer must hold mq_msgsize (= maxlen) bytes: buf[end] does */
    while ((n = mq_receive((mqd_t)l->rfd[end], (char *)l->buf[end], l->maxlen, NULL)) < 0)
        if (retry_or_fail(l, end, "mq_receive") < 0)
            return -1;
    return (size_t)n == len ? 0 : mech_fail("mq_receive: %zd bytes, expected %zu", n, len);
}

static const struct mech_ops posix_mq_ops = {
    .name = "posix-mq",
    .description = "POSIX message queue per direction (mq_send/mq_receive), unlinked once open",
    .family = "baseline",
    .order = 120,
    .open = pmq_open,
    .send = pmq_send,
    .recv = pmq_recv,
};
MECH_REGISTER(posix_mq_ops)
