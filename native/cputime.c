/* CPU clocks of the processes of a case. A process clock (clock_getcpuclockid) sums every thread
 * of that process, user and system time, at ns resolution, and any process may read another's;
 * the worker reads its own through CLOCK_PROCESS_CPUTIME_ID, which needs no pid lookup. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cputime.h"

static int read_one(pid_t pid, long long *ns, char *why, size_t whylen)
{
    clockid_t id = CLOCK_PROCESS_CPUTIME_ID;
    if (pid != getpid()) {
        int rc = clock_getcpuclockid(pid, &id);
        if (rc != 0) {
            snprintf(why, whylen, "clock_getcpuclockid(pid %d): %s", (int)pid, strerror(rc));
            return -1;
        }
    }
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0) {
        snprintf(why, whylen, "clock_gettime(CPU clock of pid %d): %s", (int)pid, strerror(errno));
        return -1;
    }
    *ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    return 0;
}

int cputime_read(const struct case_process *p, int n, long long *ns, char *why, size_t whylen)
{
    for (int i = 0; i < n; i++)
        if (read_one(p[i].pid, &ns[i], why, whylen) < 0)
            return -1;
    return 0;
}

void cputime_members(char *out, size_t cap, const struct case_process *p, int n, const long long *before,
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
            if (strcmp(p[j].role, p[i].role) == 0)
                first = 0;
        if (!first)
            continue;
        long long sum = 0;
        for (int j = i; j < n; j++)
            if (strcmp(p[j].role, p[i].role) == 0)
                sum += after[j] - before[j];
        w = snprintf(out + len, cap - len, "%s\"%s\":%lld", members++ ? "," : "", p[i].role, sum);
        if (w > 0)
            len += (size_t)w < cap - len ? (size_t)w : cap - len;
    }
    if (len < cap)
        snprintf(out + len, cap - len, "}");
}
