/* tcp: a loopback TCP connection per link with TCP_NODELAY (no Nagle delay on small messages).
 * The listener binds 127.0.0.1 port 0 and is closed as soon as the connection is accepted. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mech.h"

static int nodelay(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static int tcp_open(struct link *l, const struct bench *b)
{
    (void)b;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof addr;
    int lfd = socket(AF_INET, SOCK_STREAM, 0), cfd = -1, sfd = -1;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1) < 0 ||
        getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0)
        goto fail;
    /* Loopback connect completes against the backlog, so this does not block. */
    if ((cfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
        connect(cfd, (struct sockaddr *)&addr, sizeof addr) < 0 || (sfd = accept(lfd, NULL, NULL)) < 0 ||
        nodelay(cfd) < 0 || nodelay(sfd) < 0)
        goto fail;
    close(lfd);
    l->rfd[0] = l->wfd[0] = cfd;
    l->rfd[1] = l->wfd[1] = sfd;
    return 0;
fail:;
    int err = errno;
    for (int fd = 0, fds[3] = {lfd, cfd, sfd}; fd < 3; fd++)
        if (fds[fd] >= 0)
            close(fds[fd]);
    return mech_fail("tcp loopback: %s", strerror(err));
}

static const struct mech_ops tcp_ops = {
    .name = "tcp",
    .description = "TCP over loopback (127.0.0.1), TCP_NODELAY",
    .family = "baseline",
    .order = 160,
    .open = tcp_open,
    .send = fd_send,
    .recv = fd_recv,
};
MECH_REGISTER(tcp_ops)
