/*
 * reap.h — ending a slot's binding: explicitly (mnx_unbind), implicitly when its owner died
 * (noticed by a peer through the robust `life` mutex), or when the VM ends. Every thread
 * blocked on the slot is released with an error instead of hanging.
 */
#ifndef M3IPC_SIM_REAP_H
#define M3IPC_SIM_REAP_H

#include <stdbool.h>

#include "table.h"

#define SIM_TID_RELEASING 0xffffffffu   /* owner_tid while a release is in progress */

/* Is the thread bound to s alive? Reads the robust mutex word: no syscall. */
bool sim_slot_alive(struct sim_slot *s);

/* Release s if it is bound by owner_tid (exactly one caller wins); peers blocked on it get
 * EMOLDSTDIED (were sending to it) or EMOLSRCDIED (were receiving from it). */
void sim_release(struct sim_vm *vm, struct sim_slot *s, uint32_t owner_tid);

/* Release s if its owner has died. */
void sim_reap_if_dead(struct sim_vm *vm, struct sim_slot *s);

#endif /* M3IPC_SIM_REAP_H */
