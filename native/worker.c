/* m3worker: the benchmark worker. Speaks docs/protocol.md on stdio: one command line in,
 * exactly one JSON line out; diagnostics on stderr. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "case.h"
#include "json.h"
#include "loops.h"
#include "mech.h"
#include "names.h"
#include "pin.h"

#define SELFTEST_ITERS 64
#define SELFTEST_BURST 8 /* stream: several bursts in one run */

/* The hello's sizeof_message is the M3-IPC message of this ABI (the paper's unit; baselines
 * default to its 36-byte payload size), read from the API header when the tree has it. */
#if __has_include("m3ipc.h")
#include "m3ipc.h"
#define HELLO_SIZEOF_MESSAGE ((int)sizeof(message))
#else
#define HELLO_SIZEOF_MESSAGE MSG_DEFAULT_SIZE
#endif

#define QUIT_SIGNAL 1
#define QUIT_COMMAND 2
static volatile sig_atomic_t quit_requested;

static void on_quit(int sig)
{
    (void)sig;
    quit_requested = QUIT_SIGNAL;
}

/* SIGCHLD must interrupt blocking waits (no SA_RESTART) so that a dead peer is noticed
 * (see retry_or_fail in mech.h; the watchdog's SIGALRM is installed by case.c). */
static void on_interrupt(int sig)
{
    (void)sig;
}

static void install_signals(void)
{
    struct sigaction sa = {0};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_interrupt;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_quit;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a dead peer is an EPIPE error, not the worker's death */
}

/* M3BENCH_SLOWDOWN=<mechanism>:<fraction>, test use only (see docs/protocol.md). */
static struct {
    char mech[64];
    double fraction;
} slowdown;

/* A planted slowdown needs M3BENCH_ALLOW_SLOWDOWN=1 beside it: a variable left in a shell must
 * not slow a real run in silence. -1 (refuse to start) when it is set without, or malformed. */
static int read_slowdown(void)
{
    const char *env = getenv("M3BENCH_SLOWDOWN");
    if (!env || !*env)
        return 0;
    const char *allow = getenv("M3BENCH_ALLOW_SLOWDOWN");
    if (!allow || strcmp(allow, "1") != 0) {
        fprintf(stderr, "m3worker: M3BENCH_SLOWDOWN=%s without M3BENCH_ALLOW_SLOWDOWN=1: refusing to start\n", env);
        return -1;
    }
    const char *colon = strrchr(env, ':');
    char *end = NULL;
    if (colon && colon > env && (size_t)(colon - env) < sizeof slowdown.mech)
        slowdown.fraction = strtod(colon + 1, &end);
    if (!end || *end != '\0' || slowdown.fraction <= 0) {
        fprintf(stderr, "m3worker: M3BENCH_SLOWDOWN=%s: want <mechanism>:<fraction > 0>\n", env);
        return -1;
    }
    memcpy(slowdown.mech, env, (size_t)(colon - env));
    fprintf(stderr, "m3worker: planted slowdown %s +%.3f\n", slowdown.mech, slowdown.fraction);
    return 0;
}

/* The hello line; a planted slowdown is part of it, so that a run records what it measured. */
static void say_hello(void)
{
    char planted[160] = "";
    if (slowdown.fraction > 0) {
        char spec[96], q[128];
        snprintf(spec, sizeof spec, "%s:%.3f", slowdown.mech, slowdown.fraction);
        json_quote(q, sizeof q, spec);
        snprintf(planted, sizeof planted, ",\"planted_slowdown\":%s", q);
    }
    printf("{\"hello\":\"m3worker\",\"protocol\":1,\"ncpus\":%ld,\"sizeof_message\":%d%s}\n",
           sysconf(_SC_NPROCESSORS_ONLN), HELLO_SIZEOF_MESSAGE, planted);
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void planted_slowdown(long long *ns)
{
    if (slowdown.fraction <= 0 || strcmp(slowdown.mech, case_mechanism()) != 0)
        return;
    long long extra = (long long)((double)*ns * slowdown.fraction);
    long long until = now_ns() + extra;
    while (now_ns() < until)
        ;
    *ns += extra;
}

static void answer_error(const char *msg)
{
    char q[1024];
    json_quote(q, sizeof q, msg);
    printf("{\"ok\":false,\"error\":%s}\n", q);
}

static void cmd_list(void)
{
    char q[512];
    printf("{\"ok\":true,\"mechanisms\":[");
    for (size_t i = 0; mech_at(i); i++) {
        const struct mech_ops *m = mech_at(i);
        json_quote(q, sizeof q, m->name);
        printf("%s{\"name\":%s,", i ? "," : "", q);
        json_quote(q, sizeof q, m->description);
        printf("\"description\":%s,", q);
        json_quote(q, sizeof q, m->family);
        printf("\"family\":%s,\"order\":%d,\"tests\":{", q, m->order);
        const char *missing_here = m->unavailable ? m->unavailable() : NULL;
        for (int t = 0; t < TEST_COUNT; t++) {
            const char *why_not = m->tests[t] ? m->tests[t] : missing_here;
            json_quote(q, sizeof q, why_not ? why_not : "ok");
            printf("%s\"%s\":%s", t ? "," : "", test_names[t], q);
        }
        printf("}}");
    }
    printf("]}\n");
}

static void cmd_setup(const char *json)
{
    struct bench_case c;
    struct detail d = {0};
    if (parse_setup(json, &c) < 0) {
        answer_error(mech_error());
        return;
    }
    int rc = case_setup(&c, &d);
    if (rc == MECH_SKIP) {
        char q[1024];
        json_quote(q, sizeof q, mech_error());
        printf("{\"ok\":false,\"skipped\":true,\"reason\":%s}\n", q);
    } else if (rc < 0) {
        answer_error(mech_error());
    } else {
        printf("{\"ok\":true,\"detail\":{%s}}\n", d.body);
    }
}

static void cmd_run(const char *arg)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (end == arg || *end || errno || n < 1) {
        answer_error("run: N must be a positive integer");
        return;
    }
    if (!case_active()) {
        answer_error("run: no case is set up");
        return;
    }
    /* CPU clocks are read outside the timed window: before the batch starts, after it ends.
     * Each process reads its own; only a dead child fails to answer, and that fails the run. */
    static const char *roles[CASE_MAX_PROCESSES];
    static long long cpu0[CASE_MAX_PROCESSES], cpu1[CASE_MAX_PROCESSES];
    char cpu[512];
    int nprocs = case_roles(roles, CASE_MAX_PROCESSES);
    long long ns;
    long iterations;
    if (case_cpu_read(cpu0, CASE_MAX_PROCESSES) != nprocs || case_run(n, &iterations, &ns) < 0 ||
        case_cpu_read(cpu1, CASE_MAX_PROCESSES) != nprocs) {
        answer_error(mech_error());
        return;
    }
    cputime_members(cpu, sizeof cpu, roles, nprocs, cpu0, cpu1);
    planted_slowdown(&ns); /* a planted slowdown is wall time only, outside the CPU readings */
    printf("{\"ok\":true,\"iterations\":%ld,\"ns\":%lld%s}\n", iterations, ns, cpu);
}

struct selftest {
    int checked, skipped, failed;
    char failures[8192]; /* JSON strings, comma-separated */
    size_t flen;
};

/* One case with content verification on, its failure (if any) added to st. */
static void selftest_case(struct selftest *st, const struct mech_ops *m, enum bench_test t,
                          enum copy_mode mode)
{
    struct bench_case c;
    case_defaults(&c, m->name, t);
    c.verify = 1;
    c.copy_mode = mode;
    c.burst = SELFTEST_BURST;
    struct detail d = {0};
    long long ns;
    long iterations;
    int rc = case_setup(&c, &d);
    if (rc == 0)
        rc = case_run(SELFTEST_ITERS, &iterations, &ns);
    case_teardown();
    if (rc == MECH_SKIP) {
        st->skipped++;
        return;
    }
    st->checked++;
    if (rc == 0)
        return;
    st->failed++;
    char what[1100], q[1200];
    snprintf(what, sizeof what, "%s %s%s: %s", m->name, test_names[t],
             t >= TEST_COPY1 ? (mode == COPY_STREAM ? " stream" : " sync") : "", mech_error());
    json_quote(q, sizeof q, what);
    int n = snprintf(st->failures + st->flen, sizeof st->failures - st->flen, "%s%s", st->flen ? "," : "", q);
    if (n > 0 && st->flen + (size_t)n < sizeof st->failures)
        st->flen += (size_t)n;
    else
        st->failures[st->flen] = '\0'; /* drop what does not fit rather than emit broken JSON */
}

/* Every mechanism x test it claims, COPY in both copy modes, with content verification on;
 * failures are listed. */
static void cmd_selftest(const char *only)
{
    static struct selftest st;
    memset(&st, 0, sizeof st);
    if (*only && !mech_find(only)) {
        char q[200];
        snprintf(q, sizeof q, "selftest: unknown mechanism '%.100s'", only);
        answer_error(q);
        return;
    }
    for (size_t i = 0; mech_at(i); i++) {
        const struct mech_ops *m = mech_at(i);
        if (*only && strcmp(only, m->name) != 0)
            continue;
        for (int t = 0; t < TEST_COUNT; t++) {
            selftest_case(&st, m, (enum bench_test)t, COPY_SYNC);
            if (t >= TEST_COPY1)
                selftest_case(&st, m, (enum bench_test)t, COPY_STREAM);
        }
    }
    printf("{\"ok\":%s,\"checked\":%d,\"skipped\":%d,\"failures\":[%s]}\n", st.failed ? "false" : "true",
           st.checked, st.skipped, st.failures);
}

static void dispatch(char *line)
{
    line[strcspn(line, "\r\n")] = '\0';
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = '\0';
    else
        arg = line + strlen(line);
    if (strcmp(line, "list") == 0 && !*arg) {
        cmd_list();
    } else if (strcmp(line, "setup") == 0) {
        cmd_setup(arg);
    } else if (strcmp(line, "run") == 0) {
        cmd_run(arg);
    } else if (strcmp(line, "teardown") == 0 && !*arg) {
        case_teardown();
        printf("{\"ok\":true}\n");
    } else if (strcmp(line, "selftest") == 0) {
        cmd_selftest(arg);
    } else if (strcmp(line, "quit") == 0 && !*arg) {
        quit_requested = QUIT_COMMAND;
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "unknown command '%.100s' (list, setup, run, teardown, selftest, quit)", line);
        answer_error(msg);
    }
}

int main(void)
{
    /* The worker follows its runner: SIGTERM on the runner's death tears down and exits. */
    pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    install_signals();
    if (getppid() != parent)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pin_init();
    sweep_stale();
    if (read_slowdown() < 0)
        return 2;
    say_hello();

    static char line[1 << 16];
    while (!quit_requested) {
        if (!fgets(line, sizeof line, stdin)) {
            if (ferror(stdin) && errno == EINTR && !quit_requested) {
                clearerr(stdin);
                continue;
            }
            break; /* EOF means quit */
        }
        dispatch(line);
    }
    case_teardown();
    if (quit_requested == QUIT_COMMAND)
        printf("{\"ok\":true}\n");
    return 0;
}
