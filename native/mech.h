/*
 * mech.h — the ops table every IPC mechanism of the m3bench worker implements.
 *
 * HOW TO ADD A MECHANISM
 *   1. Create native/mech_<name>.c (the Makefile compiles every mech_*.c; nothing else to edit).
 *   2. Fill a `static const struct mech_ops` and register it: MECH_REGISTER(my_ops);
 *      `name` is the protocol name (lowercase, hyphens), `order` places it in `list`
 *      (baselines 100-199, modern 200-299, bound 300-399, m3 400-499; ties break by name).
 *   3. `tests[T]` is NULL when the mechanism can express test T, else the reason it cannot
 *      ("not IPC", "no third-party copy", ...). The worker answers `skipped` with that reason;
 *      `no_stream` likewise for COPY's copy_mode "stream" (`burst` blocks in flight before one
 *      acknowledgement: docs/mechanisms.md).
 *   4. Implement EITHER the generic byte-link operations (open/attach/send/recv[/notify/wait]/close)
 *      and let the worker's generic loops (loops.c) drive them, OR your own whole loop (`loop`),
 *      e.g. when sendrec is one call or a copy needs the other party blocked. Both may coexist:
 *      `loop` wins when present.
 *   5. setup/open may fail half-way: teardown/close must accept a partly (zero-)initialised state.
 *   6. Return 0 on success, MECH_SKIP when a capability is missing on this host (say why with
 *      mech_fail), -1 on error (say what with mech_fail). mech_fail() returns -1 for brevity.
 *
 * PROCESS MODEL (who calls what, where)
 *   worker:  setup() -> open() for every link -> fork every child (PDEATHSIG) -> fill the pid[]
 *            and cpu[] of every link end -> release the children.
 *   child:   pin -> close the link fds it does not own -> attach_role()/attach() on its ends ->
 *            server/A/B role loop forever (iters < 0). Killed by teardown; a loop returns -1 when
 *            its peer is gone (EOF, or retry_or_fail on an interrupted wait).
 *   client:  the worker itself when pairs == 1 (pinned, attached after the children are ready),
 *            else one forked client per pair behind a start barrier; role loop with iters = N
 *            per `run N`, timed around exactly those iterations.
 *   worker:  teardown: kill and reap the children, close() every link, then teardown().
 *   `struct bench` and the links are set before the fork, so every process sees the same values;
 *   the links live in a MAP_SHARED mapping. Memory that setup()/open() malloc()s before the fork
 *   has the same address in every process (each process has its own copy of its contents).
 *
 * GROUPS AND LINKS
 *   A group is one client/server pair (IPC1-3, COPY1: roles CLIENT=end 0, SERVER=end 1 of link 0)
 *   or one COPY2 triple (link 0: REQUESTER->A, link 1: A->B, link 2: B->REQUESTER; the lower
 *   role number is end 0). `pairs` = number of groups.
 */
#ifndef M3BENCH_MECH_H
#define M3BENCH_MECH_H

#include <stddef.h>
#include <sys/types.h>

enum bench_test { TEST_IPC1, TEST_IPC2, TEST_IPC3, TEST_COPY1, TEST_COPY2, TEST_COUNT };
enum placement { PLACE_SAME_CPU, PLACE_CROSS_CPU, PLACE_UNPINNED };
/* COPY: sync = every block is delivered and acknowledged before the next; stream = `burst`
 * blocks, then one acknowledgement (docs/mechanisms.md). */
enum copy_mode { COPY_SYNC, COPY_STREAM };
/* Roles of the processes of one group. CLIENT is also the COPY2 requester. */
enum role { ROLE_CLIENT, ROLE_SERVER, ROLE_A, ROLE_B, ROLE_COUNT };

#define MECH_SKIP 1
#define MSG_DEFAULT_SIZE 36    /* the paper's message size */
#define COPY_DEFAULT_SIZE 4096 /* the paper's block size */
#define BUF_HEADROOM 64

/* One case, as parsed from the `setup` JSON (docs/protocol.md). */
struct bench_case {
    char mechanism[64];
    enum bench_test test;
    size_t size;     /* message (IPC1/2) or block (COPY) bytes; IPC3 baselines move 1 byte */
    enum placement placement;
    int pairs;       /* >= 1 */
    long spin;       /* spin budget (iterations) of spin-then-wait mechanisms */
    int cpus[2];     /* [client, server]; same-cpu uses cpus[0] for both */
    int verify;      /* check the content of every message/block (selftest) */
    enum copy_mode copy_mode; /* COPY only (setup rejects stream for IPC tests) */
    int burst;       /* stream: blocks per acknowledgement */
    size_t src_offset, dst_offset; /* COPY: where the block starts in its page-aligned buffer */
};

/* One bidirectional channel between two processes of a group. */
struct link {
    size_t maxlen;          /* largest message that will cross this link */
    /* fd-based mechanisms: what end e reads from / writes to (-1 = none). The worker closes
     * these, not close(): each process closes the ends it does not own right after the fork,
     * so that a peer's death is seen as EOF. */
    int rfd[2], wfd[2];
    void *shm;              /* MAP_SHARED region owned by the mechanism (or NULL) */
    size_t shm_len;
    void *priv;             /* anything else the mechanism allocated in open() */
    /* End e sends from and receives into buf[e]: same address in every process, a page
     * boundary plus the case's src_offset (end 0, the COPY source) or dst_offset (end 1, the COPY
     * destination), room for maxlen bytes after it, and at least BUF_HEADROOM bytes in front a
     * mechanism may use for a header (e.g. the SysV mtype). */
    unsigned char *buf[2];
    pid_t pid[2];           /* set by the worker before attach() */
    int cpu[2];             /* the single CPU end e is pinned to, or -1 (set before attach()) */
};

struct detail; /* key/values returned in the setup answer, see detail_*() */

/* The case being run, shared by every process of it. */
struct bench {
    struct bench_case c;
    const struct mech_ops *ops;
    int ngroups;           /* = c.pairs */
    int nlinks;            /* links per group: 1, or 3 for COPY2 */
    struct link *links;    /* ngroups * nlinks, MAP_SHARED; group g link k = links[g*nlinks+k] */
    pid_t (*pids)[ROLE_COUNT]; /* per group, pid of each role (0 = unused), MAP_SHARED */
    void *priv;            /* mechanism-wide state from setup() */
};

struct mech_ops {
    const char *name;
    const char *description; /* one line */
    const char *family;      /* "baseline" | "modern" | "bound" | "m3" */
    int order;               /* position in `list` (see above) */
    const char *tests[TEST_COUNT]; /* NULL = "ok", else why the test cannot be expressed */
    const char *no_stream;   /* NULL = COPY copy_mode "stream" works, else why it cannot */
    int local_only;          /* 1: no child processes at all (e.g. memcpy inside one process) */
    /* Optional: NULL when this host can run the mechanism, else why not (e.g. a device is
     * absent). `list` reports it for every test the mechanism can otherwise express. */
    const char *(*unavailable)(void);

    /* Mechanism-wide, in the worker (all optional). setup may add detail key/values. */
    int (*setup)(struct bench *b, struct detail *d);
    void (*teardown)(struct bench *b);

    /* Generic byte links. */
    int (*open)(struct link *l, const struct bench *b);   /* worker, before fork */
    int (*attach)(struct link *l, int end);                /* owner of `end`, after fork (optional) */
    int (*send)(struct link *l, int end, size_t len);      /* send buf[end][0..len) to the peer */
    int (*recv)(struct link *l, int end, size_t len);      /* receive len bytes into buf[end] */
    int (*notify)(struct link *l, int end);                /* IPC3 (optional): wake the peer */
    int (*wait)(struct link *l, int end);                  /* IPC3 (optional): wait for a notify */
    void (*close)(struct link *l);                         /* worker, after children are reaped */

    /* Own whole loop (optional): called in the process of `role` of group `g`. iters >= 0:
     * exactly that many iterations (the caller times them; a whole number of acknowledgements,
     * blocks_per_ack in loops.h); iters < 0: serve until killed
     * or until the peer is gone (then return -1). attach_role runs once per process first. */
    int (*attach_role)(struct bench *b, int g, enum role role);
    int (*loop)(struct bench *b, int g, enum role role, long iters);
};

/* Registration: MECH_REGISTER(ops) in a mech_*.c file adds `ops` before main() runs. */
void mech_register(const struct mech_ops *ops);
#define MECH_REGISTER_2(ops, line) \
    __attribute__((constructor)) static void mech_register_##line(void) { mech_register(&(ops)); }
#define MECH_REGISTER_1(ops, line) MECH_REGISTER_2(ops, line)
#define MECH_REGISTER(ops) MECH_REGISTER_1(ops, __LINE__)

/* Registered mechanisms sorted by (order, name); NULL past the end. */
const struct mech_ops *mech_at(size_t i);
const struct mech_ops *mech_find(const char *name);

/* Error/skip message of the last failing call (printf-style); always returns -1. */
int mech_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *mech_error(void);

/* Detail key/values for the setup answer. */
void detail_int(struct detail *d, const char *key, long long value);
void detail_str(struct detail *d, const char *key, const char *value);

/* Helpers for mechanisms (io.c). */
/* Whole buffer over the link's fd of `end`; -1 + mech_fail on error, EOF or a dead peer. */
int write_full(const struct link *l, int end, const void *buf, size_t len);
int read_full(const struct link *l, int end, void *buf, size_t len);
int fd_send(struct link *l, int end, size_t len);    /* send/recv ops of fd-based links */
int fd_recv(struct link *l, int end, size_t len);
void *shared_alloc(size_t len);                      /* anonymous MAP_SHARED, zeroed; NULL on error */
void shared_free(void *p, size_t len);
/* Call when a blocking call of `end` failed: 0 = retry (EINTR and the peer still lives),
 * -1 (mech_fail naming `what`) otherwise. The worker takes SIGCHLD without SA_RESTART, so a
 * wait on a dead child is interrupted and ends here. */
int retry_or_fail(const struct link *l, int end, const char *what);
/* Shared (cross-process) futex on a 32-bit word. wait: 0 when woken or *addr != val,
 * -1 with errno (ETIMEDOUT after ms milliseconds, EINTR). */
int futex_wait_ms(unsigned *addr, unsigned val, int ms);
void futex_wake(unsigned *addr, int n);
/* Shared-memory payload: one slot per receiving end in l->shm (released by shm_slots_close). */
int shm_slots_open(struct link *l);
unsigned char *shm_slot(const struct link *l, int to_end);
void shm_slots_close(struct link *l);
#define SHM_SLOT_NO_STREAM \
    "one shared-memory slot per direction: a block sent before the reader took the previous one would overwrite it"
/* The number in /proc/sys/<name> (e.g. "kernel/msgmax"), or -1 when it cannot be read. */
long proc_sys_long(const char *name);
int link_peer(int end);                              /* the other end: 1 - end */
int link_same_cpu(const struct link *l);             /* both ends pinned to one and the same CPU */

extern const char *const test_names[TEST_COUNT];

#endif
