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
    /* A datagram larger than the default send buffer would fail: make room for one block. */
    int room = (int)l->maxlen * 2 + 4096;
    for (int i = 0; i < 2; i++) {
        setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &room, sizeof room);
        l->rfd[i] = l->wfd[i] = sv[i];
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
    return socketpair_open(l, SOCK_DGRAM);
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
