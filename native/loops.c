/* Generic loops. Link/end layout (see mech.h):
 *   IPC1-3, COPY1: link 0, CLIENT = end 0, SERVER = end 1.
 *   COPY2: link 0 REQUESTER(0)->A(1), link 1 A(0)->B(1), link 2 REQUESTER(0)<-B(1).
 * With verify on, every message carries a pattern derived from its sequence number and the
 * receiver checks it, so a copy that moves the wrong bytes cannot pass silently. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* The sending end is part of the pattern: a reply that never arrives leaves the client's own
 * request in a shared send/receive buffer, and that must not look like the expected reply. */
static unsigned char pattern(unsigned long seq, size_t i, int from_end)
{
    return (unsigned char)(seq * 131u + i * 7u + 1u + (unsigned)from_end * 89u);
}

static void put(struct link *l, int end, size_t len)
{
    for (size_t i = 0; i < len; i++)
        l->buf[end][i] = pattern(seq_sent, i, end);
    l->buf[end][len / 2] ^= (unsigned char)corrupt; /* proves the check can fail */
    seq_sent++;
}

static int check(struct link *l, int end, size_t len, int verify)
{
    if (!verify)
        return 0;
    int from = link_peer(end);
    for (size_t i = 0; i < len; i++)
        if (l->buf[end][i] != pattern(seq_received, i, from))
            return mech_fail("content check failed: message %lu byte %zu is 0x%02x, expected 0x%02x",
                             seq_received, i, l->buf[end][i], pattern(seq_received, i, from));
    /* Cleared, so that a later receive that writes nothing cannot pass with these bytes. */
    memset(l->buf[end], 0, len);
    seq_received++;
    return 0;
}

/* One message with the verify pattern applied on send and checked on receive. */
static int send_msg(const struct bench *b, struct link *l, int end, size_t len)
{
    if (b->c.verify)
        put(l, end, len);
    return b->ops->send(l, end, len);
}

static int recv_msg(const struct bench *b, struct link *l, int end, size_t len)
{
    if (b->ops->recv(l, end, len) < 0)
        return -1;
    return check(l, end, len, b->c.verify);
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

/* COPY1: one block client -> server, acknowledged by 1 byte per block. */
static int copy1_loop(struct bench *b, struct link *l, enum role role, long iters)
{
    size_t size = b->c.size;
    for (long i = 0; forever_or(i, iters); i++) {
        if (role == ROLE_CLIENT) {
            if (send_msg(b, l, 0, size) < 0 || b->ops->recv(l, 0, 1) < 0)
                return -1;
        } else {
            if (recv_msg(b, l, 1, size) < 0 || b->ops->send(l, 1, 1) < 0)
                return -1;
        }
    }
    return 0;
}

/* COPY2: requester -1 byte-> A -block-> B -1 byte-> requester. */
static int copy2_loop(struct bench *b, struct link *l, enum role role, long iters)
{
    size_t size = b->c.size;
    for (long i = 0; forever_or(i, iters); i++) {
        int rc;
        switch (role) {
        case ROLE_CLIENT:
            rc = b->ops->send(&l[0], 0, 1) < 0 || b->ops->recv(&l[2], 0, 1) < 0;
            break;
        case ROLE_A:
            rc = b->ops->recv(&l[0], 1, 1) < 0 || send_msg(b, &l[1], 0, size) < 0;
            break;
        case ROLE_B:
            rc = recv_msg(b, &l[1], 1, size) < 0 || b->ops->send(&l[2], 1, 1) < 0;
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

int role_loop(struct bench *b, int g, enum role role, long iters)
{
    if (b->ops->loop)
        return b->ops->loop(b, g, role, iters);
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
