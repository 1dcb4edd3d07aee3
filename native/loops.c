/* Generic loops. Link/end layout (see mech.h):
 *   IPC1-3, COPY1: link 0, CLIENT = end 0, SERVER = end 1.
 *   COPY2: link 0 REQUESTER(0)->A(1), link 1 A(0)->B(1), link 2 REQUESTER(0)<-B(1).
 * With verify on, every message carries a pattern derived from its sequence number and the
 * receiver checks it, so a copy that moves the wrong bytes cannot pass silently. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "loops.h"

static unsigned long seq_sent, seq_received; /* per process: each process plays one role */
static int corrupt; /* test hook: M3BENCH_CORRUPT=<mechanism> damages one byte per message */

void loops_reset(const char *mechanism)
{
    const char *env = getenv("M3BENCH_CORRUPT");
    seq_sent = seq_received = 0;
    corrupt = env && strcmp(env, mechanism) == 0;
}

size_t message_len(const struct bench_case *c)
{
    return c->test == TEST_IPC3 ? 1 : c->size;
}

long blocks_per_ack(const struct bench_case *c)
{
    return c->copy_mode == COPY_STREAM ? c->burst : 1;
}

long run_iterations(const struct bench_case *c, long n)
{
    long per = blocks_per_ack(c);
    return (n + per - 1) / per * per;
}

/* The sending end is part of the pattern: a reply that never arrives leaves the client's own
 * request in a shared send/receive buffer, and that must not look like the expected reply.
 * Consecutive sequence numbers differ in every byte (131 is odd), so a block that was not
 * copied never passes for the next one. */
static unsigned char pattern(unsigned long seq, size_t i, int from_end)
{
    return (unsigned char)(seq * 131u + i * 7u + 1u + (unsigned)from_end * 89u);
}

unsigned long verify_put(unsigned char *buf, size_t len, int from)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(seq_sent, i, from);
    buf[len / 2] ^= (unsigned char)corrupt; /* proves the check can fail */
    return seq_sent++;
}

int verify_check(unsigned char *buf, size_t len, unsigned long seq, int from)
{
    for (size_t i = 0; i < len; i++)
        if (buf[i] != pattern(seq, i, from))
            return mech_fail("content check failed: message %lu byte %zu is 0x%02x, expected 0x%02x",
                             seq, i, buf[i], pattern(seq, i, from));
    memset(buf, 0, len);
    return 0;
}

int verify_take(unsigned char *buf, size_t len, int from, unsigned long *seq)
{
    *seq = seq_received;
    if (verify_check(buf, len, seq_received, from) < 0)
        return -1;
    seq_received++;
    return 0;
}

int verify_remote(pid_t pid, unsigned char *addr, size_t len, unsigned long seq, int from)
{
    struct iovec mine = {addr, len}, theirs = {addr, len};
    memset(addr, 0, len); /* a read that moves nothing must not pass with stale bytes */
    if (process_vm_readv(pid, &mine, 1, &theirs, 1, 0) != (ssize_t)len)
        return mech_fail("verify: process_vm_readv from %d: %s", (int)pid, strerror(errno));
    if (verify_check(addr, len, seq, from) < 0)
        return -1;
    if (process_vm_writev(pid, &mine, 1, &theirs, 1, 0) != (ssize_t)len)
        return mech_fail("verify: process_vm_writev to %d: %s", (int)pid, strerror(errno));
    return 0;
}

/* One message with the verify pattern applied on send and checked on receive. */
static int send_msg(const struct bench *b, struct link *l, int end, size_t len)
{
    if (b->c.verify)
        verify_put(l->buf[end], len, end);
    return b->ops->send(l, end, len);
}

static int recv_msg(const struct bench *b, struct link *l, int end, size_t len)
{
    unsigned long seq;
    if (b->ops->recv(l, end, len) < 0)
        return -1;
    return b->c.verify ? verify_take(l->buf[end], len, link_peer(end), &seq) : 0;
}

static int forever_or(long i, long iters)
{
    return iters < 0 || i < iters;
}

static int ipc_loop(struct bench *b, struct link *l, enum role role, long iters, size_t len)
{
    int me = role == ROLE_CLIENT ? 0 : 1;
    for (long i = 0; forever_or(i, iters); i++) {
        if (role == ROLE_CLIENT) {
            if (send_msg(b, l, me, len) < 0 || recv_msg(b, l, me, len) < 0)
                return -1;
        } else {
            if (recv_msg(b, l, me, len) < 0 || send_msg(b, l, me, len) < 0)
                return -1;
        }
    }
    return 0;
}

static int notify_loop(struct bench *b, struct link *l, enum role role, long iters)
{
    int me = role == ROLE_CLIENT ? 0 : 1;
    for (long i = 0; forever_or(i, iters); i++) {
        if (role == ROLE_CLIENT) {
            if (b->ops->notify(l, me) < 0 || b->ops->wait(l, me) < 0)
                return -1;
        } else {
            if (b->ops->wait(l, me) < 0 || b->ops->notify(l, me) < 0)
                return -1;
        }
    }
    return 0;
}

/* The blocks of one acknowledgement (1 in sync, burst in stream) over a link, end 0 -> end 1;
 * the kernel buffer of the mechanism holds what the reader has not drained yet. */
static int send_blocks(struct bench *b, struct link *l, long per)
{
    for (long k = per; k > 0; k--)
        if (send_msg(b, l, 0, b->c.size) < 0)
            return -1;
    return 0;
}

static int recv_blocks(struct bench *b, struct link *l, long per)
{
    for (long k = per; k > 0; k--)
        if (recv_msg(b, l, 1, b->c.size) < 0)
            return -1;
    return 0;
}

/* COPY1: the blocks of one acknowledgement client -> server, then a 1-byte ack. */
static int copy1_loop(struct bench *b, struct link *l, enum role role, long iters)
{
    long per = blocks_per_ack(&b->c);
    for (long i = 0; forever_or(i, iters); i += per) {
        if (role == ROLE_CLIENT) {
            if (send_blocks(b, l, per) < 0 || b->ops->recv(l, 0, 1) < 0)
                return -1;
        } else {
            if (recv_blocks(b, l, per) < 0 || b->ops->send(l, 1, 1) < 0)
                return -1;
        }
    }
    return 0;
}

/* COPY2: requester -1 byte-> A -blocks of one acknowledgement-> B -1 byte-> requester. */
static int copy2_loop(struct bench *b, struct link *l, enum role role, long iters)
{
    long per = blocks_per_ack(&b->c);
    for (long i = 0; forever_or(i, iters); i += per) {
        int rc;
        switch (role) {
        case ROLE_CLIENT:
            rc = b->ops->send(&l[0], 0, 1) < 0 || b->ops->recv(&l[2], 0, 1) < 0;
            break;
        case ROLE_A:
            rc = b->ops->recv(&l[0], 1, 1) < 0 || send_blocks(b, &l[1], per) < 0;
            break;
        case ROLE_B:
            rc = recv_blocks(b, &l[1], per) < 0 || b->ops->send(&l[2], 1, 1) < 0;
            break;
        case ROLE_SERVER:
        case ROLE_COUNT:
        default:
            return mech_fail("COPY2 has no role %d", (int)role);
        }
        if (rc)
            return -1;
    }
    return 0;
}

int generic_loop(struct bench *b, int g, enum role role, long iters)
{
    struct link *l = &b->links[g * b->nlinks];
    switch (b->c.test) {
    case TEST_IPC3:
        if (b->ops->notify && b->ops->wait)
            return notify_loop(b, l, role, iters);
        return ipc_loop(b, l, role, iters, message_len(&b->c));
    case TEST_COPY1:
        return copy1_loop(b, l, role, iters);
    case TEST_COPY2:
        return copy2_loop(b, l, role, iters);
    case TEST_IPC1:
    case TEST_IPC2: /* baselines have no combined sendrec: a send then a receive */
    case TEST_COUNT:
    default:
        return ipc_loop(b, l, role, iters, b->c.size);
    }
}

int role_loop(struct bench *b, int g, enum role role, long iters)
{
    return b->ops->loop ? b->ops->loop(b, g, role, iters) : generic_loop(b, g, role, iters);
}
