// SPDX-License-Identifier: GPL-2.0
/*
 * A wake that waits for its waker to give up the CPU. A send (or notify) delivered to a receive
 * that can run only on the sender's CPU completes at once, as any delivery; the receiver is
 * woken when the sender next blocks (in its next call, before it sleeps), or when that next
 * call returns without blocking, or when the sender's VM binding ends, and after one tick at
 * the latest.
 *
 * Why: IPC1's sender makes a receive right after its send, and that receive blocks. Woken at
 * once, the receiver preempts the sender whenever its vruntime lags by more than the wake-up
 * granularity (6.1's CFS ignores the sync hint for preemption), and its reply then finds the
 * sender not yet receiving and must block: four switches per round trip instead of a pipe's
 * two. A pipe does not pay for it only because its writes never block. Pinned to our CPU, the
 * receiver could not have run before we give up the CPU except by preempting us, so nothing but
 * that preemption is lost; the tick bounds the delay when the sender goes on computing or
 * sleeps outside M3-IPC.
 */
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/timer.h>
#include <linux/version.h>
#include "m3k.h"

/*
 * The tick's bound: it only wakes; the reference stays for the next flush (a timer may not free
 * a proc: its release takes sleeping paths). A flush may take the receiver meanwhile and drop
 * it: procs are freed after an RCU grace period, so its wait queue is still there to be woken,
 * and a spurious wake only makes a waiter look at its state again.
 */
static void wake_timer_fired(struct timer_list *t)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
	struct m3k_proc *me = timer_container_of(me, t, wake_timer);
#else
	struct m3k_proc *me = from_timer(me, t, wake_timer);
#endif
	struct m3k_proc *dst;

	rcu_read_lock();
	dst = READ_ONCE(me->wake_later);
	if (dst)
		wake_up_interruptible(&dst->wq);
	rcu_read_unlock();
}

void m3k_wake_later_init(struct m3k_proc *p)
{
	timer_setup(&p->wake_timer, wake_timer_fired, 0);
}

/* Records where and how a call that is about to wait runs; its own thread, p->lock held. */
void m3k_note_waiter(struct m3k_proc *p)
{
	p->wait_cpu = raw_smp_processor_id();
	p->wait_pinned = current->nr_cpus_allowed == 1;
}

bool m3k_may_wake_later(const struct m3k_proc *dst)
{
	return dst->wait_pinned && dst->wait_cpu == raw_smp_processor_id();
}

void m3k_wake_deferred(struct m3k_proc *me)
{
	struct m3k_proc *dst;

	if (!READ_ONCE(me->wake_later))
		return;
	dst = xchg(&me->wake_later, NULL);
	if (!dst)
		return; /* another thread (an unbinder) flushed it first */
	wake_up_interruptible_sync(&dst->wq);
	m3k_proc_put(dst);
}

/*
 * Every ioctl of a bound caller ends here (m3k_main.c): an earlier call's deferred wake that this
 * one did not do by blocking is done now, and this one's (later, referenced), if any, waits for
 * the next call. So there is one at a time.
 */
void m3k_end_call(struct m3k_proc *me, struct m3k_proc *later)
{
	m3k_wake_deferred(me);
	if (!later)
		return;
	WARN_ON_ONCE(xchg(&me->wake_later, later));
	if (!timer_pending(&me->wake_timer))
		mod_timer(&me->wake_timer, jiffies + 1);
}

void m3k_wake_later_release(struct m3k_proc *p)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	timer_delete_sync(&p->wake_timer);
#else
	del_timer_sync(&p->wake_timer);
#endif
	m3k_wake_deferred(p);
}
