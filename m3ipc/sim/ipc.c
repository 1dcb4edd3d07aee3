/*
 * ipc.c — rendezvous message passing: send, receive, sendrec, notify.
 *
 * Protocol. Each slot's `lock` guards deliveries into that slot and its queue of blocked
 * senders. A sender locks the destination only: if the destination is blocked in a receive
 * that accepts it, the message is copied into the destination's slot and the destination is
 * woken; otherwise the sender leaves its message in its own slot, joins the destination's
 * FIFO and sleeps until a receiver takes it (no message is ever buffered on its own: the
 * sender stays blocked until the copy is done). A receiver locks itself, takes pending
 * notifications first, then the oldest matching sender. sendrec marks the caller receiving
 * from the destination before the request can be seen, so the reply always finds it waiting.
 */
#include <time.h>

#include "calls.h"
#include "queue.h"
#include "reap.h"
#include "self.h"
#include "sync.h"

/* Is t blocked in a receive that accepts a message (or a notification) from p_nr? As in Minix,
 * a notification never completes the reply phase of a sendrec. (t's lock held) */
static bool accepts(struct sim_slot *t, int p_nr, bool notification)
{
	uint32_t st = atomic_load(&t->state);
	int from = atomic_load(&t->getfrom);
	if (notification && (st & ST_REPLY))
		return false;
	return (st & ST_RECEIVING) && !(st & ST_SENDING) && (from == ANY || from == p_nr);
}

/* Hand m to t, which accepts it, and release t's receive. (t's lock held; the caller wakes
 * t after unlocking: woken on our CPU, t would otherwise preempt us and find its lock held.) */
static void deliver(struct sim_slot *t, const message *m)
{
	t->msg = *m;
	atomic_store_explicit(&t->result, EMOLOK, memory_order_relaxed);
	/* While t accepts, every writer of its state holds its lock: a plain (release) store. */
	atomic_store_explicit(&t->state, 0, memory_order_release);
}

/* Ask for the line of p in exclusive state ahead of writing it. Every call writes the caller's
 * state soon (a sendrec inside its critical section on the destination's line, a receive
 * when it waits), and the line was last written by the peer that delivered to us: without
 * this, that write stalls for the line while we hold a lock, or just before we wait. */
static inline void prefetch_for_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

/* Our receive filter; rewritten only when it changes, so the cache line that senders read
 * on every message stays shared between their CPU and ours. (our own slot) */
static void set_getfrom(struct sim_slot *me, int from)
{
	if (atomic_load_explicit(&me->getfrom, memory_order_relaxed) != from)
		atomic_store(&me->getfrom, from);
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The notification from endpoint from_ep (slot from_p), timestamped now: at delivery. */
static message notify_message(int from_ep, int from_p)
{
	message n = { 0 };
	n.m_source = from_ep;
	n.m_type = NOTIFY_FROM(from_p);
	n.NOTIFY_TIMESTAMP = (long)now_ns();
	return n;
}

/* Lowest-numbered notifier pending on me that `from` (ANY or a p_nr) accepts, cleared;
 * SIM_NO_SLOT if none. (my lock held) */
static int take_notification(struct sim_slot *me, int from)
{
	for (int w = 0; w < M3IPC_MAX_EPS / 64; w++) {
		uint64_t bits = atomic_load(&me->notify_pending[w]);
		if (from != ANY)
			bits &= (from / 64 == w) ? 1ull << (from % 64) : 0;
		if (bits) {
			int b = __builtin_ctzll(bits);
			atomic_fetch_and(&me->notify_pending[w], ~(1ull << b));
			return w * 64 + b;
		}
	}
	return SIM_NO_SLOT;
}

/* Undo a blocked operation that ended with `why` (timeout / peer gone) unless it completed
 * meanwhile: leave the destination's queue, stop receiving. Returns the call's result. */
static int cancel(struct sim_vm *vm, struct sim_slot *me, int dst_p, int why)
{
	if (dst_p != SIM_NO_SLOT) {
		struct sim_slot *dst = &vm->slots[dst_p];
		sim_lock(vm, dst);
		bool queued = atomic_load(&me->state) & ST_SENDING;
		if (queued) {
			sim_queue_remove(vm, dst, sim_me.p_nr);
			atomic_store(&me->state, 0);
		}
		sim_unlock(dst);
		if (queued)
			return why == EMOLDEADSRCDST ? EMOLDSTDIED : why;
	}
	sim_lock(vm, me);
	bool receiving = atomic_load(&me->state) & ST_RECEIVING;
	if (receiving)
		atomic_store(&me->state, 0);
	sim_unlock(me);
	if (receiving)
		return why == EMOLDEADSRCDST ? EMOLSRCDIED : why;
	return atomic_load(&me->result);
}

/* The caller's slot for a call that carries a message: EMOLOK, or why not (not bound, VM
 * ended, then a NULL message), in that order. */
static int self_slot_with_message(const message *m, struct sim_slot **me)
{
	int rc = sim_self_slot(me);
	if (rc < 0)
		return rc;
	return m == NULL ? EMOLINVAL : EMOLOK;
}

/* The destination of send / sendrec / notify: its slot number and its slot in the caller's VM. */
static int destination(int dst_ep, int *d, struct sim_slot **dst)
{
	int rc = sim_target(dst_ep, d);
	if (rc < 0)
		return rc;
	*dst = &sim_me.vm->slots[*d];
	return EMOLOK;
}

/* The send half of send / sendrec. `then_receive`: stay blocked for the reply (sendrec). */
static int post(int dst_ep, message *m, long timeout_ms, bool then_receive)
{
	struct sim_slot *me;
	int rc = self_slot_with_message(m, &me);
	if (rc < 0)
		return rc;
	int d;
	struct sim_slot *dst;
	if ((rc = destination(dst_ep, &d, &dst)) < 0)
		return rc;
	struct sim_vm *vm = sim_me.vm;
	m->m_source = sim_me.ep;
	sim_note_cpu(me);
	uint32_t receive_bit = then_receive ? ST_RECEIVING | ST_REPLY : 0;
	if (then_receive)
		set_getfrom(me, d);   /* only read while ST_RECEIVING is set */
	prefetch_for_write(&me->state);

	sim_lock(vm, dst);
	if (atomic_load(&dst->ep) != dst_ep || !sim_slot_alive(dst)) {
		sim_unlock(dst);
		sim_reap_if_dead(vm, dst);
		return EMOLDEADSRCDST;
	}
	bool queued = false;
	if (accepts(dst, sim_me.p_nr, false)) {
		/* Fast path: the destination is waiting. For sendrec we are receiving from it
		 * before it can see the request, so its reply cannot miss us. */
		if (then_receive)   /* (a send's state stays 0, as every call leaves it) */
			atomic_store_explicit(&me->state, receive_bit, memory_order_release);
		deliver(dst, m);
		sim_unlock(dst);
		/* Counted before the wake so that a status read by the woken peer sees it. */
		sim_count(&me->n_sent);
		sim_wake(dst);
		if (!then_receive)
			return EMOLOK;
	} else {
		if (timeout_ms == M3IPC_TIMEOUT_NOWAIT) {
			sim_unlock(dst);
			return EMOLAGAIN;
		}
		queued = true;
		me->msg = *m;
		atomic_store(&me->sendto, d);
		atomic_store(&me->state, ST_SENDING | receive_bit);
		sim_queue_push(vm, dst, sim_me.p_nr);
		sim_unlock(dst);
	}
	struct sim_deadline dl = sim_deadline_in(timeout_ms);
	rc = sim_wait(vm, me, ST_SENDING | ST_RECEIVING, dst, dst_ep, &dl);
	if (rc < 0)
		rc = cancel(vm, me, d, rc);
	else
		rc = atomic_load(&vm->alive) ? atomic_load(&me->result) : EMOLINTR;
	if (rc == EMOLOK && queued)
		sim_count(&me->n_sent); /* a queued send (or sendrec) was taken by the receiver */
	if (rc == EMOLOK && then_receive) {
		*m = me->msg;
		sim_me.hint = d;
		sim_count(&me->n_received);
	}
	return rc;
}

int sim_send(int dst_ep, message *m, long timeout_ms)
{
	return post(dst_ep, m, timeout_ms, false);
}

int sim_sendrec(int dst_ep, message *m, long timeout_ms)
{
	return post(dst_ep, m, timeout_ms, true);
}

int sim_receive(int src_ep, message *m, long timeout_ms)
{
	struct sim_slot *me;
	int rc = self_slot_with_message(m, &me);
	if (rc < 0)
		return rc;
	int from = ANY;
	if (src_ep != ANY && (rc = sim_target(src_ep, &from)) < 0)
		return rc;
	struct sim_vm *vm = sim_me.vm;
	sim_note_cpu(me);

retry:
	sim_lock(vm, me);
	int n = take_notification(me, from);
	if (n != SIM_NO_SLOT) {
		/* A notifier being released (endpoint already NONE) or killed takes its pending
		 * notifications with it: drop this one, reap a killed notifier (which clears its bits
		 * everywhere) and look again. The message is built after the unlock. */
		int from_ep = atomic_load(&vm->slots[n].ep);
		bool live = from_ep != NONE && sim_slot_alive(&vm->slots[n]);
		sim_unlock(me);
		if (!live) {
			sim_reap_if_dead(vm, &vm->slots[n]);
			goto retry;
		}
		*m = notify_message(from_ep, n);
		sim_count(&me->n_notify_received);
		return EMOLOK;
	}
	int q = sim_queue_find(vm, me, from);
	if (q != SIM_NO_SLOT) {
		struct sim_slot *s = &vm->slots[q];
		if (!sim_slot_alive(s)) {
			/* It was killed while queued: its send dies with it. Unlinked here, under our
			 * lock: its release may have run already without seeing it queued (mnx_vm_end
			 * clears the state that says so), and would never unlink it. */
			sim_queue_remove(vm, me, q);
			sim_unlock(me);
			sim_reap_if_dead(vm, s);
			goto retry;
		}
		sim_queue_remove(vm, me, q);
		*m = s->msg;
		atomic_store(&s->result, EMOLOK);
		/* A sendrec caller stays blocked (RECEIVING) until our reply: waking it now would
		 * only make it look and sleep again, on our CPU two extra context switches. The
		 * reply's delivery wakes it. */
		bool released = !(atomic_fetch_and(&s->state, ~ST_SENDING) & ST_RECEIVING);
		sim_unlock(me);
		if (released)
			sim_wake(s);
		sim_count(&me->n_received);
		sim_me.hint = q;
		return EMOLOK;
	}
	if (timeout_ms == M3IPC_TIMEOUT_NOWAIT) {
		sim_unlock(me);
		return EMOLAGAIN;
	}
	set_getfrom(me, from);
	atomic_store_explicit(&me->state, ST_RECEIVING, memory_order_release);
	sim_unlock(me);

	/* For ANY there is no one to watch for death; the last sender is only a spin hint. */
	int peer_p = from != ANY ? from : sim_me.hint;
	struct sim_slot *peer = peer_p >= 0 ? &vm->slots[peer_p] : NULL;
	struct sim_deadline dl = sim_deadline_in(timeout_ms);
	rc = sim_wait(vm, me, ST_RECEIVING, peer, from != ANY ? src_ep : ANY, &dl);
	if (rc < 0)
		return cancel(vm, me, SIM_NO_SLOT, rc);
	if (!atomic_load(&vm->alive))
		return EMOLINTR;
	rc = atomic_load(&me->result);
	if (rc == EMOLOK) {
		*m = me->msg;
		sim_me.hint = _ENDPOINT_P(m->m_source);
		sim_count(IS_NOTIFY(m->m_type) ? &me->n_notify_received : &me->n_received);
	}
	return rc;
}

int sim_notify(int dst_ep)
{
	struct sim_slot *me;
	int rc = sim_self_slot(&me);
	if (rc < 0)
		return rc;
	int d;
	struct sim_slot *dst;
	if ((rc = destination(dst_ep, &d, &dst)) < 0)
		return rc;
	struct sim_vm *vm = sim_me.vm;
	bool delivered = false;
	sim_lock(vm, dst);
	if (atomic_load(&dst->ep) != dst_ep) {
		rc = EMOLDEADSRCDST;
	} else if (accepts(dst, sim_me.p_nr, true)) {
		message n = notify_message(atomic_load(&me->ep), sim_me.p_nr);
		deliver(dst, &n);
		delivered = true;
	} else {
		/* Pending bit: a second notify before the first is received coalesces with it. */
		atomic_fetch_or(&dst->notify_pending[sim_me.p_nr / 64], 1ull << (sim_me.p_nr % 64));
	}
	sim_unlock(dst);
	if (delivered)
		sim_wake(dst);
	if (rc == EMOLOK)
		sim_count(&me->n_notify_sent);
	return rc;
}
