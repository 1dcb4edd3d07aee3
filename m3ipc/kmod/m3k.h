/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m3k.h — internals of the M3-IPC kernel module shared by its source files.
 *
 * Objects: a VM (isolation compartment) owns a table of M3IPC_MAX_EPS slots; a bound thread is
 * an m3k_proc in one slot, in the list of the /dev/m3ipc file it was bound through and, while
 * bound, in a table by struct pid that the thread-exit hook (m3k_exit.c) looks it up in.
 * Threads are named by struct pid, never by a number: numbers depend on the pid namespace and
 * are reused, a struct pid is one thread.
 *
 * Locking, outermost first (never taken in the other direction):
 *   m3k_sys_lock (mutex)   the VM array and the initialised flag;
 *   m3k_file.lock (mutex)  the bindings made through one open file;
 *   m3k_proc.lock (mutex)  a proc's IPC state; two procs are locked together by
 *                          m3k_lock_pair(), always the lower address first;
 *   m3k_vm.lock (spinlock) the slot table (lookups, bind, unbind); a leaf, never held while
 *                          sleeping or copying;
 *   m3k_pid_lock (spinlock, m3k_exit.c) the table by struct pid and the list of exited procs;
 *                          a leaf too, also taken by the exit hook with preemption off.
 * The proc mutexes are sleeping locks on purpose: copies between a user buffer and a proc's
 * message slot run while both parties are held and may fault pages in.
 *
 * References: a bound proc holds one reference for its slot and one for its file entry; a
 * sender queued on a receiver holds one on the receiver (send_to); every lookup takes its own.
 * Each proc holds one reference on its VM; the VM array holds one while the VM exists.
 */
#ifndef M3K_H
#define M3K_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/bitmap.h>
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/pid.h>
#include <linux/uidgid.h>
#include <linux/timer.h>
#include "m3ipc.h"
#include "m3ipc_uapi.h"

enum m3k_state {
	M3K_IDLE,
	M3K_SENDING,   /* queued on send_to->senders, message in msg */
	M3K_RECEIVING, /* waiting for a message from peer_ep (or ANY) into msg */
};

/*
 * Counters, kept on the proc that did the thing only (one atomic per event on the IPC path, no
 * shared line): a proc's are added to its VM's when it is freed, a VM's to m3k_total when it is
 * freed, and /proc adds the live ones up (m3k_procfs.c). Only atomic64_t fields.
 */
struct m3k_counters {
	atomic64_t sent, received, notifies, vcopies, bytes_copied;
};
#define M3K_NCOUNTERS (sizeof(struct m3k_counters) / sizeof(atomic64_t))
#define M3K_COUNT(p, field, n) atomic64_add(n, &(p)->count.field)

struct m3k_vm;
struct m3k_file;

struct m3k_proc {
	struct kref ref;
	struct mutex lock;
	wait_queue_head_t wq;
	struct m3k_vm *vm;
	struct list_head file_link; /* in m3k_file.procs, under m3k_file.lock */
	struct hlist_node pid_link; /* in the table by pid while bound, under m3k_pid_lock */
	struct list_head exit_link; /* queued for unbinding after its thread exited, same lock */
	struct pid *pid, *tgid;     /* referenced: its thread and process */
	struct mm_struct *mm;       /* mmgrab()ed: vcopy reaches it from other processes */
	int ep, p_nr;

	/* Under lock (and, for a queued sender, also its receiver's lock). */
	bool dead;
	enum m3k_state state;
	int peer_ep;
	bool done;                  /* the blocked call completed with result */
	int result;
	/*
	 * A blocked call survives a signal whose handler returns: the ioctl ends with -ERESTARTSYS,
	 * the call stays published, and the same call issued again (by the kernel's restart or the
	 * shim's retry on EINTR) resumes the wait with what is left of its deadline. in_call says
	 * whether a thread (the owner, or an unbinder cleaning up an abandoned call) owns it now;
	 * only that thread touches send_to. An unbinder takes an abandoned call only after
	 * setting dead, so an owner that finds its proc dead leaves the call alone.
	 */
	bool in_call;
	unsigned int call_cmd;      /* while state != M3K_IDLE: the call waiting (m3k_awaits_reply) */
	int call_ep;
	void __user *call_msg;
	ktime_t deadline;           /* CLOCK_MONOTONIC, unless forever */
	bool forever;
	/*
	 * The message slot. A waiting sender's message, m_source filled in, copied here by its own
	 * thread before it queues (a receiver copies it out into its own buffer). A waiting
	 * receiver's message (or notification, or sendrec reply), written by the sender under our
	 * lock while accepts() holds; once done, nobody writes it until our thread, waking in its
	 * own context, has copied it out into call_msg. Two copies, as a pipe, but no page pinned.
	 * The proc is kmalloc'ed, whose caches allow user copies (hardened usercopy); the copies
	 * have a constant size anyway, which that check skips.
	 */
	message msg;
	struct m3k_proc *send_to;   /* receiver we queued on (referenced), owned by our thread */
	struct list_head senders;   /* procs blocked sending to us, FIFO */
	struct list_head send_link;
	DECLARE_BITMAP(notify_pending, M3IPC_MAX_EPS);
	int notify_ep[M3IPC_MAX_EPS]; /* the notifier's endpoint: a later owner of its slot differs */

	/* Where its thread waits (m3k_note_waiter): whether a delivery may wake it later. */
	int wait_cpu;
	bool wait_pinned;
	/* A receiver our thread delivered to and will wake when it next blocks (m3k_wake_later.c):
	 * referenced; taken by xchg (the owner's next call, or an unbinder); the tick's bound
	 * (wake_timer) only wakes it. */
	struct m3k_proc *wake_later;
	struct timer_list wake_timer;
	struct rcu_head rcu; /* freed after a grace period: wake_timer may still wake it */

	struct m3k_counters count; /* what this proc did */
};

/* A sendrec's wait, queued or for the reply from peer_ep: it refuses notifications. Only
 * meaningful while p->state != M3K_IDLE (call_cmd is the published call's). */
static inline bool m3k_awaits_reply(const struct m3k_proc *p)
{
	return READ_ONCE(p->call_cmd) == M3K_IOC_SENDREC;
}

struct m3k_vm {
	struct kref ref;
	int vmid;
	kuid_t owner;  /* effective uid of its creator: it may end it (or CAP_SYS_ADMIN) */
	kgid_t group;  /* INVALID_GID, or a group whose members may bind into it too */
	spinlock_t lock;
	struct m3k_proc *slots[M3IPC_MAX_EPS];
	u8 generation[M3IPC_MAX_EPS];
	struct m3k_counters count; /* what its freed procs did */
};

struct m3k_file {
	struct mutex lock;
	struct list_head procs;
};

extern struct mutex m3k_sys_lock;
extern struct m3k_vm *m3k_vms[M3IPC_MAX_VMS];
extern bool m3k_initialised;
extern struct m3k_counters m3k_total; /* what freed VMs' procs did */
/* Objects allocated and not yet freed: both must be back to 0 once every file is closed and
 * every VM ended (a leak check the VM test reads from /proc/m3ipc/stats). */
extern atomic_t m3k_live_procs, m3k_live_vms;

/* m3k_table.c: system, VMs, binding and lookups. */
int m3k_drvs_init(int nodeid);
int m3k_drvs_end(void);
int m3k_end_all(void);
int m3k_vm_init(int vmid);
int m3k_vm_end(int vmid);
int m3k_vm_group(int vmid, u32 gid);
int m3k_bind(struct m3k_file *f, int vmid, int p_nr);
int m3k_unbind(struct m3k_file *f, int vmid, int ep);
void m3k_file_release(struct m3k_file *f);
void m3k_unbind_proc(struct m3k_proc *p, int own_err);
struct m3k_proc *m3k_caller(struct m3k_file *f);
struct m3k_proc *m3k_lookup(struct m3k_vm *vm, int ep);
bool m3k_bound(struct m3k_vm *vm, int ep);
int m3k_check_ep(int ep);
int m3k_getep(struct m3k_file *f, pid_t pid);
void m3k_proc_put(struct m3k_proc *p);
void m3k_lock_pair(struct m3k_proc *a, struct m3k_proc *b);
void m3k_unlock_pair(struct m3k_proc *a, struct m3k_proc *b);
void m3k_counters_add(u64 sum[M3K_NCOUNTERS], const struct m3k_counters *c);

/* m3k_ipc.c: rendezvous message passing. cmd: M3K_IOC_SEND, _SENDREC or _RECEIVE. *later: a
 * receiver the call delivered to and left for m3k_end_call to wake (m3k_wake_later.c). */
int m3k_call(struct m3k_proc *me, unsigned int cmd, int ep, void __user *msg, long timeout_ms,
	     struct m3k_proc **later);
int m3k_notify(struct m3k_proc *me, int dst, struct m3k_proc **later);
void m3k_wake(struct m3k_proc *p, int result);
int m3k_finish_call(struct m3k_proc *me, int why);

/* m3k_wake_later.c: a delivery to a receiver pinned to our CPU wakes it when we next block. */
void m3k_wake_later_init(struct m3k_proc *p);
void m3k_note_waiter(struct m3k_proc *p);
bool m3k_may_wake_later(const struct m3k_proc *dst);
void m3k_wake_deferred(struct m3k_proc *me);
void m3k_end_call(struct m3k_proc *me, struct m3k_proc *later);
void m3k_wake_later_release(struct m3k_proc *p);

/* m3k_vcopy.c */
int m3k_vcopy(struct m3k_proc *me, int src_ep, unsigned long src, int dst_ep, unsigned long dst,
	      u64 len);

/* m3k_perm.c: who may do what (m3ipc.h, "Permissions"). */
bool m3k_may_bind(const struct m3k_vm *vm);
bool m3k_may_own(const struct m3k_vm *vm);
bool m3k_may_group(const struct m3k_vm *vm, kgid_t group);
bool m3k_may_ptrace(const struct m3k_proc *p);

/* m3k_exit.c: a thread that exits while bound is unbound (from a workqueue: the hook cannot
 * sleep). track/untrack enter and leave the table by pid at bind and unbind. */
int m3k_exit_hook_init(void);
void m3k_exit_hook_exit(void);
void m3k_track(struct m3k_proc *p);
void m3k_untrack(struct m3k_proc *p);

/* m3k_procfs.c */
int m3k_procfs_init(void);
void m3k_procfs_exit(void);

#endif /* M3K_H */
