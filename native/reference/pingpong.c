/* pingpong: the smallest honest C ping-pong, the control for m3bench's fidelity benchmark.
 * It deliberately shares no code with the worker. Usage:
 *     pingpong pipe|unix-stream|tcp same-cpu|cross-cpu|unpinned ITERS
 * A child echoes 36-byte messages; the parent times ITERS round trips (after ITERS/10 of
 * warm-up) with CLOCK_MONOTONIC and prints the mean ns per round trip as one number. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MSG 36

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) < 0)
        die("sched_setaffinity");
}

static void xfer(int fd, char *buf, int out)
{
    size_t done = 0;
    while (done < MSG) {
        ssize_t n = out ? write(fd, buf + done, MSG - done) : read(fd, buf + done, MSG - done);
        if (n <= 0)
            die(out ? "write" : "read");
        done += (size_t)n;
    }
}

/* fds[0]/[1]: parent read/write, fds[2]/[3]: child read/write. */
static void make_channel(const char *mech, int fds[4])
{
    if (strcmp(mech, "pipe") == 0) {
        int a[2], b[2];
        if (pipe(a) < 0 || pipe(b) < 0)
            die("pipe");
        fds[0] = b[0], fds[1] = a[1], fds[2] = a[0], fds[3] = b[1];
    } else if (strcmp(mech, "unix-stream") == 0) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
            die("socketpair");
        fds[0] = fds[1] = sv[0], fds[2] = fds[3] = sv[1];
    } else if (strcmp(mech, "tcp") == 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t alen = sizeof a;
        int one = 1, l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;
        if (l < 0 || c < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 1) < 0 ||
            getsockname(l, (struct sockaddr *)&a, &alen) < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0 ||
            (s = accept(l, NULL, NULL)) < 0)
            die("tcp loopback");
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        close(l);
        fds[0] = fds[1] = c, fds[2] = fds[3] = s;
    } else {
        fprintf(stderr, "pingpong: unknown mechanism %s (pipe, unix-stream, tcp)\n", mech);
        exit(2);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4 || atol(argv[3]) < 1) {
        fprintf(stderr, "usage: pingpong pipe|unix-stream|tcp same-cpu|cross-cpu|unpinned ITERS\n");
        return 2;
    }
    const char *placement = argv[2];
    int same = strcmp(placement, "same-cpu") == 0, cross = strcmp(placement, "cross-cpu") == 0;
    if (!same && !cross && strcmp(placement, "unpinned") != 0) {
        fprintf(stderr, "pingpong: unknown placement %s\n", placement);
        return 2;
    }
    long iters = atol(argv[3]), warm = iters / 10;
    int fds[4];
    char buf[MSG] = {0};
    make_channel(argv[1], fds);

    pid_t child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (same || cross)
            pin(cross ? 1 : 0);
        for (;;) {
            xfer(fds[2], buf, 0);
            xfer(fds[3], buf, 1);
        }
    }
    if (same || cross)
        pin(0);
    for (long i = 0; i < warm; i++) {
        xfer(fds[1], buf, 1);
        xfer(fds[0], buf, 0);
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < iters; i++) {
        xfer(fds[1], buf, 1);
        xfer(fds[0], buf, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%.1f\n", ns / (double)iters);
    return 0;
}
