/*
 * m3ipc-fuzz N — issues at least N random or malformed ioctls on /dev/m3ipc: bad command
 * numbers, bad and kernel pointers, bad sizes and versions, huge/negative/zero lengths, bad
 * and stale endpoints, calls from unbound threads, all from several processes of two threads
 * each, while the parent interrupts them with signals, kills and respawns them (implicit
 * unbind of a blocked peer) and ends and recreates VMs (concurrent unbind).
 * Exit 0 when N calls were made and no worker hung or died of anything but our SIGKILL;
 * the caller then checks dmesg and that the module unloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "m3ipc.h"
#include "m3ipc_uapi.h"

#define WORKERS 4
#define THREADS 2
#define KNOWN_EPS 64
#define WATCHDOG_S 240 /* a worker still running after this is hung in the module */
/* A thread's own buffer: big enough for every vcopy the module may accept into it. */
#define BUF_SIZE (M3IPC_VCOPY_MAX + 2 * 4096)

struct shared {
	atomic_long calls;
	atomic_long succeeded;
	atomic_int eps[KNOWN_EPS]; /* endpoints seen bound, so that real rendezvous happen */
};

static struct shared *sh;
static long target;
static char *page_ro;    /* readable, not writable */
static char *page_edge;  /* last bytes before an unmapped guard page */

static const unsigned long commands[] = {
	M3K_IOC_DRVS_INIT, M3K_IOC_DRVS_END, M3K_IOC_VM_INIT, M3K_IOC_VM_END,
	M3K_IOC_BIND, M3K_IOC_UNBIND, M3K_IOC_SEND, M3K_IOC_RECEIVE,
	M3K_IOC_SENDREC, M3K_IOC_NOTIFY, M3K_IOC_VCOPY, M3K_IOC_GETEP, M3K_IOC_VM_GROUP,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static uint64_t next(uint64_t *s)
{
	/* xorshift64*: cheap, and each thread has its own state. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

#define PICK(s, arr) ((arr)[next(s) % (sizeof(arr) / sizeof((arr)[0]))])

static int32_t any_ep(uint64_t *s)
{
	static const int32_t odd[] = { ANY, SELF, NONE, -1, INT32_MIN, INT32_MAX, M3IPC_EP_LIMIT, 127, 0 };

	if (next(s) % 4)
		return atomic_load(&sh->eps[next(s) % KNOWN_EPS]);
	return PICK(s, odd);
}

static uint64_t any_addr(uint64_t *s, char *good)
{
	uint64_t bad[] = {
		0, 1, (uintptr_t)good, (uintptr_t)good + 1, (uintptr_t)page_ro,
		(uintptr_t)page_edge, 0xffffffff81000000ull, 0xffff888000000000ull,
		UINT64_MAX - 7, 0x00007ffffffff000ull, (uintptr_t)good + 4095,
	};

	return next(s) % 3 ? (uintptr_t)good : PICK(s, bad);
}

static int64_t any_timeout(uint64_t *s)
{
	/* Mostly short; -1 (forever) is rare and relies on the parent's signals to end. */
	static const int64_t t[] = { 0, 0, 1, 1, 2, 2, 2, 5, -2, INT64_MIN, -100, 1 };

	return next(s) % 256 ? PICK(s, t) : -1;
}

static void fill(uint64_t *s, unsigned long cmd, void *arg, size_t *size, char *buf)
{
	/* Mostly VM 0, so that threads meet; VM 2 is ended and recreated under them. */
	static const int32_t vmids[] = { 0, 0, 0, 0, 1, 2, -1, M3IPC_MAX_VMS, INT32_MIN, 3 };
	static const int32_t slots[] = { M3IPC_ANY_SLOT, M3IPC_ANY_SLOT, 0, 1, 5, 127, 128, -5 };
	static const uint64_t lens[] = { 1, 48, 4096, 4096, 100, 8192, 0, M3IPC_VCOPY_MAX,
					 M3IPC_VCOPY_MAX + 1ull, UINT64_MAX, (uint64_t)-4096 };
	union {
		struct m3k_int_arg i;
		struct m3k_bind_arg b;
		struct m3k_group_arg g;
		struct m3k_ipc_arg ipc;
		struct m3k_vcopy_arg v;
	} *a = arg;

	memset(a, 0, sizeof(*a));
	switch (cmd) {
	case M3K_IOC_BIND:
	case M3K_IOC_UNBIND:
		*size = sizeof(a->b);
		a->b.vmid = PICK(s, vmids);
		a->b.ep = cmd == M3K_IOC_BIND ? PICK(s, slots) : any_ep(s);
		break;
	case M3K_IOC_SEND:
	case M3K_IOC_RECEIVE:
	case M3K_IOC_SENDREC:
	case M3K_IOC_NOTIFY:
		*size = sizeof(a->ipc);
		a->ipc.ep = any_ep(s);
		a->ipc.timeout_ms = any_timeout(s);
		a->ipc.msg = any_addr(s, buf);
		break;
	case M3K_IOC_VCOPY:
		*size = sizeof(a->v);
		a->v.src_ep = any_ep(s);
		a->v.dst_ep = any_ep(s);
		a->v.src_addr = any_addr(s, buf);
		a->v.dst_addr = any_addr(s, buf);
		a->v.len = next(s) % 4 ? PICK(s, lens) : next(s) % 65536;
		break;
	case M3K_IOC_VM_GROUP:
		*size = sizeof(a->g);
		a->g.vmid = PICK(s, vmids);
		a->g.gid = next(s) % 2 ? (uint32_t)-1 : (uint32_t)next(s) % 4 ? getgid() : (uint32_t)next(s);
		break;
	case M3K_IOC_GETEP:
		*size = sizeof(a->i);
		a->i.value = next(s) % 2 ? SELF : (int32_t)(next(s) % 4 ? getpid() + next(s) % 8 : next(s));
		break;
	default:
		*size = sizeof(a->i);
		a->i.value = next(s) % 4 ? PICK(s, vmids) : (int32_t)next(s);
	}
	a->i.hdr.size = *size;
	a->i.hdr.version = M3K_ABI_VERSION;
	/* Now and then a header that lies about size or version. */
	switch (next(s) % 32) {
	case 0: a->i.hdr.size = (uint32_t)next(s); break;
	case 1: a->i.hdr.version = (uint32_t)next(s) % 4; break;
	case 2: a->i.hdr.size = 0; break;
	}
}

/* One call; returns 1 if the module accepted it. */
static int one_call(int fd, uint64_t *s, char *buf)
{
	uint64_t arg[16];
	size_t size;
	unsigned long cmd = commands[next(s) % NCOMMANDS];
	int ret;

	switch (next(s) % 16) {
	case 0: /* a command number the module does not know (or a neighbour of one it does) */
		cmd = next(s) % 2 ? (unsigned long)next(s) : cmd + 1 + next(s) % 3;
		ret = ioctl(fd, cmd, (void *)(uintptr_t)any_addr(s, buf));
		break;
	case 1: /* a known command with a pointer that is not a valid argument */
		ret = ioctl(fd, cmd, (void *)(uintptr_t)PICK(s, ((uint64_t[]){ 0, 1, 0xffffffff81000000ull,
						       (uintptr_t)page_edge + 32 })));
		break;
	default:
		fill(s, cmd, arg, &size, buf);
		/* Ending everything (or the busy VMs) is allowed, just not so often that no
		 * binding lives long enough to meet a peer. */
		if ((cmd == M3K_IOC_DRVS_END && next(s) % 256) ||
		    (cmd == M3K_IOC_VM_END && next(s) % 64 && (arg[1] & 0xffffffff) < 2))
			cmd = M3K_IOC_GETEP;
		ret = ioctl(fd, cmd, arg);
		if (ret >= 0 && cmd == M3K_IOC_BIND)
			atomic_store(&sh->eps[next(s) % KNOWN_EPS], ret);
	}
	return ret >= 0;
}

static void *fuzz_thread(void *arg)
{
	int fd = *(int *)arg;
	uint64_t s = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&s ^ (uint64_t)time(NULL);
	char *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(buf, 0x5a, 65536);
	while (atomic_load(&sh->calls) < target) {
		int ok = one_call(fd, &s, buf);

		atomic_fetch_add(&sh->calls, 1);
		atomic_fetch_add(&sh->succeeded, ok);
	}
	munmap(buf, BUF_SIZE);
	return NULL;
}

static void on_signal(int sig) { (void)sig; }

static int fuzz_worker(void)
{
	pthread_t t[THREADS];
	int fd, i;

	alarm(WATCHDOG_S);
	fd = open(M3K_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 2;
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, fuzz_thread, &fd);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(fuzz_worker());
	return pid;
}

static void setup_pages(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	page_ro = p;
	mprotect(page_ro, 4096, PROT_READ);
	munmap(p + 2 * 4096, 4096);
	page_edge = p + 2 * 4096 - 20; /* a message there runs into the hole */
}

static long simple(int fd, unsigned long cmd, int value)
{
	struct m3k_int_arg a = { .hdr = { sizeof(a), M3K_ABI_VERSION }, .value = value };

	return ioctl(fd, cmd, &a);
}

/* Keeps the system initialised with VMs 0 and 1 (workers may end them) and churns VM 2. */
static void refresh_vms(int fd, unsigned round)
{
	simple(fd, M3K_IOC_DRVS_INIT, 0);
	simple(fd, M3K_IOC_VM_INIT, 0);
	simple(fd, M3K_IOC_VM_INIT, 1);
	if (round % 3 == 0)
		simple(fd, M3K_IOC_VM_END, 2);
	simple(fd, M3K_IOC_VM_INIT, 2);
}

/* Reaps one worker; returns 1 if it died of something other than our SIGKILL. */
static int reap(pid_t pid, int killed)
{
	int st;

	waitpid(pid, &st, 0);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL && killed)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	fprintf(stderr, "fuzz: worker %d %s %d\n", pid, WIFSIGNALED(st) ? "died of signal" : "exited",
		WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 1;
}

int main(int argc, char **argv)
{
	pid_t workers[WORKERS];
	unsigned round = 0, kills = 0;
	int fd, i, bad = 0;
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	/* Inherited by the workers before they exist: no SA_RESTART, so waits are interrupted. */
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);
	target = argc > 1 ? atol(argv[1]) : 100000;
	fd = open(M3K_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || target <= 0) {
		fprintf(stderr, "usage: m3ipc-fuzz N (needs %s: %s)\n", M3K_DEVICE, strerror(errno));
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	setup_pages();
	refresh_vms(fd, 1);
	for (i = 0; i < WORKERS; i++)
		workers[i] = spawn();
	while (atomic_load(&sh->calls) < target) {
		nanosleep(&tick, NULL);
		round++;
		kill(workers[round % WORKERS], SIGUSR1);
		refresh_vms(fd, round);
		if (round % 4 == 0) {
			/* Kill one worker mid-call: its bindings go while peers may wait on them. */
			i = (round / 4) % WORKERS;
			kill(workers[i], SIGKILL);
			bad |= reap(workers[i], 1);
			kills++;
			workers[i] = spawn();
		}
	}
	for (i = 0; i < WORKERS; i++) {
		/* Workers stop by themselves once the target is reached; signals end -1 waits. */
		kill(workers[i], SIGUSR1);
	}
	for (i = 0; i < WORKERS; i++) {
		int st;
		struct timespec t0, t;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (waitpid(workers[i], &st, WNOHANG) == 0) {
			for (int j = 0; j < WORKERS; j++)
				kill(workers[j], SIGUSR1);
			nanosleep(&tick, NULL);
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec > 30) {
				fprintf(stderr, "fuzz: worker %d does not finish: hung in the module?\n", workers[i]);
				kill(workers[i], SIGKILL);
				waitpid(workers[i], &st, 0);
				bad = 1;
				break;
			}
		}
		if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st))) {
			fprintf(stderr, "fuzz: worker %d ended badly (status %#x)\n", workers[i], st);
			bad = 1;
		}
	}
	simple(fd, M3K_IOC_DRVS_END, 0);
	close(fd);
	printf("fuzz: calls=%ld accepted=%ld workers_killed=%u bad=%d\n", atomic_load(&sh->calls),
	       atomic_load(&sh->succeeded), kills, bad);
	return bad;
}
