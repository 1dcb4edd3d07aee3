/*
 * queue.h — the FIFO of senders blocked on a slot (linked through the senders' q_next).
 * Every function requires the lock of the slot that owns the queue (`owner`).
 */
#ifndef M3IPC_SIM_QUEUE_H
#define M3IPC_SIM_QUEUE_H

#include <stdbool.h>

#include "table.h"

static inline void sim_queue_push(struct sim_vm *vm, struct sim_slot *owner, int p_nr)
{
	vm->slots[p_nr].q_next = SIM_NO_SLOT;
	if (owner->q_tail == SIM_NO_SLOT)
		owner->q_head = p_nr;
	else
		vm->slots[owner->q_tail].q_next = p_nr;
	owner->q_tail = p_nr;
}

/* Unlink p_nr if it is queued on owner; true if it was. */
static inline bool sim_queue_remove(struct sim_vm *vm, struct sim_slot *owner, int p_nr)
{
	int prev = SIM_NO_SLOT;
	for (int i = owner->q_head; i != SIM_NO_SLOT; prev = i, i = vm->slots[i].q_next) {
		if (i != p_nr)
			continue;
		int next = vm->slots[i].q_next;
		if (prev == SIM_NO_SLOT)
			owner->q_head = next;
		else
			vm->slots[prev].q_next = next;
		if (owner->q_tail == p_nr)
			owner->q_tail = prev;
		vm->slots[i].q_next = SIM_NO_SLOT;
		return true;
	}
	return false;
}

/* First queued sender accepted by the filter `from` (ANY or a p_nr), or SIM_NO_SLOT. */
static inline int sim_queue_find(struct sim_vm *vm, struct sim_slot *owner, int from)
{
	for (int i = owner->q_head; i != SIM_NO_SLOT; i = vm->slots[i].q_next)
		if (from == ANY || i == from)
			return i;
	return SIM_NO_SLOT;
}

#endif /* M3IPC_SIM_QUEUE_H */
