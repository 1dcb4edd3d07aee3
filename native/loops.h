/* The generic per-role loops of each test, driving a mechanism's byte-link operations, and the
 * content check that every loop (generic or a mechanism's own) applies with verify on. */
#ifndef M3BENCH_LOOPS_H
#define M3BENCH_LOOPS_H

#include "mech.h"

/* Run `iters` iterations of role `role` of group g (iters < 0: serve until error).
 * Uses ops->loop when the mechanism provides one. Returns 0 or -1 (mech_error()). A client's
 * iters is a whole number of acknowledgements (run_iterations). */
int role_loop(struct bench *b, int g, enum role role, long iters);
/* The generic loops alone: for a mechanism's own loop that handles only some cases. */
int generic_loop(struct bench *b, int g, enum role role, long iters);

/* Bytes one message of test t carries on the generic path (IPC3 baselines: 1 byte). */
size_t message_len(const struct bench_case *c);

/* COPY blocks per acknowledgement: 1 in sync, burst in stream (and in every IPC test, 1). */
long blocks_per_ack(const struct bench_case *c);
/* The iterations `run n` does: n rounded up to a whole number of acknowledgements. */
long run_iterations(const struct bench_case *c, long n);

/* A new case of `mechanism` starts: forget the verify sequence numbers and read the test
 * hook M3BENCH_CORRUPT=<mechanism> (flip one bit of every verified message it sends). */
void loops_reset(const char *mechanism);

/* The content check, for loops of their own. Every message or block carries a pattern of its
 * sequence number and of the end that sent it. verify_put fills buf with the next message this
 * process sends from end `from` (damaged under M3BENCH_CORRUPT) and returns its sequence
 * number; verify_take checks buf against the next one this process expects from `from`;
 * verify_check against message `seq`. Both clear buf after the check (so a later receive that
 * writes nothing fails) and return 0, or -1 with mech_fail("content check failed: ..."). */
unsigned long verify_put(unsigned char *buf, size_t len, int from);
int verify_take(unsigned char *buf, size_t len, int from, unsigned long *seq);
int verify_check(unsigned char *buf, size_t len, unsigned long seq, int from);
/* The block of len bytes at addr in process pid (a buffer allocated before the fork, so this
 * process has its own copy at the same address) must be message seq from `from`: read it into
 * our copy with process_vm_readv, check it, and write the cleared copy back so that the next
 * block must land there too. For stream mode, where the destination sees only the last block of
 * a burst; verify only, never timed. */
int verify_remote(pid_t pid, unsigned char *addr, size_t len, unsigned long seq, int from);

#endif
