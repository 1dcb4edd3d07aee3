/* t_notify.c — notify: non-blocking, pending bits coalesce, delivered before messages; never the
 * reply of a sendrec; timestamped at delivery; a dead notifier's notifications vanish. */
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct notifier_arg { int dst; int p_nr; int count; bool then_send; };

static void notify_n(void *p)
{
	struct notifier_arg *a = p;
	OK(mnx_bind(T_VM, a->p_nr));
	for (int i = 0; i < a->count; i++)
		CHECK_RC(mnx_notify(a->dst), EMOLOK);   /* never blocks: no one is receiving */
	if (a->then_send) {
		message m = { .m_type = 5 };
		OK(mnx_send(a->dst, &m));
	}
}

static void check_notify(const message *m, int src, long before_ns)
{
	CHECK(IS_NOTIFY(m->m_type));
	CHECK_RC(m->m_type, NOTIFY_FROM(_ENDPOINT_P(src)));
	CHECK_RC(m->m_source, src);
	CHECK(m->NOTIFY_TIMESTAMP >= before_ns);
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

TEST(notify_coalesces_and_comes_before_messages)
{
	int me = OK(mnx_bind(T_VM, 0));
	long before = t_now_ms() * 1000000L;
	struct notifier_arg a = { .dst = me, .p_nr = 6, .count = 3, .then_send = true };
	pid_t pid = t_spawn(notify_n, &a);
	int src = t_ep_of(pid);
	t_wait_blocked(pid);                /* 3 notifies posted, now blocked in the send */
	message m;
	OK(mnx_receive(ANY, &m));
	check_notify(&m, src, before);
	OK(mnx_receive(ANY, &m));           /* the duplicates coalesced: the message is next */
	CHECK_RC(m.m_type, 5);
	CHECK_RC(m.m_source, src);
	CHECK_RC(mnx_receive_T(ANY, &m, 0), EMOLAGAIN);
	t_join(pid);
}

struct picky_arg { int from; message got[2]; int rc2; };

/* Receive from one source only, then whatever else is pending. */
static void picky_receiver(void *p)
{
	struct picky_arg *a = p;
	OK(mnx_bind(T_VM, 7));
	OK(mnx_receive(a->from, &a->got[0]));
	a->rc2 = mnx_receive_T(ANY, &a->got[1], 0);
}

static void notify_and_stay(void *p)
{
	struct notifier_arg *a = p;
	OK(mnx_bind(T_VM, a->p_nr));
	OK(mnx_notify(a->dst));
	message m;
	mnx_receive(ANY, &m);   /* stay bound until the test ends */
}

TEST(notify_stays_pending_while_receiving_from_another_source)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct picky_arg *r = t_shared(sizeof *r);
	r->from = me;
	pid_t pr = t_spawn(picky_receiver, r);
	int rcv = t_ep_of(pr);
	t_wait_blocked(pr);
	struct notifier_arg n = { .dst = rcv, .p_nr = 2 };
	pid_t pn = t_spawn(notify_and_stay, &n);
	int en = t_ep_of(pn);
	t_wait_blocked(pn);                 /* notified, now parked in its receive */
	t_wait_blocked(pr);                 /* the receiver did not take the notification */
	message m = { .m_type = 9 };
	OK(mnx_send(rcv, &m));
	t_join(pr);
	CHECK_RC(r->got[0].m_type, 9);
	CHECK_RC(r->got[0].m_source, me);
	CHECK_RC(r->rc2, EMOLOK);
	CHECK_RC(r->got[1].m_source, en);
	CHECK_RC(r->got[1].m_type, NOTIFY_FROM(2));
	t_kill(pn);
}

static void receive_one(void *p)
{
	message *out = p;
	OK(mnx_bind(T_VM, 7));
	OK(mnx_receive(ANY, out));
}

TEST(notify_wakes_a_blocked_receiver)
{
	int me = OK(mnx_bind(T_VM, 0));
	message *got = t_shared(sizeof *got);
	pid_t pid = t_spawn(receive_one, got);
	int rcv = t_ep_of(pid);
	t_wait_blocked(pid);
	long before = now_ns();
	OK(mnx_notify(rcv));
	long after = now_ns();
	t_join(pid);
	check_notify(got, me, before);
	CHECK(got->NOTIFY_TIMESTAMP <= after);   /* the receiver waited: delivered by the notify */
}

TEST(receive_from_a_source_takes_only_its_notification)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct notifier_arg a = { .dst = me, .p_nr = 2, .count = 1, .then_send = true };
	struct notifier_arg b = { .dst = me, .p_nr = 3, .count = 1, .then_send = true };
	pid_t pa = t_spawn(notify_n, &a);
	int ea = t_ep_of(pa);
	t_wait_blocked(pa);
	pid_t pb = t_spawn(notify_n, &b);
	int eb = t_ep_of(pb);
	t_wait_blocked(pb);
	message m;
	OK(mnx_receive(eb, &m));
	check_notify(&m, eb, 0);
	OK(mnx_receive(eb, &m));
	CHECK_RC(m.m_type, 5);
	OK(mnx_receive(ANY, &m));
	check_notify(&m, ea, 0);
	OK(mnx_receive(ANY, &m));
	CHECK_RC(m.m_source, ea);
	t_join(pa);
	t_join(pb);
}

struct client_arg { int server; message reply, later; int rc_later; };

/* sendrec to the server, then take whatever is pending without waiting. */
static void sendrec_then_poll(void *p)
{
	struct client_arg *a = p;
	OK(mnx_bind(T_VM, 1));
	a->reply.m_type = 1;
	OK(mnx_sendrec(a->server, &a->reply));
	a->rc_later = mnx_receive_T(ANY, &a->later, 0);
}

/* As in Minix: a notification never completes the reply phase of a sendrec; it stays pending
 * and the client's next receive takes it. */
TEST(notify_to_a_sendrec_caller_waits_for_its_next_receive)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct client_arg *a = t_shared(sizeof *a);
	a->server = me;
	pid_t pid = t_spawn(sendrec_then_poll, a);
	int cli = t_ep_of(pid);
	message m;
	OK(mnx_receive(cli, &m));          /* the request: the client now waits for the reply */
	CHECK_RC(m.m_type, 1);
	CHECK_RC(mnx_notify(cli), EMOLOK);
	t_wait_blocked(pid);               /* still waiting: the notification was not the reply */
	message r = { .m_type = 2 };
	OK(mnx_send(cli, &r));
	t_join(pid);
	CHECK_RC(a->reply.m_type, 2);
	CHECK_RC(a->reply.m_source, me);
	CHECK_RC(a->rc_later, EMOLOK);
	check_notify(&a->later, me, 0);
}

struct late_receiver { volatile int go; long before_ns, after_ns; message got; };

static void receive_when_told(void *p)
{
	struct late_receiver *a = p;
	OK(mnx_bind(T_VM, 7));
	while (!__atomic_load_n(&a->go, __ATOMIC_SEQ_CST))
		usleep(1000);
	a->before_ns = now_ns();
	OK(mnx_receive(ANY, &a->got));
	a->after_ns = now_ns();
}

/* A pending notification is timestamped when a receive takes it, not when it was posted. */
TEST(notify_timestamp_is_taken_at_delivery)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct late_receiver *a = t_shared(sizeof *a);
	pid_t pid = t_spawn(receive_when_told, a);
	int rcv = t_ep_of(pid);
	OK(mnx_notify(rcv));               /* not receiving: a pending bit */
	long posted = now_ns();
	usleep(50 * 1000);
	__atomic_store_n(&a->go, 1, __ATOMIC_SEQ_CST);
	t_join(pid);
	check_notify(&a->got, me, 0);
	CHECK(a->got.NOTIFY_TIMESTAMP > posted + 40 * 1000000L);
	CHECK(a->got.NOTIFY_TIMESTAMP >= a->before_ns && a->got.NOTIFY_TIMESTAMP <= a->after_ns);
}

/* A notifier that exits or is killed takes its undelivered notifications with it, also when a
 * new owner has taken its slot since: a receiver never hears from a dead endpoint. */
TEST(dead_notifier_pending_notifications_vanish)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct notifier_arg exits = { .dst = me, .p_nr = 2, .count = 1 };
	struct notifier_arg killed = { .dst = me, .p_nr = 3 }, alive = { .dst = me, .p_nr = 4 };
	t_join(t_spawn(notify_n, &exits));
	pid_t pk = t_spawn(notify_and_stay, &killed);
	t_ep_of(pk);
	t_wait_blocked(pk);                /* notified, now parked in its receive */
	t_kill(pk);
	pid_t pa = t_spawn(notify_and_stay, &alive);
	int ea = t_ep_of(pa);
	t_wait_blocked(pa);
	int p_nr = 2;                      /* a new owner of the exited notifier's slot */
	pid_t pn = t_spawn(t_bind_and_pause, &p_nr);
	t_ep_of(pn);
	message m;
	OK(mnx_receive_T(ANY, &m, 0));
	check_notify(&m, ea, 0);           /* only the live notifier's */
	CHECK_RC(mnx_receive_T(ANY, &m, 0), EMOLAGAIN);
	t_kill(pa);
	t_kill(pn);
}
