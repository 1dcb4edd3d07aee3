/*
 * self.h — the calling thread's binding and endpoint validation, shared by the call
 * implementations (ipc.c, vcopy.c, lifecycle.c).
 */
#ifndef M3IPC_SIM_SELF_H
#define M3IPC_SIM_SELF_H

#include "table.h"

struct sim_self {
	struct sim_vm *vm;      /* NULL when this thread is not bound */
	int vmid;
	int p_nr;
	int ep;
	int hint;               /* p_nr of the last sender: the likely peer of a receive(ANY) */
	int spin;               /* spin budget in pauses ($M3IPC_SPIN at bind, default 1000) */
	int spin_miss;          /* recent full spins that ran out, 0..1024 (sync.c) */
	unsigned spin_waits;    /* waits spun while spin_miss is high (sync.c) */
};
extern _Thread_local struct sim_self sim_me;

/* The caller's slot: EMOLNOTBIND if unbound, EMOLBADVMID if its VM has ended. */
int sim_self_slot(struct sim_slot **out);

/* Validate a peer endpoint of the caller's VM and return its slot number:
 * EMOLENDPOINT (malformed), EMOLDEADLOCK (the caller itself), EMOLDEADSRCDST (not bound now). */
int sim_target(int ep, int *p_nr);

#endif /* M3IPC_SIM_SELF_H */
