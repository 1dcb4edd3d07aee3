/* t_rendezvous.c — send blocks until taken, FIFO order, receive(src), ANY, sendrec. */
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct sender_arg {
	int dst;              /* endpoint to send to */
	int p_nr;             /* slot the helper binds */
	int tag;              /* carried in m1_i1 */
	volatile int *done;   /* set after its send returned (shared memory or same process) */
	bool stay;            /* stay bound after the send (until killed) */
};

/* Bind to a->p_nr, send one tagged message to a->dst. */
static void send_tagged(void *p)
{
	struct sender_arg *a = p;
	OK(mnx_bind(T_VM, a->p_nr));
	message m = { .m_type = 100 + a->tag };
	m.m1_i1 = a->tag;
	CHECK_RC(mnx_send(a->dst, &m), EMOLOK);
	if (a->done)
		__atomic_store_n(a->done, 1, __ATOMIC_SEQ_CST);
	while (a->stay)
		pause();
}

static void check_tagged(const message *m, int tag, int src)
{
	CHECK_RC(m->m1_i1, tag);
	CHECK_RC(m->m_type, 100 + tag);
	CHECK_RC(m->m_source, src);
}

TEST(send_blocks_until_received)
{
	int me = OK(mnx_bind(T_VM, 0));
	volatile int *done = t_shared(sizeof *done);
	struct sender_arg a = { .dst = me, .p_nr = 1, .tag = 7, .done = done };
	pid_t pid = t_spawn(send_tagged, &a);
	int src = t_ep_of(pid);
	t_wait_blocked(pid);
	CHECK(*done == 0);                  /* rendezvous: nothing returns before the receive */
	message m;
	OK(mnx_receive(ANY, &m));
	check_tagged(&m, 7, src);
	t_join(pid);
	CHECK(*done == 1);
}

TEST(receive_takes_senders_in_fifo_order)
{
	int me = OK(mnx_bind(T_VM, 0));
	enum { N = 4 };
	pid_t pid[N];
	int src[N];
	for (int i = 0; i < N; i++) {   /* each blocked before the next starts: a known order */
		struct sender_arg a = { .dst = me, .p_nr = 10 - i, .tag = i };
		pid[i] = t_spawn(send_tagged, &a);
		src[i] = t_ep_of(pid[i]);
		t_wait_blocked(pid[i]);
	}
	for (int i = 0; i < N; i++) {
		message m;
		OK(mnx_receive(ANY, &m));
		check_tagged(&m, i, src[i]);
	}
	for (int i = 0; i < N; i++)
		t_join(pid[i]);
}

TEST(receive_from_one_source_skips_others)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct sender_arg a = { .dst = me, .p_nr = 1, .tag = 1 };
	struct sender_arg b = { .dst = me, .p_nr = 2, .tag = 2, .stay = true };
	pid_t pa = t_spawn(send_tagged, &a);
	int ea = t_ep_of(pa);
	t_wait_blocked(pa);
	pid_t pb = t_spawn(send_tagged, &b);
	int eb = t_ep_of(pb);
	t_wait_blocked(pb);
	message m;
	OK(mnx_receive(eb, &m));            /* b although a queued first */
	check_tagged(&m, 2, eb);
	CHECK_RC(mnx_receive_T(eb, &m, 0), EMOLAGAIN);   /* b is still bound: nothing more from it */
	OK(mnx_receive(ANY, &m));
	check_tagged(&m, 1, ea);
	t_join(pa);
	t_kill(pb);
}

static void receive_then_report(void *p)
{
	int *got = p;
	OK(mnx_bind(T_VM, 3));
	message m;
	OK(mnx_receive(ANY, &m));
	*got = m.m1_i1;
}

TEST(send_to_a_waiting_receiver)
{
	OK(mnx_bind(T_VM, 0));
	int *got = t_shared(sizeof *got);
	pid_t pid = t_spawn(receive_then_report, got);
	int rcv = t_ep_of(pid);
	t_wait_blocked(pid);                /* the receiver is there first this time */
	message m = { .m_type = 1 };
	m.m1_i1 = 42;
	OK(mnx_send(rcv, &m));
	t_join(pid);
	CHECK_RC(*got, 42);
}

/* Server: answer `n` requests with m1_i1 * 2, from whoever asks. */
static void doubling_server(void *p)
{
	int n = *(int *)p;
	OK(mnx_bind(T_VM, 4));
	for (int i = 0; i < n; i++) {
		message m;
		OK(mnx_receive(ANY, &m));
		int client = m.m_source;
		m.m1_i1 *= 2;
		m.m_type = 200;
		OK(mnx_send(client, &m));
	}
}

TEST(sendrec_gets_the_reply_in_the_same_buffer)
{
	int me = OK(mnx_bind(T_VM, 0));
	int n = 50;
	pid_t pid = t_spawn(doubling_server, &n);
	int srv = t_ep_of(pid);
	for (int i = 0; i < n; i++) {
		message m = { .m_type = 1 };
		m.m1_i1 = i;
		OK(mnx_sendrec(srv, &m));
		CHECK_RC(m.m1_i1, 2 * i);
		CHECK_RC(m.m_type, 200);
		CHECK_RC(m.m_source, srv);
	}
	t_join(pid);
	(void)me;
}

TEST(sendrec_to_a_server_that_is_not_receiving_yet)
{
	OK(mnx_bind(T_VM, 0));
	int n = 1;
	/* The server is started after the request is queued: the sendrec blocks in its send. */
	volatile int *srv_ep = t_shared(sizeof *srv_ep);
	pid_t pid = t_spawn(doubling_server, &n);
	*srv_ep = t_ep_of(pid);
	message m = { .m_type = 1 };
	m.m1_i1 = 21;
	OK(mnx_sendrec(*srv_ep, &m));
	CHECK_RC(m.m1_i1, 42);
	t_join(pid);
}

struct pinned_receiver {
	volatile long returned_ms; /* when its receive returned (0: not yet) */
	volatile int m_type;
};

static void pin_to_cpu0(void)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
}

static void receive_pinned(void *p)
{
	struct pinned_receiver *r = p;
	message m;

	pin_to_cpu0();
	OK(mnx_bind(T_VM, 1));
	OK(mnx_receive(ANY, &m));
	r->m_type = m.m_type;
	__atomic_store_n(&r->returned_ms, t_now_ms(), __ATOMIC_SEQ_CST);
}

/* A receiver that can run only on its sender's CPU may be woken when the sender next blocks
 * (the module does so, m3ipc.h): a sender that then sleeps outside M3-IPC, making no call, must
 * not keep it asleep. Its receive returns within a tick or two, not when the sender wakes. */
TEST(a_receiver_pinned_beside_its_sender_runs_while_the_sender_sleeps_outside_ipc)
{
	struct pinned_receiver *r = t_shared(sizeof *r);
	struct timespec pause_ms = { .tv_sec = 0, .tv_nsec = 400 * 1000000L };

	pin_to_cpu0();
	OK(mnx_bind(T_VM, 0));
	pid_t pid = t_spawn(receive_pinned, r);
	int dst = t_ep_of(pid);
	t_wait_blocked(pid);
	message m = { .m_type = 77 };
	long sent_ms = t_now_ms();
	CHECK_RC(mnx_send(dst, &m), EMOLOK);
	CHECK(nanosleep(&pause_ms, NULL) == 0);
	long returned_ms = __atomic_load_n(&r->returned_ms, __ATOMIC_SEQ_CST);
	CHECK(returned_ms != 0);
	CHECK(returned_ms - sent_ms < 200); /* a tick is 1 to 10 ms; emulated guests are slow */
	CHECK_RC(r->m_type, 77);
	t_join(pid);
}
