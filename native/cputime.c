/* CPU clocks of the processes of a case. Each process reads its own CLOCK_PROCESS_CPUTIME_ID
 * (user + system of all its threads, ns): the children on a signal from the worker, into shared
 * memory. Why not clock_getcpuclockid(child) from the worker: for a process other than the
 * caller's, Linux sums its threads' runtime as of their last tick or scheduler event without
 * bringing a running thread up to date (thread_group_cputime), so a child that spins through
 * the batch is read up to a tick (4 ms at HZ=250) stale; a process's own clock is exact. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cputime.h"
#include "mech.h"

/* The request signal: unused by every mechanism and the worker. */
#define CPUTIME_SIGNAL SIGUSR2

static struct cputime_board *child_board;
static int child_slot;

long long cputime_self(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Async-signal-safe: clock_gettime, atomics and a futex wake. */
static void on_request(int sig)
{
    (void)sig;
    int saved = errno;
    child_board->ns[child_slot] = cputime_self();
    __atomic_add_fetch(&child_board->acks, 1, __ATOMIC_RELEASE);
    futex_wake(&child_board->acks, 1);
    errno = saved;
}

void cputime_child_init(struct cputime_board *board, int slot)
{
    child_board = board;
    child_slot = slot;
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_request;
    /* SA_RESTART: a request must not turn a server's blocking call into an error path. */
    sa.sa_flags = SA_RESTART;
    sigaction(CPUTIME_SIGNAL, &sa, NULL);
}

int cputime_request(struct cputime_board *board, const pid_t *children, int n)
{
    __atomic_store_n(&board->acks, 0, __ATOMIC_RELEASE);
    for (int i = 0; i < n; i++)
        if (kill(children[i], CPUTIME_SIGNAL) < 0)
            return mech_fail("CPU time of pid %d: kill: %s", (int)children[i], strerror(errno));
    return 0;
}

void cputime_members(char *out, size_t cap, const char *const *roles, int n, const long long *before,
                     const long long *after)
{
    long long total = 0;
    for (int i = 0; i < n; i++)
        total += after[i] - before[i];
    size_t len = 0;
    int w = snprintf(out, cap, ",\"cpu_ns\":%lld,\"cpu_ns_by_role\":{", total);
    if (w > 0)
        len = (size_t)w < cap ? (size_t)w : cap;
    /* Roles are summed over groups; the first process of a role writes its member. */
    int members = 0;
    for (int i = 0; i < n && len < cap; i++) {
        int first = 1;
        for (int j = 0; j < i; j++)
            if (strcmp(roles[j], roles[i]) == 0)
                first = 0;
        if (!first)
            continue;
        long long sum = 0;
        for (int j = i; j < n; j++)
            if (strcmp(roles[j], roles[i]) == 0)
                sum += after[j] - before[j];
        w = snprintf(out + len, cap - len, "%s\"%s\":%lld", members++ ? "," : "", roles[i], sum);
        if (w > 0)
            len += (size_t)w < cap - len ? (size_t)w : cap - len;
    }
    if (len < cap)
        snprintf(out + len, cap - len, "}");
}
