/* unix-stream and unix-dgram: an anonymous socketpair per link (no path, nothing to clean). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "mech.h"

static int socketpair_open(struct link *l, int type)
{
    int sv[2];
    if (socketpair(AF_UNIX, type, 0, sv) < 0)
        return mech_fail("socketpair: %s", strerror(errno));
    for (int i = 0; i < 2; i++)
        l->rfd[i] = l->wfd[i] = sv[i];
    return 0;
}

/* A datagram must fit the send buffer whole: ask for room for one block (the kernel doubles
 * the request and caps it at net.core.wmem_max) and skip sizes that still do not fit. */
static int make_room(struct link *l)
{
    int want = (int)l->maxlen + 4096, got = 0;
    socklen_t len = sizeof got;
    for (int i = 0; i < 2; i++)
        setsockopt(l->wfd[i], SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
    if (getsockopt(l->wfd[0], SOL_SOCKET, SO_SNDBUF, &got, &len) < 0)
        return mech_fail("getsockopt: %s", strerror(errno));
    if ((size_t)got / 2 < l->maxlen) {
        mech_fail("datagram of %zu bytes exceeds the socket send buffer of %d bytes (net.core.wmem_max %ld)",
                  l->maxlen, got / 2, proc_sys_long("net/core/wmem_max"));
        return MECH_SKIP;
    }
    return 0;
}

static int stream_open(struct link *l, const struct bench *b)
{
    (void)b;
    return socketpair_open(l, SOCK_STREAM);
}

static int dgram_open(struct link *l, const struct bench *b)
{
    (void)b;
    return socketpair_open(l, SOCK_DGRAM) < 0 ? -1 : make_room(l);
}

static const struct mech_ops unix_stream_ops = {
    .name = "unix-stream",
    .description = "Unix domain stream socketpair (write/read)",
    .family = "baseline",
    .order = 140,
    .open = stream_open,
    .send = fd_send,
    .recv = fd_recv,
};
MECH_REGISTER(unix_stream_ops)

static const struct mech_ops unix_dgram_ops = {
    .name = "unix-dgram",
    .description = "Unix domain datagram socketpair, one datagram per message",
    .family = "baseline",
    .order = 150,
    .open = dgram_open,
    .send = fd_send,
    .recv = fd_recv,
};
MECH_REGISTER(unix_dgram_ops)
