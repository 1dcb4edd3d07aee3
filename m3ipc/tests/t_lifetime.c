/* t_lifetime.c — a binding ends with its thread, not only with its process; and ending a VM
 * while its threads are interrupted by a storm of signals (blocked calls abandoned and resumed
 * under the unbinder's feet) leaves nothing behind and hangs nobody. */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct exiting { bool raw; volatile int ep; volatile pid_t tid; volatile int go; };

/* Bind slot 5, wait for the go, then end the thread: returning (the library's thread-exit path
 * runs) or the raw exit system call (nothing of the library runs: only the kernel knows). */
static void bind_then_exit(void *p)
{
	struct exiting *x = p;
	x->tid = t_tid();
	__atomic_store_n(&x->ep, OK(mnx_bind(T_VM, 5)), __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&x->go, __ATOMIC_SEQ_CST))
		usleep(1000);
	if (x->raw)
		syscall(SYS_exit, 0);
}

/* A peer process blocked receiving from the thread: it must be released when the thread ends. */
static void receive_from(void *ep)
{
	OK(mnx_bind(T_VM, 1));
	message m;
	CHECK_RC(mnx_receive(*(int *)ep, &m), EMOLSRCDIED);
}

static void bind_slot_5(void *rc) { *(int *)rc = mnx_bind(T_VM, 5); }

static void check_thread_exit_unbinds(bool raw)
{
	OK(mnx_bind(T_VM, 0));
	struct exiting *x = t_shared(sizeof *x);
	*x = (struct exiting){ .raw = raw, .ep = -1 };
	t_thread_t t = t_thread(bind_then_exit, x);
	while (__atomic_load_n(&x->ep, __ATOMIC_SEQ_CST) < 0)
		usleep(1000);
	int ep = x->ep;
	pid_t peer = t_spawn(receive_from, &ep);
	t_ep_of(peer);
	t_wait_blocked(peer);
	__atomic_store_n(&x->go, 1, __ATOMIC_SEQ_CST);
	t_thread_join(t);
	t_join(peer);                               /* released with EMOLSRCDIED */
	message m = { .m_type = 1 };
	CHECK_RC(mnx_send(ep, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_getep(x->tid), EMOLNOTBIND);
	int again = 0;                              /* the slot is free for a new thread */
	t_thread_join(t_thread(bind_slot_5, &again));
	CHECK(again >= 0 && again != ep && _ENDPOINT_P(again) == 5);
}

TEST(thread_exit_unbinds) { check_thread_exit_unbinds(false); }
TEST(thread_exit_unbinds_without_the_library) { check_thread_exit_unbinds(true); }

#define STORM_MS 2000   /* rounds for at least this long (and at least MIN_ROUNDS) */
#define MIN_ROUNDS 5

/* A handler that takes a while, so that blocked calls spend much of their time abandoned
 * (returned to user space, still published) when the VM ends. */
static void slow_handler(int sig)
{
	(void)sig;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 100000);
}

static void storm(void)
{
	struct sigaction sa = { .sa_handler = slow_handler };   /* no SA_RESTART */
	struct itimerval every = { { 0, 500 }, { 0, 500 } };
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
}

/* A call ends in one of these once the VM is ended under it (the code is shown if not). */
static void check_ended_by_vm_end(int rc)
{
	if (rc != EMOLINTR && rc != EMOLNOTBIND && rc != EMOLBADVMID && rc != EMOLDEADSRCDST &&
	    rc != EMOLSRCDIED && rc != EMOLDSTDIED)
		t_fail(__FILE__, __LINE__, "the call that the VM's end ended", rc, EMOLINTR);
}

/* Both helpers bind before the VM may end: a bind after the end could land in a VM that another
 * run has made with the same id since. */
struct race { int vmid; volatile int server, client; };

static void race_server(void *p)
{
	struct race *r = p;
	int rc = OK(mnx_bind(r->vmid, 1));
	__atomic_store_n(&r->server, rc, __ATOMIC_SEQ_CST);
	storm();
	for (message m; rc >= 0;) {
		if ((rc = mnx_receive(ANY, &m)) >= 0) {
			m.m1_i1++;
			rc = mnx_send(m.m_source, &m);
		}
	}
	check_ended_by_vm_end(rc);
}

static void race_client(void *p)
{
	struct race *r = p;
	int rc = OK(mnx_bind(r->vmid, 2));
	__atomic_store_n(&r->client, rc, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&r->server, __ATOMIC_SEQ_CST) < 0)
		usleep(100);
	storm();
	for (int i = 0; rc >= 0; i++) {
		message m = { .m_type = 1 };
		m.m1_i1 = i;
		if ((rc = mnx_sendrec(r->server, &m)) >= 0)
			CHECK_RC(m.m1_i1, i + 1);
	}
	check_ended_by_vm_end(rc);
}

TEST(signal_storm_with_a_concurrent_vm_end)
{
	struct race *r = t_shared(sizeof *r);
	long t0 = t_now_ms();
	for (int round = 0; round < MIN_ROUNDS || t_now_ms() - t0 < STORM_MS; round++) {
		*r = (struct race){ .vmid = t_new_vm(), .server = -1, .client = -1 };
		pid_t s = t_spawn(race_server, r), c = t_spawn(race_client, r);
		while (__atomic_load_n(&r->server, __ATOMIC_SEQ_CST) < 0 ||
		       __atomic_load_n(&r->client, __ATOMIC_SEQ_CST) < 0)
			usleep(100);
		usleep(1000 + (round * 7919) % 20000);   /* the end lands in every phase of a call */
		CHECK_RC(t_vm_end(r->vmid), EMOLOK);
		t_join(s);
		t_join(c);
	}
}
