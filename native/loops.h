/* The generic per-role loops of each test, driving a mechanism's byte-link operations. */
#ifndef M3BENCH_LOOPS_H
#define M3BENCH_LOOPS_H

#include "mech.h"

/* Run `iters` iterations of role `role` of group g (iters < 0: serve until error).
 * Uses ops->loop when the mechanism provides one. Returns 0 or -1 (mech_error()). */
int role_loop(struct bench *b, int g, enum role role, long iters);

/* Bytes one message of test t carries on the generic path (IPC3 baselines: 1 byte). */
size_t message_len(const struct bench_case *c);

/* A new case of `mechanism` starts: forget the verify sequence numbers and read the test
 * hook M3BENCH_CORRUPT=<mechanism> (flip one bit of every verified message it sends). */
void loops_reset(const char *mechanism);

#endif
