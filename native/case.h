/* One case at a time: set it up (objects, forked and pinned children), run batches, tear down. */
#ifndef M3BENCH_CASE_H
#define M3BENCH_CASE_H

#include "json.h"
#include "mech.h"

/* 0 ok, MECH_SKIP (reason in mech_error()), -1 error (mech_error()). */
int case_setup(const struct bench_case *c, struct detail *d);
/* Run n iterations per group, n rounded up to a whole number of acknowledgements (stream:
 * bursts); *iterations = the iterations timed over all groups, *ns = wall time of the loop(s). */
int case_run(long n, long *iterations, long long *ns);
/* Kill and reap the children, release every object. Safe to call when nothing is set up. */
void case_teardown(void);
int case_active(void);
const char *case_mechanism(void);
int case_pairs(void);

#endif
