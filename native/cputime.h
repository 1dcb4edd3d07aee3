/* CPU time (user + system) of every process of a case, read around a batch: a mechanism that
 * spins buys its speed with busy CPUs, and the wall time alone does not show it. */
#ifndef M3BENCH_CPUTIME_H
#define M3BENCH_CPUTIME_H

#include <stddef.h>
#include <sys/types.h>

/* One process of a case and the role it plays (for the per-role sums of the answer). */
struct case_process {
    pid_t pid;
    const char *role; /* "client", "server", "a", "b", or "worker" (the coordinator of P > 1) */
};

/* CPU ns of each process into ns[i]: 0, or -1 with why[] saying which clock failed. */
int cputime_read(const struct case_process *p, int n, long long *ns, char *why, size_t whylen);

/* The answer members `,"cpu_ns":T,"cpu_ns_by_role":{...}` from two readings. */
void cputime_members(char *out, size_t cap, const struct case_process *p, int n, const long long *before,
                     const long long *after);

#endif
