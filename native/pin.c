#include <sched.h>
#include <string.h>
#include <errno.h>

#include "pin.h"

static cpu_set_t original;

void pin_init(void)
{
    if (sched_getaffinity(0, sizeof original, &original) < 0)
        CPU_ZERO(&original);
}

/* cross-cpu COPY2: the requester and B on cpus[0], A on cpus[1], so the block A -> B crosses CPUs. */
int pin_cpu_of(const struct bench_case *c, enum role role)
{
    switch (c->placement) {
    case PLACE_SAME_CPU:
        return c->cpus[0];
    case PLACE_CROSS_CPU:
        return role == ROLE_SERVER || role == ROLE_A ? c->cpus[1] : c->cpus[0];
    case PLACE_UNPINNED:
    default:
        return -1;
    }
}

int pin_self(int cpu)
{
    cpu_set_t set;
    if (cpu < 0) {
        set = original;
    } else {
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
    }
    if (sched_setaffinity(0, sizeof set, &set) < 0)
        return mech_fail("cannot pin to CPU %d: %s", cpu, strerror(errno));
    return 0;
}

int pin_validate(const struct bench_case *c)
{
    if (c->placement == PLACE_UNPINNED)
        return 0;
    int n = c->placement == PLACE_SAME_CPU ? 1 : 2;
    if (n == 2 && CPU_COUNT(&original) < 2) {
        mech_fail("cross-cpu needs two CPUs, this worker may use %d", CPU_COUNT(&original));
        return MECH_SKIP;
    }
    for (int i = 0; i < n; i++)
        if (c->cpus[i] >= CPU_SETSIZE || !CPU_ISSET(c->cpus[i], &original))
            return mech_fail("setup: invalid value for field 'cpus': CPU %d is not available here",
                             c->cpus[i]);
    if (n == 2 && c->cpus[0] == c->cpus[1])
        return mech_fail("setup: invalid value for field 'cpus': cross-cpu needs two different CPUs");
    return 0;
}
