/*
 * harness.c — the runner of the conformance suite (m3ipc-conformance) and the helpers of
 * harness.h.
 *   m3ipc-conformance [--backend sim|kmod] [--filter SUBSTRING] [--uid UID]
 * prints one line per test ("ok   name" / "FAIL name: why" / "skip name: why") and a final
 * "N passed, N failed, N skipped" line; the exit status is 1 when a test failed, 2 when the
 * system could not be initialised or the command line is wrong (a --filter that matches no test
 * included: a run that tests nothing must not look like a pass). --uid runs the whole suite as
 * that user (uid = gid, no supplementary groups), e.g. beside a root run on the module.
 * The runner never calls mnx_drvs_end: it ends exactly the VMs that it and the tests made.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
/* Only the runner's signal path below looks past m3ipc.h: it names the simulator's segments. */
#include "../sim/table.h"

#define MAX_TESTS     128
#define MAX_VMS       8       /* the runner's two and those a test makes with t_new_vm */
#define TEST_ALARM_S  60      /* a test still running after this is hung: fail it */
#define WAIT_LIMIT_MS 10000   /* bound of t_ep_of / t_wait_blocked */
#define SKIP_STATUS   77      /* exit status of a test that called t_skip */

struct test { const char *name; void (*fn)(void); };
static struct test tests[MAX_TESTS];
static int n_tests;
static const char *backend_name = "sim";
int t_vm_ids[2];

/* Shared by the runner and every process of the current test (MAP_SHARED before the fork). */
static struct run_state {
	char skip_why[160];
	int nvms;
	int vms[MAX_VMS];       /* VMs to end after the test; -1 once the test ended one itself */
} *run;

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

_Noreturn void t_skip(const char *why)
{
	snprintf(run->skip_why, sizeof run->skip_why, "%s", why);
	_exit(SKIP_STATUS);
}

/* Records a VM for end_test_vms, in an entry freed by t_vm_end if there is one. */
static void note_vm(int vmid)
{
	for (int i = 0; i < __atomic_load_n(&run->nvms, __ATOMIC_SEQ_CST) && i < MAX_VMS; i++) {
		int free_entry = -1;
		if (__atomic_compare_exchange_n(&run->vms[i], &free_entry, vmid, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return;
	}
	int i = __atomic_fetch_add(&run->nvms, 1, __ATOMIC_SEQ_CST);
	if (i >= MAX_VMS)
		t_fail(__FILE__, __LINE__, "VMs alive at once in a test", i + 1, MAX_VMS);
	run->vms[i] = vmid;
}

int t_vm_init(int vmid)
{
	int rc = mnx_vm_init(vmid);
	if (rc >= 0)
		note_vm(rc);
	return rc;
}

int t_new_vm(void)
{
	return OK(t_vm_init(M3IPC_ANY_VM));
}

int t_vm_end(int vmid)
{
	for (int i = 0; i < run->nvms && i < MAX_VMS; i++)
		if (run->vms[i] == vmid)
			run->vms[i] = -1;
	return mnx_vm_end(vmid);
}

/*
 * The highest free id. A concurrent run's M3IPC_ANY_VM takes the lowest, and its own
 * t_unused_vmid waits for this test to end (a lock every suite on the machine shares, held
 * until the test's processes exit): nobody makes a VM there while the test uses the id, so its
 * calls expecting EMOLBADVMID can never act on another run's VM instead.
 */
int t_unused_vmid(void)
{
	static int lock_fd = -1;
	if (lock_fd < 0) {
		/* The lock is /dev/shm itself (a directory can be flock'ed): a lock file would be one
		 * more object left behind, and unlinking it would break the lock for its waiters. */
		lock_fd = open("/dev/shm", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		CHECK(lock_fd >= 0 && flock(lock_fd, LOCK_EX) == 0);
	}
	for (int vmid = M3IPC_MAX_VMS - 1; vmid >= 0; vmid--) {
		int rc = mnx_vm_init(vmid);
		if (rc == vmid) {
			CHECK_RC(mnx_vm_end(vmid), EMOLOK);
			return vmid;
		}
		CHECK_RC(rc, EMOLVMEXIST);
	}
	t_fail(__FILE__, __LINE__, "a free VM id", 0, 1);
}

/* Ends the test's VMs (the runner's two included) that it did not end itself. Never one that it
 * ended: another run may have taken that id since. */
static void end_test_vms(void)
{
	for (int i = 0; i < run->nvms && i < MAX_VMS; i++)
		if (run->vms[i] >= 0)
			mnx_vm_end(run->vms[i]);
	run->nvms = 0;
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

void t_bind_and_pause(void *p_nr)
{
	OK(mnx_bind(T_VM, *(int *)p_nr));
	pause();
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

enum outcome { PASSED, FAILED, SKIPPED };

/* A hung test's processes (its group) as they are stuck: state and kernel wait channel. */
static void report_hung(pid_t pgid)
{
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
		char path[64], buf[512], wchan[64] = "?";
		int pid, pgrp;
		char state;
		if (sscanf(e->d_name, "%d", &pid) != 1)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (p == NULL || sscanf(p + 1, " %c %*d %d", &state, &pgrp) != 2 || pgrp != pgid)
			continue;
		snprintf(path, sizeof path, "/proc/%d/wchan", pid);
		if ((f = fopen(path, "r")) != NULL) {
			n = fread(wchan, 1, sizeof wchan - 1, f);
			wchan[n] = '\0';
			fclose(f);
		}
		fprintf(stderr, "hung: pid %d state %c wchan %s\n", pid, state, wchan);
	}
	if (d)
		closedir(d);
}

/* Run one test in a child with fresh VMs; `why` says why it failed or was skipped. */
/* The test child running now (its own process group), for the signal path below. */
static volatile pid_t current_test;

/*
 * SIGINT/SIGTERM/SIGHUP (a timeout, ^C): end what the run made before dying. The test's process
 * group is killed and, on the simulator, the segments of the VMs the run still holds are
 * unlinked (unlink is async-signal-safe; the names are made at start). A SIGKILL leaves them to
 * the next initialisation's sweep of dead namespaces (sim/table.c).
 */
static char segment_name[M3IPC_MAX_VMS][SIM_NAME_MAX];
static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define N_CLEANUP_SIGNALS (sizeof cleanup_signals / sizeof cleanup_signals[0])

static void die_cleanly(int sig)
{
	if (current_test > 0)
		kill(-current_test, SIGKILL);
	for (int i = 0; segment_name[0][0] && i < run->nvms && i < MAX_VMS; i++)
		if (run->vms[i] >= 0 && run->vms[i] < M3IPC_MAX_VMS)
			shm_unlink(segment_name[run->vms[i]]);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_cleanup(void)
{
	const char *ns = sim_namespace();
	if (strcmp(backend_name, "sim") == 0 && ns)
		for (int v = 0; v < M3IPC_MAX_VMS; v++)
			sim_vm_shm_name(segment_name[v], sizeof segment_name[v], ns, v);
	struct sigaction sa = { .sa_handler = die_cleanly };
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < N_CLEANUP_SIGNALS; k++)
		sigaction(cleanup_signals[k], &sa, NULL);
}

static enum outcome run_one(int i, char *why, size_t why_len)
{
	memset(run, 0, sizeof *run);
	for (int k = 0; k < 2; k++) {
		int rc = mnx_vm_init(M3IPC_ANY_VM);
		if (rc < 0) {
			snprintf(why, why_len, "mnx_vm_init: %s", mnx_strerror(rc));
			end_test_vms();
			return FAILED;
		}
		t_vm_ids[k] = rc;
		note_vm(rc);
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);   /* its own group: the runner kills leftover helpers with it */
		for (size_t k = 0; k < N_CLEANUP_SIGNALS; k++)
			signal(cleanup_signals[k], SIG_DFL);
		alarm(TEST_ALARM_S);
		tests[i].fn();
		exit(0);
	}
	setpgid(pid, pid); /* also here: a signal may come before the child has run */
	current_test = pid;
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	current_test = 0;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		report_hung(pid);
	kill(-pid, SIGKILL);   /* helpers a failed test left behind */
	while (waitpid(-pid, NULL, WNOHANG) > 0)
		;
	end_test_vms();
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return PASSED;
	if (WIFEXITED(st) && WEXITSTATUS(st) == SKIP_STATUS) {
		snprintf(why, why_len, "%s", run->skip_why);
		return SKIPPED;
	}
	if (WIFSIGNALED(st))
		snprintf(why, why_len, "%s", WTERMSIG(st) == SIGALRM ? "hung (alarm)" : strsignal(WTERMSIG(st)));
	else
		snprintf(why, why_len, "exit status %d (see stderr)", WEXITSTATUS(st));
	return FAILED;
}

/* The sim keeps its tables in /dev/shm/m3ipc.<ns>.*; once every test's VMs are ended none may
 * remain. */
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

int t_become(uid_t uid, gid_t supplementary)
{
	/* Changing credentials makes a process non-dumpable, and a non-dumpable process cannot be
	 * a vcopy party (ptrace's rule): become an ordinary process of that user again. */
	if (setgroups(supplementary ? 1 : 0, &supplementary) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0 || prctl(PR_SET_DUMPABLE, 1) < 0)
		return -1;
	return 0;
}

/* --uid: the whole run as that user (gid = uid, no supplementary group). */
static int become(const char *uid_arg)
{
	char *end;
	long id = strtol(uid_arg, &end, 10);
	if (*uid_arg == '\0' || *end != '\0' || id < 0 || id > 0x7fffffff) {
		fprintf(stderr, "--uid %s: not a user id\n", uid_arg);
		return -1;
	}
	if (t_become((uid_t)id, 0) < 0) {
		fprintf(stderr, "--uid %s: %s\n", uid_arg, strerror(errno));
		return -1;
	}
	return 0;
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [--backend sim|kmod] [--filter SUBSTRING] [--uid UID]\n", argv0);
	return 2;
}

int main(int argc, char **argv)
{
	const char *filter = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc) {
			backend_name = argv[++i];
		} else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
			filter = argv[++i];
		} else if (strcmp(argv[i], "--uid") == 0 && i + 1 < argc) {
			if (become(argv[++i]) < 0)
				return 2;
		} else {
			return usage(argv[0]);
		}
	}
	int selected = 0;
	for (int i = 0; i < n_tests; i++)
		selected += !filter || strstr(tests[i].name, filter) != NULL;
	if (selected == 0) {
		fprintf(stderr, "--filter '%s' matches no test\n", filter);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	run = t_shared(sizeof *run);
	int rc = mnx_drvs_init(0, backend_name);
	install_cleanup(); /* after init: the simulator's default namespace is set there */
	if (rc < 0) {
		fprintf(stderr, "mnx_drvs_init(0, \"%s\"): %s\n", backend_name, mnx_strerror(rc));
		return 2;
	}
	int count[3] = { 0 };
	for (int i = 0; i < n_tests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		char why[160] = "";
		enum outcome o = run_one(i, why, sizeof why);
		count[o]++;
		if (o == PASSED)
			printf("ok   %s\n", tests[i].name);
		else
			printf("%s %s: %s\n", o == FAILED ? "FAIL" : "skip", tests[i].name, why);
	}
	if (strcmp(backend_name, "sim") == 0) {
		int leaked = count_leaked_segments();
		if (leaked == 0) {
			printf("ok   no_shm_segment_leaked\n");
			count[PASSED]++;
		} else {
			printf("FAIL no_shm_segment_leaked: %d segment(s) left in /dev/shm\n", leaked);
			count[FAILED]++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", count[PASSED], count[FAILED], count[SKIPPED]);
	return count[FAILED] ? 1 : 0;
}
