/* reap.c — releasing a slot and everyone blocked on it (reap.h). */
#include <linux/futex.h>

#include "queue.h"
#include "reap.h"
#include "sync.h"

bool sim_slot_alive(struct sim_slot *s)
{
	/* glibc keeps the owner's tid in the robust mutex word; the kernel replaces it with
	 * FUTEX_OWNER_DIED when the owner exits or is killed while holding it. */
	int word = __atomic_load_n(&s->life.__data.__lock, __ATOMIC_ACQUIRE);
	return (word & FUTEX_TID_MASK) != 0 && !(word & FUTEX_OWNER_DIED);
}

/* Complete the wait of the thread in slot t with `err`, clearing `bits` of its state. */
static void fail_waiter(struct sim_slot *t, uint32_t bits, int err)
{
	atomic_store(&t->result, err);
	atomic_fetch_and(&t->state, ~(bits | ST_REPLY));
	sim_wake(t);
}

void sim_release(struct sim_vm *vm, struct sim_slot *s, uint32_t owner_tid)
{
	if (owner_tid == 0 || owner_tid == SIM_TID_RELEASING ||
	    !atomic_compare_exchange_strong(&s->owner_tid, &owner_tid, SIM_TID_RELEASING))
		return;
	int p_nr = (int)(s - vm->slots);
	atomic_store(&s->ep, NONE);   /* from now on senders see a dead endpoint */

	/* Leave the queue of the slot we were blocked sending to. */
	int to = atomic_load(&s->sendto);
	if ((atomic_load(&s->state) & ST_SENDING) && to != SIM_NO_SLOT) {
		sim_lock(vm, &vm->slots[to]);
		sim_queue_remove(vm, &vm->slots[to], p_nr);
		sim_unlock(&vm->slots[to]);
	}
	/* Fail everyone queued to send to us (a sendrec caller also stops waiting for a reply). */
	sim_lock(vm, s);
	while (s->q_head != SIM_NO_SLOT) {
		int q = s->q_head;
		sim_queue_remove(vm, s, q);
		fail_waiter(&vm->slots[q], ST_SENDING | ST_RECEIVING, EMOLDSTDIED);
	}
	atomic_store(&s->state, 0);
	for (int w = 0; w < M3IPC_MAX_EPS / 64; w++)
		atomic_store(&s->notify_pending[w], 0);
	sim_unlock(s);

	/* Fail everyone waiting to receive from us; forget our undelivered notifications so the
	 * slot's next owner does not appear to have sent them. */
	for (int i = 0; i < M3IPC_MAX_EPS; i++) {
		struct sim_slot *r = &vm->slots[i];
		if (i == p_nr || atomic_load(&r->owner_tid) == 0)
			continue;
		sim_lock(vm, r);
		atomic_fetch_and(&r->notify_pending[p_nr / 64], ~(1ull << (p_nr % 64)));
		uint32_t st = atomic_load(&r->state);
		if ((st & ST_RECEIVING) && !(st & ST_SENDING) && atomic_load(&r->getfrom) == p_nr)
			fail_waiter(r, ST_RECEIVING, EMOLSRCDIED);
		sim_unlock(r);
	}
	s->gen++;
	atomic_fetch_sub(&vm->nr_bound, 1);
	atomic_store(&s->owner_tid, 0);
}

void sim_reap_if_dead(struct sim_vm *vm, struct sim_slot *s)
{
	/* ep is published only once the life mutex is held: a slot being bound is not dead. */
	uint32_t tid = atomic_load(&s->owner_tid);
	if (tid != 0 && tid != SIM_TID_RELEASING && atomic_load(&s->ep) != NONE && !sim_slot_alive(s))
		sim_release(vm, s, tid);
}
