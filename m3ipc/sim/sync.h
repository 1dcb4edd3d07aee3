/*
 * sync.h — the simulator's blocking primitives: futex wait/wake, the per-slot lock, waking a
 * slot's owner, and sim_wait (adaptive spin, then futex sleep in short slices during which a
 * dead peer is noticed and reaped).
 */
#ifndef M3IPC_SIM_SYNC_H
#define M3IPC_SIM_SYNC_H

#include <stdbool.h>
#include <time.h>

#include "table.h"

void sim_lock(struct sim_vm *vm, struct sim_slot *s);
void sim_unlock(struct sim_slot *s);

/* Make the owner of s re-check its state (call after changing it). */
void sim_wake(struct sim_slot *s);

/* Deadline for a timeout in ms (-1 = none, 0 = "now"). */
struct sim_deadline { bool forever; struct timespec at; };
struct sim_deadline sim_deadline_in(long timeout_ms);

/* Wait until none of `mask` is set in me->state. `peer` (may be NULL), bound as `peer_ep`,
 * is the party whose action ends the wait (peer_ep ANY: a hint for spinning only, not
 * watched): spinning is skipped when it shares our CPU, and
 * its death is detected here and reaped, which normally ends the wait with an error in
 * me->result. Returns 0 when the state bits cleared (also when the VM ended), else
 * EMOLTIMEDOUT at the deadline or EMOLDEADSRCDST when the peer is gone; then the bits may
 * still be set and the caller cancels under the right lock and re-checks. */
int sim_wait(struct sim_vm *vm, struct sim_slot *me, uint32_t mask, struct sim_slot *peer,
	     int peer_ep, const struct sim_deadline *dl);

/* How many pauses a spinner makes between two looks at its state (sync.c); measured by the
 * first call of the process (mnx_bind makes it, so that no timed call pays for it). */
int sim_pauses_per_poll(void);

/* Publish the CPU we run on, for peers deciding whether to spin. */
void sim_note_cpu(struct sim_slot *me);

#endif /* M3IPC_SIM_SYNC_H */
