/* CPU placement of the processes of a case. */
#ifndef M3BENCH_PIN_H
#define M3BENCH_PIN_H

#include "mech.h"

/* Remember the worker's original affinity (call once at start). */
void pin_init(void);
/* CPU of a role under the case's placement, or -1 (unpinned). */
int pin_cpu_of(const struct bench_case *c, enum role role);
/* Pin the calling process to cpu, or restore the original affinity for -1. */
int pin_self(int cpu);
/* -1 with mech_fail naming `cpus` when a requested CPU is not usable here. */
int pin_validate(const struct bench_case *c);

#endif
