/* Start-up sweep of objects left by a worker that was SIGKILLed in the short window between
 * creating a named object and unlinking it (FIFO, mqueue), or while it held a SysV queue
 * (which has no unlinked form). Only objects whose tag names a dead pid are removed. */
#include <dirent.h>
#include <errno.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "names.h"

static int pid_dead(long pid)
{
    return pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

static void sweep_sysv(void)
{
    FILE *f = fopen("/proc/sysvipc/msg", "r");
    if (!f)
        return;
    char line[512];
    if (!fgets(line, sizeof line, f)) { /* header */
        fclose(f);
        return;
    }
    long key, id;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%ld %ld", &key, &id) == 2 &&
            ((unsigned long)key & ~(unsigned long)SYSV_KEY_PID_MASK) == SYSV_KEY_MAGIC &&
            pid_dead(key & SYSV_KEY_PID_MASK))
            msgctl((int)id, IPC_RMID, NULL);
    fclose(f);
}

/* Remove dir/name entries "<prefix><pid>-..." of dead pids with remove_fn. */
static void sweep_dir(const char *dir, const char *prefix, void (*remove_fn)(const char *dir, const char *name))
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t plen = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, plen) == 0 && pid_dead(strtol(e->d_name + plen, NULL, 10)))
            remove_fn(dir, e->d_name);
    closedir(d);
}

static void remove_path(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void remove_mq(const char *dir, const char *name)
{
    char mq[300];
    (void)dir;
    snprintf(mq, sizeof mq, "/%s", name);
    mq_unlink(mq);
}

void sweep_stale(void)
{
    sweep_sysv();
    sweep_dir(FIFO_DIR, FIFO_PREFIX, remove_path);
    sweep_dir("/dev/mqueue", MQ_PREFIX, remove_mq); /* listable only where mqueue fs is mounted */
}
