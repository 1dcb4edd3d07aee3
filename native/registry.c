/* The registry of mechanisms (filled by MECH_REGISTER constructors before main) and the
 * shared error message of the last failing mechanism call. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mech.h"

#define MAX_MECHS 64

static const struct mech_ops *mechs[MAX_MECHS];
static size_t nmechs;
static int sorted;
static char last_error[512];

const char *const test_names[TEST_COUNT] = {"IPC1", "IPC2", "IPC3", "COPY1", "COPY2"};

void mech_register(const struct mech_ops *ops)
{
    if (nmechs == MAX_MECHS) {
        fprintf(stderr, "m3worker: too many mechanisms, %s dropped\n", ops->name);
        return;
    }
    mechs[nmechs++] = ops;
    sorted = 0;
}

static int by_order_then_name(const void *a, const void *b)
{
    const struct mech_ops *x = *(const struct mech_ops *const *)a;
    const struct mech_ops *y = *(const struct mech_ops *const *)b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

const struct mech_ops *mech_at(size_t i)
{
    if (!sorted) {
        qsort(mechs, nmechs, sizeof mechs[0], by_order_then_name);
        sorted = 1;
    }
    return i < nmechs ? mechs[i] : NULL;
}

const struct mech_ops *mech_find(const char *name)
{
    for (size_t i = 0; i < nmechs; i++)
        if (strcmp(mechs[i]->name, name) == 0)
            return mechs[i];
    return NULL;
}

int mech_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return -1;
}

const char *mech_error(void)
{
    return last_error[0] ? last_error : "unknown error";
}
