/* Eventfd signalling between the two ends of a link: one eventfd per direction, each end
 * holding its own descriptor of it (so the worker can close the ends it does not own).
 * Used by the eventfd mechanism (with a shared-memory payload) and by pvm (as its cheap
 * synchronisation channel). */
#ifndef M3BENCH_EVSYNC_H
#define M3BENCH_EVSYNC_H

#include "mech.h"

int evsync_open(struct link *l);
int evsync_post(struct link *l, int end); /* wake the peer of end */
int evsync_wait(struct link *l, int end); /* wait for the peer's post */

#endif
