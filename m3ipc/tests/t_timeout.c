/* t_timeout.c — the _T variants: 0 = do not wait (EMOLAGAIN), > 0 = bounded wait
 * (EMOLTIMEDOUT), and a call that timed out leaves no trace behind. */
#include <time.h>

#include "harness.h"

#define SHORT_MS 60

struct idle_arg { volatile int go; int rc; };

/* Bind, stay away from IPC until told, then look for anything queued. */
static void idle_then_poll(void *p)
{
	struct idle_arg *a = p;
	OK(mnx_bind(T_VM, 3));
	while (!__atomic_load_n(&a->go, __ATOMIC_SEQ_CST)) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	message m;
	a->rc = mnx_receive_T(ANY, &m, 0);
}

static void check_waited(long t0)
{
	CHECK(t_now_ms() - t0 >= SHORT_MS - 1);   /* the wait is not cut short */
}

TEST(timeouts_zero_and_bounded)
{
	OK(mnx_bind(T_VM, 0));
	struct idle_arg *a = t_shared(sizeof *a);
	pid_t pid = t_spawn(idle_then_poll, a);
	int peer = t_ep_of(pid);
	message m = { .m_type = 1 };
	CHECK_RC(mnx_receive_T(ANY, &m, M3IPC_TIMEOUT_NOWAIT), EMOLAGAIN);
	CHECK_RC(mnx_receive_T(peer, &m, M3IPC_TIMEOUT_NOWAIT), EMOLAGAIN);
	CHECK_RC(mnx_send_T(peer, &m, M3IPC_TIMEOUT_NOWAIT), EMOLAGAIN);
	CHECK_RC(mnx_sendrec_T(peer, &m, M3IPC_TIMEOUT_NOWAIT), EMOLAGAIN);
	long t0 = t_now_ms();
	CHECK_RC(mnx_receive_T(ANY, &m, SHORT_MS), EMOLTIMEDOUT);
	check_waited(t0);
	t0 = t_now_ms();
	CHECK_RC(mnx_receive_T(peer, &m, SHORT_MS), EMOLTIMEDOUT);
	check_waited(t0);
	t0 = t_now_ms();
	CHECK_RC(mnx_send_T(peer, &m, SHORT_MS), EMOLTIMEDOUT);
	check_waited(t0);
	t0 = t_now_ms();
	CHECK_RC(mnx_sendrec_T(peer, &m, SHORT_MS), EMOLTIMEDOUT);
	check_waited(t0);
	/* None of the timed-out sends may be found by the peer afterwards. */
	__atomic_store_n(&a->go, 1, __ATOMIC_SEQ_CST);
	t_join(pid);
	CHECK_RC(a->rc, EMOLAGAIN);
}

struct sitter { volatile int client_returned; int late_reply; };

/* Take one request and answer it only after the client gave up, without waiting. */
static void take_and_sit(void *p)
{
	struct sitter *st = p;
	OK(mnx_bind(T_VM, 4));
	message m;
	OK(mnx_receive(ANY, &m));
	while (!__atomic_load_n(&st->client_returned, __ATOMIC_SEQ_CST)) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	st->late_reply = mnx_send_T(m.m_source, &m, M3IPC_TIMEOUT_NOWAIT);
}

TEST(sendrec_timeout_while_waiting_for_the_reply)
{
	OK(mnx_bind(T_VM, 0));
	struct sitter *st = t_shared(sizeof *st);
	pid_t pid = t_spawn(take_and_sit, st);
	int srv = t_ep_of(pid);
	message m = { .m_type = 1 };
	long t0 = t_now_ms();
	CHECK_RC(mnx_sendrec_T(srv, &m, SHORT_MS), EMOLTIMEDOUT);
	check_waited(t0);
	__atomic_store_n(&st->client_returned, 1, __ATOMIC_SEQ_CST);
	t_join(pid);
	CHECK_RC(st->late_reply, EMOLAGAIN);    /* we are not receiving any more */
	CHECK_RC(mnx_receive_T(ANY, &m, 0), EMOLAGAIN);
}

static void late_receiver(void *p)
{
	message *got = p;
	OK(mnx_bind(T_VM, 5));
	struct timespec ts = { 0, 20 * 1000000L };
	nanosleep(&ts, NULL);
	OK(mnx_receive(ANY, got));
}

TEST(bounded_send_succeeds_when_taken_in_time)
{
	int me = OK(mnx_bind(T_VM, 0));
	message *got = t_shared(sizeof *got);
	pid_t pid = t_spawn(late_receiver, got);
	int rcv = t_ep_of(pid);
	message m = { .m_type = 77 };
	CHECK_RC(mnx_send_T(rcv, &m, 20000), EMOLOK);
	t_join(pid);
	CHECK_RC(got->m_type, 77);
	CHECK_RC(got->m_source, me);
}
