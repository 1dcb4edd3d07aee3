/* t_death.c — a peer that dies (killed, or exits bound) releases everyone blocked on it with
 * an error, never a hang; its endpoint is dead afterwards. Also mnx_unbind and mnx_vm_end
 * under a blocked caller. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Kill pid after a moment, from a helper process, while the caller is blocked. */
static pid_t kill_soon(pid_t pid)
{
	pid_t killer = fork();
	if (killer == 0) {
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		_exit(0);
	}
	return killer;
}

/* Bind, take one request, then die the way `how` says without answering. */
struct dier { int how; };   /* 0: SIGKILL itself, 1: exit() bound, 2: _exit() bound */
static void take_then_die(void *p)
{
	struct dier *d = p;
	OK(mnx_bind(T_VM, 8));
	message m;
	OK(mnx_receive(ANY, &m));
	if (d->how == 0)
		kill(getpid(), SIGKILL);
	if (d->how == 1)
		exit(0);
	_exit(0);
}

TEST(dead_destination_while_blocked_in_send)
{
	OK(mnx_bind(T_VM, 0));
	int p_nr = 8;
	pid_t pid = t_spawn(t_bind_and_pause, &p_nr);
	int peer = t_ep_of(pid);
	pid_t killer = kill_soon(pid);
	message m = { .m_type = 1 };
	CHECK_RC2(mnx_send(peer, &m), EMOLDSTDIED, EMOLDEADSRCDST);
	t_join(killer);
	waitpid(pid, NULL, 0);
	CHECK_RC(mnx_send(peer, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_notify(peer), EMOLDEADSRCDST);
}

TEST(dead_source_while_blocked_in_receive)
{
	OK(mnx_bind(T_VM, 0));
	int p_nr = 8;
	pid_t pid = t_spawn(t_bind_and_pause, &p_nr);
	int peer = t_ep_of(pid);
	pid_t killer = kill_soon(pid);
	message m;
	CHECK_RC2(mnx_receive(peer, &m), EMOLSRCDIED, EMOLDEADSRCDST);
	t_join(killer);
	waitpid(pid, NULL, 0);
	CHECK_RC(mnx_receive(peer, &m), EMOLDEADSRCDST);
}

static void sendrec_to_dier(int how)
{
	OK(mnx_bind(T_VM, 0));
	struct dier d = { how };
	pid_t pid = t_spawn(take_then_die, &d);
	int srv = t_ep_of(pid);
	message m = { .m_type = 1 };
	/* The server took the request before dying: we were waiting for its reply. */
	CHECK_RC(mnx_sendrec(srv, &m), EMOLSRCDIED);
	waitpid(pid, NULL, 0);
	CHECK_RC(mnx_sendrec(srv, &m), EMOLDEADSRCDST);
}

TEST(dead_server_while_blocked_in_sendrec_killed) { sendrec_to_dier(0); }
TEST(dead_server_while_blocked_in_sendrec_exit) { sendrec_to_dier(1); }
TEST(dead_server_while_blocked_in_sendrec_exit_without_atexit) { sendrec_to_dier(2); }

TEST(dead_sender_is_not_received)
{
	int me = OK(mnx_bind(T_VM, 0));
	pid_t pid = fork();
	if (pid == 0) {
		OK(mnx_bind(T_VM, 8));
		message m = { .m_type = 1 };
		mnx_send(me, &m);                /* blocks: we are not receiving */
		_exit(0);
	}
	t_ep_of(pid);
	t_wait_blocked(pid);
	t_kill(pid);
	message m;
	/* Its queued send dies with it (noticed within the backend's death-check period). */
	CHECK_RC(mnx_receive_T(ANY, &m, 2000), EMOLTIMEDOUT);
}

struct unbinder { volatile int ep; pid_t sender; };

/* Bind, and unbind once the sender is blocked sending to us. */
static void unbind_when_blocked(void *p)
{
	struct unbinder *u = p;
	__atomic_store_n(&u->ep, OK(mnx_bind(T_VM, 9)), __ATOMIC_SEQ_CST);
	t_wait_blocked(u->sender);
	OK(mnx_unbind(T_VM, SELF));
	pause();
}

TEST(unbind_releases_a_blocked_sender)
{
	OK(mnx_bind(T_VM, 0));
	struct unbinder *u = t_shared(sizeof *u);
	*u = (struct unbinder){ .ep = -1, .sender = t_tid() };
	pid_t pid = t_spawn(unbind_when_blocked, u);
	while (__atomic_load_n(&u->ep, __ATOMIC_SEQ_CST) < 0)
		usleep(1000);
	message m = { .m_type = 1 };
	CHECK_RC(mnx_send(u->ep, &m), EMOLDSTDIED);
	t_kill(pid);
}

struct blocked_thread { int vmid; volatile pid_t tid; int rc; };

static void receive_in_thread(void *p)
{
	struct blocked_thread *b = p;
	OK(mnx_bind(b->vmid, 3));
	__atomic_store_n(&b->tid, t_tid(), __ATOMIC_SEQ_CST);
	message m;
	b->rc = mnx_receive(ANY, &m);
}

/* On an id no concurrent run takes once it is ended (t_unused_vmid): the bind after the end must
 * find no VM, never another run's. */
TEST(vm_end_releases_a_blocked_receiver)
{
	struct blocked_thread b = { .vmid = t_unused_vmid(), .rc = 1 };
	CHECK_RC(t_vm_init(b.vmid), b.vmid);
	t_thread_t t = t_thread(receive_in_thread, &b);
	while (__atomic_load_n(&b.tid, __ATOMIC_SEQ_CST) == 0)
		;
	t_wait_blocked(b.tid);
	CHECK_RC(t_vm_end(b.vmid), EMOLOK);
	t_thread_join(t);
	CHECK_RC(b.rc, EMOLINTR);
	CHECK_RC(mnx_bind(b.vmid, 4), EMOLBADVMID);
}
