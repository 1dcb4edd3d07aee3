/*
 * harness.c — the runner of the conformance suite (m3ipc-conformance) and the helpers of
 * harness.h.
 *   m3ipc-conformance [--backend sim|kmod] [--filter SUBSTRING]
 * prints one line per test ("ok   name" / "FAIL name: why") and a final "N passed, N failed"
 * line; the exit status is 1 when a test failed, 2 when the system could not be initialised.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define MAX_TESTS     128
#define TEST_ALARM_S  60      /* a test still running after this is hung: fail it */
#define WAIT_LIMIT_MS 10000   /* bound of t_ep_of / t_wait_blocked */

struct test { const char *name; void (*fn)(void); };
static struct test tests[MAX_TESTS];
static int n_tests;
static const char *backend_name = "sim";

void t_register(const char *name, void (*fn)(void))
{
	if (n_tests < MAX_TESTS)
		tests[n_tests++] = (struct test){ name, fn };
}

const char *t_backend(void) { return backend_name; }

_Noreturn void t_fail(const char *file, int line, const char *what, long got, long want)
{
	if (got == want)
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", file, line, what);
	else
		fprintf(stderr, "%s:%d: %s = %ld (%s), want %ld (%s)\n", file, line, what, got,
			mnx_strerror((int)got), want, mnx_strerror((int)want));
	_exit(1);
}

int t_ok(int rc, const char *file, int line, const char *what)
{
	if (rc < 0)
		t_fail(file, line, what, rc, 0);
	return rc;
}

pid_t t_spawn(void (*fn)(void *), void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		t_fail(__FILE__, __LINE__, "fork", errno, 0);
	if (pid == 0) {
		fn(arg);
		exit(0);   /* exit, not _exit: the implicit unbind at exit is part of the API */
	}
	return pid;
}

void t_join(pid_t pid)
{
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		t_fail(__FILE__, __LINE__, "helper process exit status", st, 0);
}

void t_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

struct thread_start { void (*fn)(void *); void *arg; };

static void *thread_main(void *p)
{
	struct thread_start s = *(struct thread_start *)p;
	free(p);
	s.fn(s.arg);
	return NULL;
}

t_thread_t t_thread(void (*fn)(void *), void *arg)
{
	struct thread_start *s = malloc(sizeof *s);
	CHECK(s != NULL);
	*s = (struct thread_start){ fn, arg };
	pthread_t t;
	CHECK(pthread_create(&t, NULL, thread_main, s) == 0);
	return (t_thread_t)t;
}

void t_thread_join(t_thread_t t) { CHECK(pthread_join((pthread_t)t, NULL) == 0); }

void *t_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	return p;
}

pid_t t_tid(void) { return gettid(); }

long t_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int t_ep_of(pid_t tid)
{
	for (long t0 = t_now_ms(); t_now_ms() - t0 < WAIT_LIMIT_MS; sleep_ms(1)) {
		int ep = mnx_getep(tid);
		if (ep >= 0)
			return ep;
		CHECK_RC(ep, EMOLNOTBIND);
	}
	t_fail(__FILE__, __LINE__, "peer bound within the wait limit", 0, 0);
}

/* Scheduler state letter of a thread of any process ('?' if gone). */
static char thread_state(pid_t tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)tid, (int)tid);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
		f = fopen(path, "r");
	}
	if (f == NULL)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');   /* the command name may contain spaces */
	return p && p[1] == ' ' ? p[2] : '?';
}

void t_wait_blocked(pid_t tid)
{
	/* Two consecutive sleeping observations, so a thread that merely paused between the
	 * harness's notification and its blocking call is not taken for blocked. */
	int seen = 0;
	for (long t0 = t_now_ms(); t_now_ms() - t0 < WAIT_LIMIT_MS; sleep_ms(2)) {
		char s = thread_state(tid);
		seen = (s == 'S' || s == 'D') ? seen + 1 : 0;
		if (seen == 3)
			return;
	}
	t_fail(__FILE__, __LINE__, "peer blocked within the wait limit", 0, 0);
}

/* Run one test in a child with fresh VMs; returns 0 if it passed. */
static int run_one(int i, char *why, size_t why_len)
{
	int rc1 = mnx_vm_init(T_VM), rc2 = mnx_vm_init(T_VM2);
	if (rc1 < 0 || rc2 < 0) {
		snprintf(why, why_len, "mnx_vm_init: %s", mnx_strerror(rc1 < 0 ? rc1 : rc2));
		mnx_vm_end(T_VM);
		mnx_vm_end(T_VM2);
		return 1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);   /* its own group: the runner kills leftover helpers with it */
		alarm(TEST_ALARM_S);
		tests[i].fn();
		exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	kill(-pid, SIGKILL);   /* helpers a failed test left behind */
	while (waitpid(-pid, NULL, WNOHANG) > 0)
		;
	mnx_vm_end(T_VM);
	mnx_vm_end(T_VM2);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st))
		snprintf(why, why_len, "%s", WTERMSIG(st) == SIGALRM ? "hung (alarm)" : strsignal(WTERMSIG(st)));
	else
		snprintf(why, why_len, "exit status %d (see stderr)", WEXITSTATUS(st));
	return 1;
}

/* The sim keeps its tables in /dev/shm/m3ipc.<ns>.*; after mnx_drvs_end none may remain. */
static int count_leaked_segments(void)
{
	const char *ns = getenv("M3IPC_NS");
	char prefix[64];
	snprintf(prefix, sizeof prefix, "m3ipc.%s.", ns ? ns : "");
	DIR *d = opendir("/dev/shm");
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			backend_name = argv[++i];
		} else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
			filter = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--backend sim|kmod] [--filter SUBSTRING]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = mnx_drvs_init(0, backend_name);
	if (rc < 0) {
		fprintf(stderr, "mnx_drvs_init(0, \"%s\"): %s\n", backend_name, mnx_strerror(rc));
		return 2;
	}
	int passed = 0, failed = 0;
	for (int i = 0; i < n_tests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		char why[128] = "";
		if (run_one(i, why, sizeof why) == 0) {
			printf("ok   %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s: %s\n", tests[i].name, why);
			failed++;
		}
	}
	CHECK_RC(mnx_drvs_end(), EMOLOK);
	if (strcmp(backend_name, "sim") == 0) {
		int leaked = count_leaked_segments();
		if (leaked == 0) {
			printf("ok   no_shm_segment_leaked\n");
			passed++;
		} else {
			printf("FAIL no_shm_segment_leaked: %d segment(s) left in /dev/shm\n", leaked);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
