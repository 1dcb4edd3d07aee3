/* CPU time (user + system) of every process of a case, read around a batch: a mechanism that
 * spins buys its speed with busy CPUs, and the wall time alone does not show it. */
#ifndef M3BENCH_CPUTIME_H
#define M3BENCH_CPUTIME_H

#include <stddef.h>
#include <sys/types.h>

#define CASE_MAX_PROCESSES (64 * 3 + 1) /* the worker and up to 64 groups of 3 children */

/* Shared (MAP_SHARED) between the worker and its children: each child writes its own slot. */
struct cputime_board {
    unsigned acks; /* children that answered the current request */
    long long ns[CASE_MAX_PROCESSES];
};

/* In a child, before it reports ready: answer the worker's requests into board->ns[slot]. */
void cputime_child_init(struct cputime_board *board, int slot);
/* In the worker: ask every child for its CPU time (then wait until board->acks == n). */
int cputime_request(struct cputime_board *board, const pid_t *children, int n);
/* The calling process's own CPU ns. */
long long cputime_self(void);

/* The answer members `,"cpu_ns":T,"cpu_ns_by_role":{...}` from two readings of n processes
 * playing roles[0..n) (case_roles). */
void cputime_members(char *out, size_t cap, const char *const *roles, int n, const long long *before,
                     const long long *after);

#endif
