/* sysv-mq: one SysV message queue per case; each link direction is a message type. SysV
 * queues cannot be unlinked while in use, so the key carries a magic and the worker's pid and
 * a later worker removes queues of dead pids (sweep.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "mech.h"
#include "names.h"

struct sysv_link {
    int qid;
    long type_to[2]; /* message type of messages addressed to end e */
};

struct sysv_case {
    int qid;
};

static int sysv_setup(struct bench *b, struct detail *d)
{
    size_t len = b->c.test == TEST_IPC3 ? 1 : b->c.size;
    /* msgmnb too: msgsnd of a message larger than the queue may hold waits forever */
    static const char *const limits[] = {"kernel/msgmax", "kernel/msgmnb"};
    for (int i = 0; i < 2; i++) {
        long max = proc_sys_long(limits[i]);
        if (max > 0 && (long)len > max) {
            mech_fail("message of %zu bytes exceeds kernel.%s (%ld)", len, limits[i] + 7, max);
            return MECH_SKIP;
        }
    }
    struct sysv_case *sc = calloc(1, sizeof *sc);
    if (!sc)
        return mech_fail("out of memory");
    b->priv = sc;
    key_t key = (key_t)(SYSV_KEY_MAGIC | ((unsigned)getpid() & SYSV_KEY_PID_MASK));
    sc->qid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    if (sc->qid < 0 && errno == EEXIST) { /* ours from an earlier case that could not be removed */
        msgctl(msgget(key, 0), IPC_RMID, NULL);
        sc->qid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    }
    if (sc->qid < 0) {
        int err = errno;
        sc->qid = -1;
        if (err == ENOSYS) {
            mech_fail("SysV IPC not supported here");
            return MECH_SKIP;
        }
        return mech_fail("msgget: %s", strerror(err));
    }
    detail_int(d, "sysv_key", key);
    return 0;
}

static void sysv_teardown(struct bench *b)
{
    struct sysv_case *sc = b->priv;
    if (sc && sc->qid >= 0)
        msgctl(sc->qid, IPC_RMID, NULL);
    free(sc);
    b->priv = NULL;
}

static int sysv_open(struct link *l, const struct bench *b)
{
    struct sysv_link *sl = malloc(sizeof *sl);
    if (!sl)
        return mech_fail("out of memory");
    long index = l - b->links;
    sl->qid = ((struct sysv_case *)b->priv)->qid;
    sl->type_to[0] = 2 * index + 1; /* mtype must be > 0 */
    sl->type_to[1] = 2 * index + 2;
    l->priv = sl;
    return 0;
}

static void sysv_close(struct link *l)
{
    free(l->priv);
    l->priv = NULL;
}

/* The mtype header sits in the headroom right in front of the payload (no extra copy). */
_Static_assert(sizeof(long) <= BUF_HEADROOM, "mtype fits the buffer headroom");
static struct msgbuf *header(struct link *l, int end)
{
    return (struct msgbuf *)(l->buf[end] - sizeof(long));
}

static int sysv_send(struct link *l, int end, size_t len)
{
    struct sysv_link *sl = l->priv;
    header(l, end)->mtype = sl->type_to[link_peer(end)];
    while (msgsnd(sl->qid, header(l, end), len, 0) < 0)
        if (retry_or_fail(l, end, "msgsnd") < 0)
            return -1;
    return 0;
}

static int sysv_recv(struct link *l, int end, size_t len)
{
    struct sysv_link *sl = l->priv;
    ssize_t n;
    while ((n = msgrcv(sl->qid, header(l, end), len, sl->type_to[end], 0)) < 0)
        if (retry_or_fail(l, end, "msgrcv") < 0)
            return -1;
    return (size_t)n == len ? 0 : mech_fail("msgrcv: %zd bytes, expected %zu", n, len);
}

static const struct mech_ops sysv_mq_ops = {
    .name = "sysv-mq",
    .description = "SysV message queue (msgsnd/msgrcv), one queue per case, a type per direction",
    .family = "baseline",
    .order = 130,
    .setup = sysv_setup,
    .teardown = sysv_teardown,
    .open = sysv_open,
    .send = sysv_send,
    .recv = sysv_recv,
    .close = sysv_close,
};
MECH_REGISTER(sysv_mq_ops)
