// SPDX-License-Identifier: GPL-2.0
/*
 * Rendezvous message passing: send, receive, sendrec, notify. A message is never queued on its
 * own: it is held by the kernel only while one of its two parties waits for the other, in the
 * waiting party's message slot (m3k_proc.msg). So it is copied twice, user -> slot -> user, as
 * through a pipe, and each copy touches only the user memory of the thread that runs it: a
 * sender copies its message in (into its own slot, or straight into a waiting receiver's), a
 * receiver copies it out (from a queued sender's slot, or from its own once woken). Nothing is
 * pinned: for a message of a few dozen bytes pinning its page cost more than the copy saves.
 * vcopy (m3k_vcopy.c) still copies once.
 */
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/timekeeping.h>
#include "m3k.h"

/* Completes p's blocked call with result; caller holds p->lock. First completion wins: true
 * if this one did, and p is to be woken (now, or by m3k_end_call). */
static bool complete_call(struct m3k_proc *p, int result)
{
	if (p->done)
		return false;
	p->result = result;
	WRITE_ONCE(p->done, true);
	return true;
}

/*
 * Completes p's blocked call and wakes it; caller holds p->lock. Every wait on p->wq is
 * interruptible. The wake carries the sync hint (WF_SYNC, as a pipe write does): the waker is
 * about to block or return, so the scheduler may keep p on the waker's CPU instead of moving
 * it to another one.
 */
void m3k_wake(struct m3k_proc *p, int result)
{
	if (complete_call(p, result))
		wake_up_interruptible_sync(&p->wq);
}

/*
 * Delivers to p, waiting: wakes it now, or hands it to *later (referenced) when it can run only
 * on our CPU (m3k_wake_later.c); p->lock held. The reply of a sendrec wakes at once: should its
 * caller preempt us, its next sendrec queues on us and our receive takes it without blocking,
 * the same two switches per round trip.
 */
static void complete_delivery(struct m3k_proc *p, struct m3k_proc **later)
{
	if (!m3k_may_wake_later(p) || m3k_awaits_reply(p)) {
		m3k_wake(p, 0);
		return;
	}
	complete_call(p, 0);
	kref_get(&p->ref);
	*later = p;
}

/* Is r blocked receiving and willing to take a message (or notification) from src_ep? */
static bool accepts(const struct m3k_proc *r, int src_ep, bool notification)
{
	if (r->state != M3K_RECEIVING || r->done)
		return false;
	/* As in Minix, a notification is never taken as the reply of a sendrec. */
	if (notification && m3k_awaits_reply(r))
		return false;
	return r->peer_ep == ANY || r->peer_ep == src_ep;
}

/*
 * Ends the published call of me: leaves the queue it sits in and returns the call's result
 * (why, if it did not complete). *delivered: the call got its message, which waits in me->msg
 * (a receive, or a sendrec's reply; deliveries complete with result 0, failures never do).
 * Called by the thread that owns the call (in_call), no lock held.
 */
static int end_call(struct m3k_proc *me, int why, bool *delivered)
{
	struct m3k_proc *q = me->send_to; /* only the owner of the call sets or clears it */
	bool paired = false;
	int err;

	mutex_lock(&me->lock);
	/* Still in q's queue (the wait failed, timed out or was ended): leaving it needs q's lock
	 * too. send_link changes only with both locks held, so ours tells whether it is; a call
	 * that completed was taken off the queue already, and ours alone ends it. */
	if (q && !list_empty(&me->send_link)) {
		mutex_unlock(&me->lock);
		m3k_lock_pair(me, q);
		paired = true;
	}
	err = me->done ? me->result : why;
	*delivered = me->done && !me->result && me->state == M3K_RECEIVING;
	if (!list_empty(&me->send_link))
		list_del_init(&me->send_link);
	me->done = false;
	me->in_call = false;
	me->send_to = NULL;
	/* Last: resume_pending reads it without the lock, and must see the rest cleared. */
	smp_store_release(&me->state, M3K_IDLE);
	if (paired)
		m3k_unlock_pair(me, q);
	else
		mutex_unlock(&me->lock);
	if (q)
		m3k_proc_put(q);
	return err;
}

/* An unbinder ends a call that a signal left abandoned: a message delivered to it is dropped,
 * since it may only be copied out by its own thread, and that thread gets EMOLINTR anyway
 * (resume_pending finds its proc dead). */
int m3k_finish_call(struct m3k_proc *me, int why)
{
	bool delivered;

	return end_call(me, why, &delivered);
}

/*
 * The owner's thread ends its call and, if the call got its message, copies it from the slot
 * into the call's buffer, now, in the owner's own context. Nobody writes the slot of an idle
 * proc, so no lock is needed for it. The sender was already told the message was delivered:
 * a buffer that faults now loses it, and the call returns EMOLFAULT (m3ipc.h).
 */
static int finish_own_call(struct m3k_proc *me, int why)
{
	bool delivered;
	int err = end_call(me, why, &delivered);

	if (delivered && copy_to_user(me->call_msg, &me->msg, sizeof(message)))
		err = EMOLFAULT;
	return err;
}

/*
 * Puts me in `state` waiting on ep (the peer of a send, the source of a receive) and publishes
 * the identity and deadline of the call; me->lock held.
 */
static void publish_call(struct m3k_proc *me, enum m3k_state state, unsigned int cmd, int ep,
			 void __user *msg, long timeout_ms)
{
	me->state = state;
	me->peer_ep = ep;
	me->in_call = true;
	me->call_cmd = cmd;
	me->call_ep = ep;
	me->call_msg = msg;
	m3k_note_waiter(me);
	/* Beyond ~146 years the nanosecond deadline would overflow: that is forever too. */
	me->forever = timeout_ms < 0 || timeout_ms > KTIME_MAX / NSEC_PER_MSEC / 2;
	if (!me->forever)
		me->deadline = ktime_add_ms(ktime_get(), timeout_ms);
}

/*
 * The forever wait of a caller already on me->wq (prepared, TASK_INTERRUPTIBLE; a sendrec
 * before it woke its peer): schedule until done or a signal, without passing through the
 * scheduler between the wake and the sleep. 0 or -ERESTARTSYS, as wait_event_interruptible.
 * A wake that completed the call is seen right after schedule() (a wake that wakes orders the
 * waker's stores before the wakee's loads), so the common case takes the queue's lock once,
 * not again to re-queue: a wake removed the entry already (autoremove), and finish_wait then
 * takes no lock either. Any other wake (a signal, the tick's bound of a deferred wake) queues
 * again and looks before it sleeps.
 */
static int wait_prepared(struct m3k_proc *me, struct wait_queue_entry *wait)
{
	int ret = 0;

	for (;;) {
		if (READ_ONCE(me->done))
			break;
		if (signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		schedule();
		if (READ_ONCE(me->done))
			break;
		prepare_to_wait(&me->wq, wait, TASK_INTERRUPTIBLE);
	}
	finish_wait(&me->wq, wait);
	return ret;
}

/*
 * Sleeps until the published call completes, times out or a signal arrives. A fatal signal
 * ends the call; any other leaves it published and returns -ERESTARTSYS so that its handler
 * runs and the call is issued again (see m3k_proc.in_call). Entered with no lock held;
 * `wait`: non-NULL when the caller is already on me->wq (a forever call, see send()).
 */
static int wait_done(struct m3k_proc *me, struct wait_queue_entry *wait)
{
	DEFINE_WAIT(queued);
	int ret;

	/* An earlier call's delivery wakes its receiver now, as we give up the CPU (a prepared
	 * caller, already asleep-to-be, flushed it before preparing: see send()). */
	if (!wait) {
		m3k_wake_deferred(me);
		if (me->forever) {
			prepare_to_wait(&me->wq, &queued, TASK_INTERRUPTIBLE);
			wait = &queued;
		}
	}
	/* A high-resolution deadline: a tick-based one may end a few ms early, which a caller
	 * timing its own _T call would see. */
	if (wait)
		ret = wait_prepared(me, wait);
	else if (ktime_compare(ktime_get(), me->deadline) >= 0)
		/* Checked first: a steady stream of signals must not keep an expired call alive. */
		ret = READ_ONCE(me->done) ? 0 : -ETIME;
	else
		ret = wait_event_interruptible_hrtimeout(me->wq, READ_ONCE(me->done),
							 ktime_sub(me->deadline, ktime_get()));
	if (ret == -ERESTARTSYS && !fatal_signal_pending(current)) {
		mutex_lock(&me->lock);
		if (!me->done) {
			me->in_call = false;
			mutex_unlock(&me->lock);
			return -ERESTARTSYS;
		}
		mutex_unlock(&me->lock);
	}
	return finish_own_call(me, ret == -ETIME ? EMOLTIMEDOUT : EMOLINTR);
}

/*
 * A call left published by a signal: the same call again resumes its wait (returns 1 and the
 * result in *ret); any other call first ends it. Returns 0 when the new call should proceed.
 * A proc unbound meanwhile (dead) ends the call with EMOLINTR and touches nothing: its unbinder
 * owns, or has finished, what was published (in_call with state != IDLE is that unbinder).
 */
static int resume_pending(struct m3k_proc *me, unsigned int cmd, int ep, void __user *msg, int *ret)
{
	bool same;

	/* Only our own thread makes a call non-idle, so an idle one stays idle until we publish
	 * again: the common case needs no lock (a proc unbound meanwhile is caught under the lock
	 * by send or receive). */
	if (smp_load_acquire(&me->state) == M3K_IDLE && !READ_ONCE(me->dead))
		return 0;
	mutex_lock(&me->lock);
	if (me->dead) {
		mutex_unlock(&me->lock);
		*ret = EMOLINTR;
		return 1;
	}
	if (me->state == M3K_IDLE) {
		mutex_unlock(&me->lock);
		return 0;
	}
	me->in_call = true; /* ours again */
	same = me->call_cmd == cmd && me->call_ep == ep && me->call_msg == msg;
	mutex_unlock(&me->lock);
	if (same) {
		*ret = wait_done(me, NULL);
		return 1;
	}
	finish_own_call(me, EMOLINTR);
	return 0;
}

/* The proc bound to dst_ep, referenced, as the destination of a send or notify from me:
 * 0, or why not (bad endpoint, me itself, stale or unbound). */
static int lookup_destination(struct m3k_proc *me, int dst_ep, struct m3k_proc **dst)
{
	int err = m3k_check_ep(dst_ep);

	if (err)
		return err;
	if (dst_ep == me->ep)
		return EMOLDEADLOCK;
	*dst = m3k_lookup(me->vm, dst_ep);
	return *dst ? 0 : EMOLDEADSRCDST;
}

static int send(struct m3k_proc *me, int dst_ep, void __user *umsg, long timeout_ms, bool reply,
		struct m3k_proc **later)
{
	struct m3k_proc *dst;
	DEFINE_WAIT(wait);
	bool prepared = false;
	int err = lookup_destination(me, dst_ep, &dst);

	if (err)
		return err;
	/*
	 * Into our slot first, before any lock (a fault may sleep): from there it goes on into a
	 * waiting receiver's slot, or waits there for a receiver. Our call is idle (resume_pending),
	 * so nobody else reads or writes the slot now.
	 */
	if (copy_from_user(&me->msg, umsg, sizeof(message))) {
		err = EMOLFAULT;
		goto out;
	}
	me->msg.m_source = me->ep;
	m3k_lock_pair(me, dst);
	if (me->dead) {
		err = EMOLINTR; /* unbound (VM ended) since the call began */
	} else if (dst->dead) {
		err = EMOLDEADSRCDST;
	} else if (accepts(dst, me->ep, false)) {
		/* The receiver waits: into its slot; it copies the message out when it wakes. */
		dst->msg = me->msg;
		if (reply) {
			/* The reply comes into our slot, and out into umsg when we wake. */
			me->send_to = dst; /* our reference moves there */
			publish_call(me, M3K_RECEIVING, M3K_IOC_SENDREC, dst_ep, umsg, timeout_ms);
			/* Without a deadline: on our wait queue before the peer can run, so that on
			 * one CPU the rendezvous is one switch each way (not before the locks: taking
			 * a mutex may sleep). Nothing below sleeps before the schedule() in
			 * wait_prepared(). */
			if (me->forever) {
				m3k_wake_deferred(me);
				prepare_to_wait(&me->wq, &wait, TASK_INTERRUPTIBLE);
				prepared = true;
			}
			m3k_wake(dst, 0); /* we sleep at once: no reason to wait */
		} else {
			complete_delivery(dst, later);
		}
		M3K_COUNT(me, sent, 1);
		M3K_COUNT(dst, received, 1);
	} else if (timeout_ms == 0) {
		err = EMOLAGAIN;
	} else {
		me->send_to = dst;
		list_add_tail(&me->send_link, &dst->senders);
		publish_call(me, M3K_SENDING, reply ? M3K_IOC_SENDREC : M3K_IOC_SEND, dst_ep, umsg,
			     timeout_ms);
	}
	m3k_unlock_pair(me, dst);
	/* (prepared implies this: it is set only with send_to, and nothing fails after it) */
	if (!err && me->send_to)
		return wait_done(me, prepared ? &wait : NULL);
out:
	m3k_proc_put(dst);
	return err;
}

/* The first pending notification receivable from src (ANY: lowest slot), or -1. */
static int pending_notify(const struct m3k_proc *me, int src)
{
	int bit;

	if (src == ANY) {
		bit = find_first_bit(me->notify_pending, M3IPC_MAX_EPS);
		return bit < M3IPC_MAX_EPS ? bit : -1;
	}
	bit = _ENDPOINT_P(src);
	return test_bit(bit, me->notify_pending) && me->notify_ep[bit] == src ? bit : -1;
}

/* The notification message, built at delivery (its timestamp is the delivery's, m3ipc.h). */
static void make_notify(message *m, int src_ep, int src_p_nr)
{
	memset(m, 0, sizeof(*m)); /* nothing stale (stack, an earlier message) reaches user space */
	m->m_source = src_ep;
	m->m_type = NOTIFY_FROM(src_p_nr);
	m->NOTIFY_TIMESTAMP = ktime_get_ns(); /* CLOCK_MONOTONIC, as the header promises */
}

/* Takes the message of sender s, queued on me, into umsg. Both locked; returns 0 or error
 * (a fault leaves s queued, its message not taken). */
static int take_from(struct m3k_proc *me, struct m3k_proc *s, void __user *umsg)
{
	/* Out of the sender's slot (its m_source filled in) into our own buffer. */
	if (copy_to_user(umsg, &s->msg, sizeof(message)))
		return EMOLFAULT;
	list_del_init(&s->send_link);
	if (m3k_awaits_reply(s))
		s->state = M3K_RECEIVING; /* now waits for our reply, peer_ep is us */
	else
		m3k_wake(s, 0);
	M3K_COUNT(s, sent, 1);
	M3K_COUNT(me, received, 1);
	return 0;
}

static struct m3k_proc *first_sender(struct m3k_proc *me, int src)
{
	struct m3k_proc *s;

	list_for_each_entry(s, &me->senders, send_link)
		if ((src == ANY || s->ep == src) && s->state == M3K_SENDING && !s->done)
			return s;
	return NULL;
}

static int receive(struct m3k_proc *me, int src, void __user *umsg, long timeout_ms)
{
	struct m3k_proc *s;
	message m;
	int bit, err;

	if (src != ANY) {
		err = m3k_check_ep(src);
		if (err)
			return err;
		if (src == me->ep)
			return EMOLDEADLOCK;
	}
	/* umsg is written only once a message is there, perhaps after a wait: a pointer that
	 * cannot be user memory at all is refused before any message is taken for it. */
	if (!access_ok(umsg, sizeof(message)))
		return EMOLFAULT;
	for (;;) {
		mutex_lock(&me->lock);
		bit = pending_notify(me, src);
		if (bit >= 0) {
			make_notify(&m, me->notify_ep[bit], bit);
			err = copy_to_user(umsg, &m, sizeof(m)) ? EMOLFAULT : 0;
			if (!err) {
				clear_bit(bit, me->notify_pending);
				M3K_COUNT(me, received, 1);
			}
			break;
		}
		s = first_sender(me, src);
		if (s) {
			kref_get(&s->ref);
			mutex_unlock(&me->lock);
			m3k_lock_pair(me, s);
			/* It may have given up while we switched locks: then look again. */
			err = -EAGAIN;
			if (s->send_to == me && !list_empty(&s->send_link) && s->state == M3K_SENDING && !s->done)
				err = take_from(me, s, umsg);
			m3k_unlock_pair(me, s);
			m3k_proc_put(s);
			if (err == -EAGAIN)
				continue;
			return err;
		}
		if (src != ANY && !m3k_bound(me->vm, src)) {
			err = EMOLDEADSRCDST;
			break;
		}
		if (me->dead) {
			err = EMOLINTR;
		} else if (timeout_ms == 0) {
			err = EMOLAGAIN;
		} else {
			/* Wait: the message comes into our slot (see finish_own_call). */
			publish_call(me, M3K_RECEIVING, M3K_IOC_RECEIVE, src, umsg, timeout_ms);
			mutex_unlock(&me->lock);
			return wait_done(me, NULL);
		}
		break;
	}
	mutex_unlock(&me->lock);
	return err;
}

int m3k_call(struct m3k_proc *me, unsigned int cmd, int ep, void __user *msg, long timeout_ms,
	     struct m3k_proc **later)
{
	int ret;

	if (resume_pending(me, cmd, ep, msg, &ret))
		return ret;
	if (cmd == M3K_IOC_RECEIVE)
		return receive(me, ep, msg, timeout_ms);
	return send(me, ep, msg, timeout_ms, cmd == M3K_IOC_SENDREC, later);
}

int m3k_notify(struct m3k_proc *me, int dst_ep, struct m3k_proc **later)
{
	struct m3k_proc *dst;
	int err = lookup_destination(me, dst_ep, &dst);

	if (err)
		return err;
	mutex_lock(&dst->lock);
	if (dst->dead) {
		err = EMOLDEADSRCDST;
	} else if (accepts(dst, me->ep, true)) {
		make_notify(&dst->msg, me->ep, me->p_nr); /* copied out when dst wakes */
		complete_delivery(dst, later);
		M3K_COUNT(dst, received, 1);
	} else if (READ_ONCE(me->dead)) {
		/* Our unbinder (dead is set before it clears our bits, each under the receiver's
		 * lock) may have passed dst already: a bit set now would outlive us. */
		err = EMOLINTR;
	} else {
		/* Not receiving: a pending bit; duplicates coalesce. */
		set_bit(me->p_nr, dst->notify_pending);
		dst->notify_ep[me->p_nr] = me->ep;
	}
	mutex_unlock(&dst->lock);
	if (!err)
		M3K_COUNT(me, notifies, 1);
	m3k_proc_put(dst);
	return err;
}
