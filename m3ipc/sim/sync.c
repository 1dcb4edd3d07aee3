/* sync.c — futexes, slot locks and the adaptive spin-then-sleep wait (sync.h). */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "reap.h"
#include "self.h"
#include "sync.h"

/* How long one futex sleep lasts before the waiter checks that its peer is still alive. Only
 * the time to notice a killed peer depends on it; a live peer wakes us explicitly. */
#define DEATH_CHECK_MS 20

static int futex(_Atomic uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return (int)syscall(SYS_futex, (uint32_t *)word, op, val, ts, NULL, 0);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* Slot locks. The word holds 0 (free) or the holder's slot number + 1, plus LOCK_WAITERS when
 * someone sleeps on it. Naming the holder lets a waiter notice that the holder died inside a
 * critical section (its robust life word says so, see reap.h) and take the lock over instead
 * of hanging; the sections are a few dozen instructions, so such a death is rare. An unbound
 * caller (mnx_vm_end from a manager process) is LOCK_UNBOUND and never presumed dead. */
#define LOCK_WAITERS  0x80000000u
#define LOCK_UNBOUND  (M3IPC_MAX_EPS + 1u)
#define LOCK_SPINS    100

static uint32_t lock_id(void)
{
	return sim_me.vm ? (uint32_t)sim_me.p_nr + 1 : LOCK_UNBOUND;
}

static bool holder_died(struct sim_vm *vm, uint32_t word)
{
	uint32_t holder = word & ~LOCK_WAITERS;
	if (holder == 0 || holder == LOCK_UNBOUND)
		return false;
	/* A live holder is bound (its life mutex held) for as long as it holds any slot lock. */
	return !sim_slot_alive(&vm->slots[holder - 1]);
}

void sim_lock(struct sim_vm *vm, struct sim_slot *s)
{
	uint32_t me = lock_id(), c = 0;
	for (int i = 0; i < LOCK_SPINS; i++) {
		c = 0;
		if (atomic_compare_exchange_weak(&s->lock, &c, me))
			return;
		cpu_relax();
	}
	struct timespec slice = { 0, DEATH_CHECK_MS * 1000000L };
	for (;;) {
		c = atomic_load(&s->lock);
		if (c == 0 || holder_died(vm, c)) {
			/* Free, or abandoned by a dead holder: take it, keeping the waiters bit
			 * (others may sleep on it; an extra wake is harmless). */
			if (atomic_compare_exchange_strong(&s->lock, &c, me | LOCK_WAITERS))
				return;
			continue;
		}
		if (!(c & LOCK_WAITERS) &&
		    !atomic_compare_exchange_strong(&s->lock, &c, c | LOCK_WAITERS))
			continue;
		futex(&s->lock, FUTEX_WAIT, c | LOCK_WAITERS, &slice);
	}
}

void sim_unlock(struct sim_slot *s)
{
	if (atomic_exchange(&s->lock, 0) & LOCK_WAITERS)
		futex(&s->lock, FUTEX_WAKE, 1, NULL);
}

/* slot.sleeping: SLEEP_WAITING while the owner is (about to be) in futex_wait; a waker that
 * syscalls makes it SLEEP_WOKEN until the owner runs again, so that peers can tell a peer that
 * has been woken but is not running yet (a cross-CPU wake-up is slow here) from a running one. */
#define SLEEP_RUNNING 0u
#define SLEEP_WAITING 1u
#define SLEEP_WOKEN   2u

void sim_wake(struct sim_slot *s)
{
	/* A running owner polls its state: only one that announced a sleep needs seq bumped and
	 * the syscall. (Every caller changed the state and then made an atomic read-modify-write,
	 * its unlock or the change itself, before this load; the owner announces the sleep before
	 * it looks at its state: one of the two sees the other.) Moving the flag to SLEEP_WOKEN
	 * makes sure a second waker does not pay again. */
	uint32_t asleep = SLEEP_WAITING;
	if (atomic_load(&s->sleeping) == SLEEP_WAITING &&
	    atomic_compare_exchange_strong(&s->sleeping, &asleep, SLEEP_WOKEN)) {
		atomic_fetch_add(&s->seq, 1);
		futex(&s->seq, FUTEX_WAKE, INT_MAX, NULL);
	}
}

void sim_note_cpu(struct sim_slot *me)
{
	int cpu = sched_getcpu();   /* rseq / vDSO: no syscall */
	if (atomic_load_explicit(&me->cpu, memory_order_relaxed) != cpu)
		atomic_store_explicit(&me->cpu, cpu, memory_order_relaxed);
}

struct sim_deadline sim_deadline_in(long timeout_ms)
{
	struct sim_deadline d = { .forever = timeout_ms < 0 };
	if (!d.forever) {
		clock_gettime(CLOCK_MONOTONIC, &d.at);
		d.at.tv_sec += timeout_ms / 1000;
		d.at.tv_nsec += (timeout_ms % 1000) * 1000000L;
		if (d.at.tv_nsec >= 1000000000L) {
			d.at.tv_sec++;
			d.at.tv_nsec -= 1000000000L;
		}
	}
	return d;
}

static long elapsed_ns(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

/* Length of the next sleep: the death-check slice, or less if the deadline is nearer.
 * Returns false once the deadline has passed. */
static bool next_sleep(const struct sim_deadline *dl, struct timespec *ts)
{
	long slice_ns = DEATH_CHECK_MS * 1000000L;
	if (!dl->forever) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long left = elapsed_ns(&now, &dl->at);
		if (left <= 0)
			return false;
		if (left < slice_ns)
			slice_ns = left;
	}
	ts->tv_sec = slice_ns / 1000000000L;
	ts->tv_nsec = slice_ns % 1000000000L;
	return true;
}

static bool done(struct sim_slot *me, uint32_t mask)
{
	return (atomic_load(&me->state) & mask) == 0;
}

/* Where a peer that is not asleep last ran, relative to us: what decides between yielding to
 * it (our CPU: it cannot progress until we give the CPU up, so spinning would be a pure loss)
 * and spinning (another CPU). PEER_NO_HINT: no peer, asleep, or it never ran. */
enum peer_cpu { PEER_NO_HINT, PEER_SAME_CPU, PEER_OTHER_CPU };

static enum peer_cpu awake_peer_cpu(struct sim_slot *me, struct sim_slot *peer)
{
	if (peer == NULL || atomic_load_explicit(&peer->sleeping, memory_order_relaxed) == SLEEP_WAITING)
		return PEER_NO_HINT;
	int pc = atomic_load_explicit(&peer->cpu, memory_order_relaxed);
	if (pc < 0)
		return PEER_NO_HINT;
	return pc == atomic_load_explicit(&me->cpu, memory_order_relaxed) ? PEER_SAME_CPU : PEER_OTHER_CPU;
}

/* How much of the spin budget a wait uses adapts to how recent waits ended: sim_me.spin_miss
 * is a moving average (per thread, in 1/1024) of the full-budget spins that ran out. While
 * most succeed the whole budget ($M3IPC_SPIN) is spun; once most run out — pairs outnumber
 * CPUs and the peer is preempted rather than running elsewhere, so spinning burns the time
 * slice it needs — only SPIN_FLOOR pauses are, except that every SPIN_PROBE-th wait still
 * spins the whole budget to notice when spinning pays again (a short spin that runs out says
 * nothing about that, and is not counted). An average, not halving on every miss, keeps one
 * slow wake-up, which makes the peer's next wait miss too, from feeding back. */
#define SPIN_FLOOR       32
#define SPIN_PROBE       8
#define SPIN_MISS_SHIFT  4        /* the average's weight: 1/16 per counted wait */
#define SPIN_MISS_HIGH   512      /* half of the recent full spins ran out */

static void note_spin(bool missed)
{
	int m = sim_me.spin_miss;
	sim_me.spin_miss = m - (m >> SPIN_MISS_SHIFT) + (missed ? 1024 >> SPIN_MISS_SHIFT : 0);
}

/* A spinner looks at its state once per POLL_NS, not on every pause: the state is on the line
 * a sender takes, fills and releases (table.h), and each look while the sender holds it pulls
 * the line away, so that the sender's next write must fetch it back (and the look after fetch
 * it once more). One look per cross-CPU line transfer or so leaves the sender its critical
 * section; looking on every pause (about 10 ns here) made a message cost two more transfers.
 * The interval is in time, measured once per process in pauses, which last from a few ns to
 * 140 cycles depending on the CPU. */
#define POLL_NS           80
#define CALIBRATE_PAUSES  2000

int sim_pauses_per_poll(void)
{
	static _Atomic int per_poll;   /* 0 until measured (threads racing measure alike) */
	int n = atomic_load_explicit(&per_poll, memory_order_relaxed);
	if (n > 0)
		return n;
	long best = LONG_MAX;   /* the fastest of 3: a preempted run only overstates a pause */
	for (int round = 0; round < 3; round++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < CALIBRATE_PAUSES; i++)
			cpu_relax();
		clock_gettime(CLOCK_MONOTONIC, &b);
		long took = elapsed_ns(&a, &b);
		if (took < best)
			best = took;
	}
	n = (int)(POLL_NS * CALIBRATE_PAUSES / (best > 0 ? best : 1));
	n = n < 1 ? 1 : n;
	atomic_store_explicit(&per_poll, n, memory_order_relaxed);
	return n;
}

static bool spin_for(struct sim_slot *me, uint32_t mask, struct sim_slot *peer)
{
	/* A peer woken by a futex wake but not running yet says nothing about spinning: its
	 * wake-up takes long whatever we do, and counting it would feed back (our own misses
	 * make us sleep, so the peer's wake of us is slow too, and so on). */
	bool counted = atomic_load_explicit(&peer->sleeping, memory_order_relaxed) == SLEEP_RUNNING;
	int budget = sim_me.spin;
	if (sim_me.spin_miss > SPIN_MISS_HIGH && budget > SPIN_FLOOR && ++sim_me.spin_waits % SPIN_PROBE)
		budget = SPIN_FLOOR;
	int per_poll = sim_pauses_per_poll();
	for (int i = 0; i < budget; i += per_poll) {
		if (done(me, mask)) {
			note_spin(false);
			return true;
		}
		for (int k = 0; k < per_poll; k++)
			cpu_relax();
	}
	if (budget == sim_me.spin && counted)
		note_spin(true);
	return false;
}

/* A peer that shares our CPU and is not asleep (runnable: just woken by us, or preempted by
 * us) can only end our wait once we give it the CPU. Yielding to it does that without a
 * futex sleep, and the peer's wake-up of us then needs no futex wake either (we never set
 * `sleeping`): on one CPU a rendezvous costs the two context switches of a pipe round trip
 * and no more, whichever of the two the scheduler ran first after a wake-up (a futex wake
 * may preempt the waker before it blocks; a pipe's buffer hides that, a rendezvous cannot).
 * Bounded: a peer that yields back without answering (it waits on someone else, or is busy)
 * leaves us to the futex sleep below. */
#define SAME_CPU_YIELDS 4

static bool expired(const struct sim_deadline *dl)
{
	struct timespec ts;
	return !dl->forever && !next_sleep(dl, &ts);
}

static bool yield_to_peer(struct sim_slot *me, uint32_t mask, struct sim_slot *peer,
			  const struct sim_deadline *dl)
{
	for (int i = 0; i < SAME_CPU_YIELDS && awake_peer_cpu(me, peer) == PEER_SAME_CPU && !expired(dl); i++) {
		sched_yield();
		if (done(me, mask))
			return true;
	}
	return false;
}

int sim_wait(struct sim_vm *vm, struct sim_slot *me, uint32_t mask, struct sim_slot *peer,
	     int peer_ep, const struct sim_deadline *dl)
{
	if (done(me, mask))
		return 0;
	if (yield_to_peer(me, mask, peer, dl))
		return 0;
	if (sim_me.spin > 0 && awake_peer_cpu(me, peer) == PEER_OTHER_CPU) {
		if (spin_for(me, mask, peer))
			return 0;
		/* The peer runs elsewhere but did not answer within the budget: it may have been
		 * preempted by a task that shares our CPU. Give that one the CPU before sleeping
		 * (the loop looks at the state first). */
		sched_yield();
	}
	for (;;) {
		uint32_t seq = atomic_load(&me->seq);
		if (done(me, mask))
			return 0;
		if (!atomic_load(&vm->alive))
			return 0;   /* mnx_vm_end has set our result and cleared our state */
		if (peer != NULL && peer_ep != ANY && (atomic_load(&peer->ep) != peer_ep || !sim_slot_alive(peer))) {
			sim_reap_if_dead(vm, peer);
			return done(me, mask) ? 0 : EMOLDEADSRCDST;
		}
		struct timespec ts;
		if (!next_sleep(dl, &ts))
			return EMOLTIMEDOUT;
		atomic_store(&me->sleeping, SLEEP_WAITING);
		if (done(me, mask)) {
			atomic_store(&me->sleeping, SLEEP_RUNNING);
			return 0;
		}
		futex(&me->seq, FUTEX_WAIT, seq, &ts);
		atomic_store(&me->sleeping, SLEEP_RUNNING);
	}
}
