/* Small helpers shared by the mechanisms: full reads/writes, shared memory, peer liveness. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "mech.h"

/* An interrupted read or write looks at the peer (retry_or_fail): a datagram socket has no EOF,
 * so a peer that died between taking our request and answering it would leave us waiting. */
int write_full(const struct link *l, int end, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(l->wfd[end], p, len);
        if (n < 0) {
            if (retry_or_fail(l, end, "write") < 0)
                return -1;
            continue;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int read_full(const struct link *l, int end, void *buf, size_t len)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = read(l->rfd[end], p, len);
        if (n < 0) {
            if (retry_or_fail(l, end, "read") < 0)
                return -1;
            continue;
        }
        if (n == 0)
            return mech_fail("read: peer closed the channel");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void *shared_alloc(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void shared_free(void *p, size_t len)
{
    if (p)
        munmap(p, len);
}

/* 0 once pid has exited. A zombie still answers kill(pid, 0), so look at its state instead. */
static int peer_alive(pid_t pid)
{
    char path[64], stat[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *close_paren = strrchr(stat, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z' && close_paren[2] != 'X';
}

long proc_sys_long(const char *name)
{
    char path[128];
    long v = -1;
    snprintf(path, sizeof path, "/proc/sys/%s", name);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

int link_peer(int end)
{
    return 1 - end;
}

int link_same_cpu(const struct link *l)
{
    return l->cpu[0] >= 0 && l->cpu[0] == l->cpu[1];
}

int retry_or_fail(const struct link *l, int end, const char *what)
{
    if (errno != EINTR)
        return mech_fail("%s: %s", what, strerror(errno));
    pid_t peer = l->pid[link_peer(end)];
    return peer_alive(peer) ? 0 : mech_fail("%s: peer process %d is gone", what, (int)peer);
}

int futex_wait_ms(unsigned *addr, unsigned val, int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    long rc = syscall(SYS_futex, addr, FUTEX_WAIT, val, ms >= 0 ? &ts : NULL, NULL, 0);
    if (rc < 0 && errno == EAGAIN)
        return 0; /* *addr already differed from val */
    return rc < 0 ? -1 : 0;
}

void futex_wake(unsigned *addr, int n)
{
    syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

int fd_send(struct link *l, int end, size_t len)
{
    return write_full(l, end, l->buf[end], len);
}

int fd_recv(struct link *l, int end, size_t len)
{
    return read_full(l, end, l->buf[end], len);
}

/* Slots are cache-line aligned so the two directions never share a line. */
static size_t slot_size(const struct link *l)
{
    return (l->maxlen + 63) & ~(size_t)63;
}

int shm_slots_open(struct link *l)
{
    l->shm_len = 2 * slot_size(l);
    l->shm = shared_alloc(l->shm_len);
    return l->shm ? 0 : mech_fail("mmap shared: %s", strerror(errno));
}

unsigned char *shm_slot(const struct link *l, int to_end)
{
    return (unsigned char *)l->shm + (size_t)to_end * slot_size(l);
}

void shm_slots_close(struct link *l)
{
    shared_free(l->shm, l->shm_len);
    l->shm = NULL;
}
