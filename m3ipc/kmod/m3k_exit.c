// SPDX-License-Identifier: GPL-2.0
/*
 * Unbinding a thread that exits while its process lives. Closing the file only covers the whole
 * process; without this a thread's binding outlived it and its peers waited on a dead thread.
 * The kernel offers modules no exit notifier, so a probe on the sched_process_exit tracepoint
 * (every task's exit, in the exiting task) looks the task up in a table of bound procs keyed by
 * struct pid. Probes run with preemption off, so it only queues the procs it finds; a work item
 * unbinds them (peers blocked on them get EMOLSRCDIED / EMOLDSTDIED as for a dead process).
 */
#include <linux/hashtable.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/version.h>
#include <linux/workqueue.h>
#include "m3k.h"

static DEFINE_SPINLOCK(m3k_pid_lock);
static DEFINE_HASHTABLE(by_pid, 8);
static LIST_HEAD(exited);      /* procs whose thread exited, referenced, for the work item */
static atomic_t tracked;       /* procs in by_pid: most exits in the system find none */
static struct tracepoint *exit_tp;
static struct workqueue_struct *exit_wq; /* ours: destroying it at unload waits for the work */

static void unbind_exited(struct work_struct *work)
{
	struct m3k_proc *p;

	for (;;) {
		spin_lock(&m3k_pid_lock);
		p = list_first_entry_or_null(&exited, struct m3k_proc, exit_link);
		if (p)
			list_del_init(&p->exit_link);
		spin_unlock(&m3k_pid_lock);
		if (!p)
			return;
		m3k_unbind_proc(p, EMOLINTR);
		m3k_proc_put(p);
	}
}

static DECLARE_WORK(exit_work, unbind_exited);

/* The tracepoint's prototype gained group_dead in 6.16; a probe must match it exactly (kCFI). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 16, 0)
static void on_task_exit(void *data, struct task_struct *task, bool group_dead)
#else
static void on_task_exit(void *data, struct task_struct *task)
#endif
{
	struct pid *pid = task_pid(task);
	struct m3k_proc *p;
	bool found = false;

	if (!atomic_read(&tracked))
		return;
	spin_lock(&m3k_pid_lock);
	hash_for_each_possible(by_pid, p, pid_link, (unsigned long)pid) {
		if (p->pid == pid && list_empty(&p->exit_link)) {
			kref_get(&p->ref);
			list_add_tail(&p->exit_link, &exited);
			found = true;
		}
	}
	spin_unlock(&m3k_pid_lock);
	if (found)
		queue_work(exit_wq, &exit_work);
}

void m3k_track(struct m3k_proc *p)
{
	spin_lock(&m3k_pid_lock);
	hash_add(by_pid, &p->pid_link, (unsigned long)p->pid);
	atomic_inc(&tracked);
	spin_unlock(&m3k_pid_lock);
}

void m3k_untrack(struct m3k_proc *p)
{
	spin_lock(&m3k_pid_lock);
	if (!hlist_unhashed(&p->pid_link)) {
		hash_del(&p->pid_link);
		atomic_dec(&tracked);
	}
	spin_unlock(&m3k_pid_lock);
}

static void find_exit_tp(struct tracepoint *tp, void *unused)
{
	if (strcmp(tp->name, "sched_process_exit") == 0)
		exit_tp = tp;
}

int m3k_exit_hook_init(void)
{
	int err;

	for_each_kernel_tracepoint(find_exit_tp, NULL);
	if (!exit_tp) {
		pr_err("m3ipc: no sched_process_exit tracepoint: cannot unbind exiting threads\n");
		return -ENOENT;
	}
	exit_wq = alloc_workqueue("m3ipc_exit", WQ_UNBOUND, 0);
	if (!exit_wq)
		return -ENOMEM;
	err = tracepoint_probe_register(exit_tp, (void *)on_task_exit, NULL);
	if (err)
		destroy_workqueue(exit_wq);
	return err;
}

/* After this no probe runs and no unbinding is pending. */
void m3k_exit_hook_exit(void)
{
	tracepoint_probe_unregister(exit_tp, (void *)on_task_exit, NULL);
	tracepoint_synchronize_unregister();
	destroy_workqueue(exit_wq);
}
