/* The life of one case. The worker forks every child before any of them attaches, so that
 * all pids are known (written into the shared links) when attach() runs; a shared control
 * block carries the start barrier of multi-pair runs and the first child error. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "case.h"
#include "loops.h"
#include "pin.h"

#define MAX_CHILDREN (CASE_MAX_PROCESSES - 1)
#define POLL_MS 100
#define PAGE 4096
#define WATCHDOG_MS 100
#define MAX_BUFFER_BYTES (1u << 30) /* all message buffers of a case together */
_Static_assert(PAGE >= BUF_HEADROOM, "the page in front of each buffer is its headroom");

struct ctl {
    unsigned go;      /* 1: pids are written, children may attach */
    unsigned ready;   /* children that attached */
    unsigned gen;     /* start barrier of multi-pair runs: bumped by the worker */
    unsigned done;    /* clients that finished the current generation */
    long iters;
    int failed;
    char err[256];
};

static struct {
    int active;
    struct bench b;
    struct ctl *ctl;
    struct cputime_board *cpu; /* MAP_SHARED: the children's CPU times */
    pid_t children[MAX_CHILDREN];
    enum role child_roles[MAX_CHILDREN];
    int nchildren;
    int worker_is_client; /* pairs == 1: the worker runs the client loop itself */
    int forked;           /* children exist: the worker closed the link fds it does not own */
    int own_fds[4];       /* link fds the worker kept (as client), closed at teardown */
    int n_own_fds;
} cs;

int case_active(void)
{
    return cs.active;
}

int case_roles(const char **out, int max)
{
    static const char *const names[ROLE_COUNT] = {"client", "server", "a", "b"};
    if (!cs.active || max < cs.nchildren + 1)
        return 0;
    out[0] = cs.worker_is_client ? names[ROLE_CLIENT] : "worker";
    for (int i = 0; i < cs.nchildren; i++)
        out[i + 1] = names[cs.child_roles[i]];
    return cs.nchildren + 1;
}

const char *case_mechanism(void)
{
    return cs.active ? cs.b.c.mechanism : "";
}

/* Which (link, end) a role owns in one group; returns how many. */
static int ends_of(const struct bench *b, enum role role, int out[2][2])
{
    static const int copy2[ROLE_COUNT][2][2] = {
        [ROLE_CLIENT] = {{0, 0}, {2, 0}}, [ROLE_A] = {{0, 1}, {1, 0}}, [ROLE_B] = {{1, 1}, {2, 1}}};
    if (b->c.test == TEST_COPY2) {
        memcpy(out, copy2[role], sizeof copy2[role]);
        return role == ROLE_SERVER ? 0 : 2;
    }
    out[0][0] = 0;
    out[0][1] = role == ROLE_CLIENT ? 0 : 1;
    return role == ROLE_CLIENT || role == ROLE_SERVER ? 1 : 0;
}

static int owns(const struct bench *b, int g, enum role role, int link, int end)
{
    int e[2][2], n = ends_of(b, role, e);
    for (int i = 0; i < n; i++)
        if (g * b->nlinks + e[i][0] == link && e[i][1] == end)
            return 1;
    return 0;
}

/* Close every link fd this process does not own (role < 0: owns nothing); remember the
 * others (the links are shared memory, so they cannot be marked closed there). */
static void close_foreign_fds(int g, int role)
{
    for (int k = 0; k < cs.b.ngroups * cs.b.nlinks; k++)
        for (int end = 0; end < 2; end++) {
            struct link *l = &cs.b.links[k];
            int fds[2] = {l->rfd[end], l->wfd[end] != l->rfd[end] ? l->wfd[end] : -1};
            int mine = role >= 0 && owns(&cs.b, g, (enum role)role, k, end);
            for (int i = 0; i < 2; i++) {
                if (fds[i] < 0)
                    continue;
                if (!mine)
                    close(fds[i]);
                else if (cs.n_own_fds < (int)(sizeof cs.own_fds / sizeof cs.own_fds[0]))
                    cs.own_fds[cs.n_own_fds++] = fds[i];
            }
        }
}

static int attach_role(int g, enum role role)
{
    const struct mech_ops *ops = cs.b.ops;
    if (ops->attach_role && ops->attach_role(&cs.b, g, role) < 0)
        return -1;
    int e[2][2], n = ends_of(&cs.b, role, e);
    for (int i = 0; i < n && ops->attach; i++)
        if (ops->attach(&cs.b.links[g * cs.b.nlinks + e[i][0]], e[i][1]) < 0)
            return -1;
    return 0;
}

static void record_child_error(const char *what)
{
    if (!__atomic_exchange_n(&cs.ctl->failed, 1, __ATOMIC_SEQ_CST))
        snprintf(cs.ctl->err, sizeof cs.ctl->err, "%s (pid %d): %s", what, (int)getpid(), mech_error());
}

/* A client of a multi-pair case: one loop per barrier generation. The first `run` may bump
 * the generation before this process gets here (it is ready before it arrives), so the start
 * value is the one of a fresh control block, never a fresh read. */
static void client_child(int g)
{
    unsigned seen = 0;
    for (;;) {
        while (__atomic_load_n(&cs.ctl->gen, __ATOMIC_ACQUIRE) == seen)
            futex_wait_ms(&cs.ctl->gen, seen, -1);
        seen = __atomic_load_n(&cs.ctl->gen, __ATOMIC_ACQUIRE);
        if (role_loop(&cs.b, g, ROLE_CLIENT, cs.ctl->iters) < 0)
            record_child_error("client");
        __atomic_add_fetch(&cs.ctl->done, 1, __ATOMIC_RELEASE);
        futex_wake(&cs.ctl->done, 1);
    }
}

static void on_watchdog(int sig)
{
    (void)sig;
}

/* SIGALRM every WATCHDOG_MS, without SA_RESTART: a wait for a peer that died is interrupted
 * and the mechanism then looks at the peer (retry_or_fail) instead of hanging. */
static void start_watchdog(void)
{
    struct sigaction sa = {0};
    struct itimerval tick = {{0, WATCHDOG_MS * 1000}, {0, WATCHDOG_MS * 1000}};
    sa.sa_handler = on_watchdog;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    setitimer(ITIMER_REAL, &tick, NULL);
}

static void stop_watchdog(void)
{
    struct itimerval off = {0};
    setitimer(ITIMER_REAL, &off, NULL);
}

static void child_main(pid_t worker, int g, enum role role)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != worker)
        _exit(1);
    dup2(STDERR_FILENO, STDOUT_FILENO); /* stdout belongs to the protocol */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    start_watchdog();
    cputime_child_init(cs.cpu, cs.nchildren); /* the parent counts this child after the fork */
    if (pin_self(pin_cpu_of(&cs.b.c, role)) < 0) {
        record_child_error("pin");
    } else {
        while (!__atomic_load_n(&cs.ctl->go, __ATOMIC_ACQUIRE))
            futex_wait_ms(&cs.ctl->go, 0, -1);
        close_foreign_fds(g, role);
        if (attach_role(g, role) < 0)
            record_child_error("attach");
    }
    __atomic_add_fetch(&cs.ctl->ready, 1, __ATOMIC_RELEASE);
    futex_wake(&cs.ctl->ready, 1);
    if (cs.ctl->failed)
        _exit(1);
    if (role == ROLE_CLIENT)
        client_child(g);
    role_loop(&cs.b, g, role, -1);
    record_child_error(role == ROLE_SERVER ? "server" : role == ROLE_A ? "process A" : "process B");
    _exit(1);
}

static int spawn(int g, enum role role)
{
    if (cs.nchildren == MAX_CHILDREN)
        return mech_fail("too many processes");
    pid_t worker = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return mech_fail("fork: %s", strerror(errno));
    if (pid == 0)
        child_main(worker, g, role);
    cs.child_roles[cs.nchildren] = role;
    cs.children[cs.nchildren++] = pid;
    cs.b.pids[g][role] = pid;
    return 0;
}

/* Is any child gone? Then the case cannot go on: say who and why. */
static int children_alive(void)
{
    for (int i = 0; i < cs.nchildren; i++) {
        siginfo_t si = {0};
        if (waitid(P_PID, (id_t)cs.children[i], &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid) {
            if (cs.ctl->failed)
                return mech_fail("%s", cs.ctl->err);
            return mech_fail("child process %d %s %d", (int)si.si_pid,
                             si.si_code == CLD_EXITED ? "exited with status" : "was killed by signal",
                             si.si_status);
        }
    }
    return 0;
}

/* Wait until *counter reaches target, watching the children. */
static int wait_count(unsigned *counter, unsigned target)
{
    unsigned v;
    while ((v = __atomic_load_n(counter, __ATOMIC_ACQUIRE)) < target) {
        if (children_alive() < 0)
            return -1;
        futex_wait_ms(counter, v, POLL_MS);
    }
    return 0;
}

/* Where buf[end] starts after its page boundary: end 0 is the COPY source, end 1 the
 * destination (setup leaves both offsets 0 for IPC tests). */
static size_t buf_offset(const struct bench_case *c, int end)
{
    return end == 0 ? c->src_offset : c->dst_offset;
}

static int alloc_links(void)
{
    struct bench *b = &cs.b;
    int n = b->ngroups * b->nlinks;
    b->links = shared_alloc(sizeof *b->links * (size_t)n);
    b->pids = shared_alloc(sizeof *b->pids * (size_t)b->ngroups);
    cs.ctl = shared_alloc(sizeof *cs.ctl);
    cs.cpu = shared_alloc(sizeof *cs.cpu);
    if (!b->links || !b->pids || !cs.ctl || !cs.cpu)
        return mech_fail("mmap: %s", strerror(errno));
    size_t maxlen = message_len(&b->c);
    for (int k = 0; k < n; k++) {
        struct link *l = &b->links[k];
        l->maxlen = maxlen;
        l->rfd[0] = l->rfd[1] = l->wfd[0] = l->wfd[1] = -1;
        for (int end = 0; end < 2; end++) {
            /* page-aligned as in the paper (plus the alignment sweep's offset), one page in
             * front for the headroom */
            size_t used = buf_offset(&b->c, end) + maxlen;
            size_t cap = PAGE + ((used + PAGE - 1) & ~(size_t)(PAGE - 1));
            unsigned char *base = aligned_alloc(PAGE, cap);
            if (!base)
                return mech_fail("out of memory");
            memset(base, 0, cap);
            l->buf[end] = base + PAGE + buf_offset(&b->c, end);
        }
    }
    return 0;
}

/* Roles present in every group, in fork order. */
static int roles_of(const struct bench *b, enum role out[3])
{
    int n = 0;
    if (b->ngroups > 1)
        out[n++] = ROLE_CLIENT;
    if (b->ops->local_only)
        return n;
    if (b->c.test == TEST_COPY2) {
        out[n++] = ROLE_A;
        out[n++] = ROLE_B;
    } else {
        out[n++] = ROLE_SERVER;
    }
    return n;
}

/* Fill pid[] and cpu[] of every link end from the role that owns it. */
static void describe_ends(void)
{
    struct bench *b = &cs.b;
    for (int g = 0; g < b->ngroups; g++)
        for (int r = 0; r < ROLE_COUNT; r++) {
            int e[2][2], n = ends_of(b, (enum role)r, e);
            for (int i = 0; i < n; i++) {
                struct link *l = &b->links[g * b->nlinks + e[i][0]];
                l->pid[e[i][1]] = b->pids[g][r];
                l->cpu[e[i][1]] = pin_cpu_of(&b->c, (enum role)r);
            }
        }
}

static int start_children(void)
{
    struct bench *b = &cs.b;
    enum role roles[3];
    int nroles = roles_of(b, roles);
    for (int g = 0; g < b->ngroups; g++) {
        b->pids[g][ROLE_CLIENT] = getpid();
        for (int r = 0; r < nroles; r++)
            if (spawn(g, roles[r]) < 0)
                return -1;
    }
    describe_ends();
    __atomic_store_n(&cs.ctl->go, 1, __ATOMIC_RELEASE);
    futex_wake(&cs.ctl->go, MAX_CHILDREN);
    close_foreign_fds(0, cs.worker_is_client ? ROLE_CLIENT : -1);
    cs.forked = 1;
    if (wait_count(&cs.ctl->ready, (unsigned)cs.nchildren) < 0)
        return -1;
    return cs.ctl->failed ? mech_fail("%s", cs.ctl->err) : 0;
}

static int setup_inner(struct detail *d)
{
    struct bench *b = &cs.b;
    if (alloc_links() < 0)
        return -1;
    if (b->ops->setup) {
        int rc = b->ops->setup(b, d);
        if (rc)
            return rc;
    }
    for (int k = 0; b->ops->open && k < b->ngroups * b->nlinks; k++) {
        int rc = b->ops->open(&b->links[k], b);
        if (rc)
            return rc;
    }
    if (start_children() < 0)
        return -1;
    if (cs.worker_is_client) {
        if (pin_self(pin_cpu_of(&b->c, ROLE_CLIENT)) < 0 || attach_role(0, ROLE_CLIENT) < 0)
            return -1;
    }
    char pids[16 * MAX_CHILDREN + 2] = "[";
    for (int i = 0; i < cs.nchildren; i++)
        snprintf(pids + strlen(pids), sizeof pids - strlen(pids), "%s%d", i ? "," : "", (int)cs.children[i]);
    strcat(pids, "]");
    detail_json(d, "pids", pids); /* the children, for per-process collectors */
    detail_int(d, "message_bytes", (long long)message_len(&b->c));
    detail_int(d, "worker_pid", getpid());
    detail_int(d, "processes", cs.nchildren + (cs.worker_is_client ? 1 : 0));
    detail_int(d, "client_cpu", pin_cpu_of(&b->c, ROLE_CLIENT));
    detail_int(d, "server_cpu", pin_cpu_of(&b->c, b->c.test == TEST_COPY2 ? ROLE_A : ROLE_SERVER));
    if (b->c.test == TEST_COPY1 || b->c.test == TEST_COPY2) { /* so that results record them */
        detail_str(d, "copy_mode", copy_mode_names[b->c.copy_mode]);
        if (b->c.copy_mode == COPY_STREAM)
            detail_int(d, "burst", b->c.burst);
        detail_int(d, "src_offset", (long long)b->c.src_offset);
        detail_int(d, "dst_offset", (long long)b->c.dst_offset);
    }
    return 0;
}

int case_setup(const struct bench_case *c, struct detail *d)
{
    case_teardown();
    const struct mech_ops *ops = mech_find(c->mechanism);
    if (!ops)
        return mech_fail("setup: invalid value for field 'mechanism': unknown mechanism '%s'",
                         c->mechanism);
    if (ops->tests[c->test]) {
        mech_fail("%s", ops->tests[c->test]);
        return MECH_SKIP;
    }
    if (c->copy_mode == COPY_STREAM && ops->no_stream) {
        mech_fail("copy_mode stream: %s", ops->no_stream);
        return MECH_SKIP;
    }
    if (!ops->loop && !(ops->open && ops->send && ops->recv))
        return mech_fail("mechanism %s implements neither a loop nor send/recv", ops->name);
    int nlinks = c->test == TEST_COPY2 ? 3 : 1;
    if ((double)c->pairs * nlinks * 2 * (double)(c->size + MAX_OFFSET) > MAX_BUFFER_BYTES)
        return mech_fail("setup: invalid value for field 'size': %zu bytes x %d pairs needs more than "
                         "%u MiB of buffers", c->size, c->pairs, MAX_BUFFER_BYTES >> 20);
    int rc = pin_validate(c);
    if (rc)
        return rc;

    memset(&cs, 0, sizeof cs);
    cs.b.c = *c;
    cs.b.ops = ops;
    cs.b.ngroups = c->pairs;
    cs.b.nlinks = nlinks;
    cs.worker_is_client = c->pairs == 1;
    cs.active = 1;
    loops_reset(c->mechanism);
    rc = setup_inner(d);
    if (rc) {
        char why[512];
        snprintf(why, sizeof why, "%s", mech_error());
        case_teardown();
        mech_fail("%s", why);
    }
    return rc;
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int case_cpu_read(long long *ns, int max)
{
    if (!cs.active || max < cs.nchildren + 1)
        return mech_fail("CPU time: no case is set up");
    if (cputime_request(cs.cpu, cs.children, cs.nchildren) < 0 ||
        wait_count(&cs.cpu->acks, (unsigned)cs.nchildren) < 0)
        return -1;
    ns[0] = cputime_self();
    for (int i = 0; i < cs.nchildren; i++)
        ns[i + 1] = __atomic_load_n(&cs.cpu->ns[i], __ATOMIC_ACQUIRE);
    return cs.nchildren + 1;
}

int case_run(long n, long *iterations, long long *ns)
{
    if (!cs.active)
        return mech_fail("run: no case is set up");
    n = run_iterations(&cs.b.c, n); /* stream: whole bursts only */
    long long t0, t1;
    if (cs.worker_is_client) {
        /* SIGCHLD alone could come before the wait starts: the watchdog covers that. */
        start_watchdog();
        t0 = now_ns();
        int rc = role_loop(&cs.b, 0, ROLE_CLIENT, n);
        t1 = now_ns();
        stop_watchdog();
        if (rc < 0) {
            if (cs.ctl->failed) /* the server's own words are better than "peer closed" */
                mech_fail("%s", cs.ctl->err);
            return -1;
        }
    } else {
        cs.ctl->iters = n;
        __atomic_store_n(&cs.ctl->done, 0, __ATOMIC_RELEASE);
        t0 = now_ns();
        __atomic_add_fetch(&cs.ctl->gen, 1, __ATOMIC_RELEASE);
        futex_wake(&cs.ctl->gen, MAX_CHILDREN);
        if (wait_count(&cs.ctl->done, (unsigned)cs.b.ngroups) < 0)
            return -1;
        t1 = now_ns();
        if (cs.ctl->failed)
            return mech_fail("%s", cs.ctl->err);
    }
    *ns = t1 - t0;
    *iterations = n * cs.b.ngroups;
    return 0;
}

void case_teardown(void)
{
    if (!cs.active)
        return;
    for (int i = 0; i < cs.nchildren; i++)
        kill(cs.children[i], SIGKILL);
    for (int i = 0; i < cs.nchildren; i++)
        while (waitpid(cs.children[i], NULL, 0) < 0 && errno == EINTR)
            ;
    struct bench *b = &cs.b;
    int n = b->ngroups * b->nlinks;
    if (b->links) {
        if (cs.forked) {
            for (int i = 0; i < cs.n_own_fds; i++)
                close(cs.own_fds[i]);
        } else {
            close_foreign_fds(0, -1);
        }
        for (int k = 0; k < n; k++) {
            if (b->ops->close)
                b->ops->close(&b->links[k]);
            for (int end = 0; end < 2; end++)
                if (b->links[k].buf[end])
                    free(b->links[k].buf[end] - PAGE - buf_offset(&b->c, end));
        }
    }
    if (b->ops->teardown)
        b->ops->teardown(b);
    shared_free(b->links, sizeof *b->links * (size_t)n);
    shared_free(b->pids, sizeof *b->pids * (size_t)b->ngroups);
    shared_free(cs.ctl, sizeof *cs.ctl);
    shared_free(cs.cpu, sizeof *cs.cpu);
    pin_self(-1);
    memset(&cs, 0, sizeof cs);
}
