// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/m3ipc/: the state, like the paper's /proc integration.
 *   stats  system-wide counters;  vms  one line per VM;  procs  one line per bound endpoint.
 * Ids are the reader's: uids/gids of its user namespace, tids/pids of its pid namespace (0 for
 * a thread it cannot see).
 */
#include <linux/cred.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "m3k.h"

static struct proc_dir_entry *m3k_dir;

/* c: sums of struct m3k_counters, in its order. */
static void show_counters(struct seq_file *m, const u64 c[M3K_NCOUNTERS])
{
	BUILD_BUG_ON(M3K_NCOUNTERS != 5);
	seq_printf(m, "sent=%llu received=%llu notifies=%llu vcopies=%llu bytes_copied=%llu",
		   c[0], c[1], c[2], c[3], c[4]);
}

/*
 * Adds up what vm's procs did: the freed ones' counts were folded into vm->count, the bound
 * ones keep their own (struct m3k_counters); vm->lock held. A proc unbound and not yet freed is
 * in neither for that while.
 */
static void vm_counters(const struct m3k_vm *vm, u64 sum[M3K_NCOUNTERS])
{
	int i;

	m3k_counters_add(sum, &vm->count);
	for (i = 0; i < M3IPC_MAX_EPS; i++)
		if (vm->slots[i])
			m3k_counters_add(sum, &vm->slots[i]->count);
}

static int stats_show(struct seq_file *m, void *v)
{
	u64 sum[M3K_NCOUNTERS] = { 0 };
	int i;

	/* Freed VMs', then the live ones' (an ended VM not yet freed is in neither meanwhile). */
	mutex_lock(&m3k_sys_lock);
	m3k_counters_add(sum, &m3k_total);
	for (i = 0; i < M3IPC_MAX_VMS; i++) {
		struct m3k_vm *vm = m3k_vms[i];

		if (!vm)
			continue;
		spin_lock(&vm->lock);
		vm_counters(vm, sum);
		spin_unlock(&vm->lock);
	}
	mutex_unlock(&m3k_sys_lock);
	seq_printf(m, "initialised=%d live_vms=%d live_procs=%d ", READ_ONCE(m3k_initialised),
		   atomic_read(&m3k_live_vms), atomic_read(&m3k_live_procs));
	show_counters(m, sum);
	seq_putc(m, '\n');
	return 0;
}

static int vm_bound(struct m3k_vm *vm)
{
	int i, n = 0;

	for (i = 0; i < M3IPC_MAX_EPS; i++)
		n += vm->slots[i] != NULL;
	return n;
}

static int vms_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&m3k_sys_lock);
	for (i = 0; i < M3IPC_MAX_VMS; i++) {
		struct m3k_vm *vm = m3k_vms[i];
		u64 sum[M3K_NCOUNTERS] = { 0 };

		if (!vm)
			continue;
		spin_lock(&vm->lock);
		seq_printf(m, "vmid=%d owner=%u group=%d endpoints=%d ", vm->vmid,
			   from_kuid_munged(seq_user_ns(m), vm->owner),
			   gid_valid(vm->group) ? (int)from_kgid_munged(seq_user_ns(m), vm->group) : -1,
			   vm_bound(vm));
		vm_counters(vm, sum);
		spin_unlock(&vm->lock);
		show_counters(m, sum);
		seq_putc(m, '\n');
	}
	mutex_unlock(&m3k_sys_lock);
	return 0;
}

static const char *state_name(const struct m3k_proc *p)
{
	switch (READ_ONCE(p->state)) {
	case M3K_SENDING:
		return "SENDING";
	case M3K_RECEIVING:
		return m3k_awaits_reply(p) ? "REPLY_WAIT" : "RECEIVING";
	default:
		return "IDLE";
	}
}

static int procs_show(struct seq_file *m, void *v)
{
	int i, s;
	u64 sum[M3K_NCOUNTERS];

	mutex_lock(&m3k_sys_lock);
	for (i = 0; i < M3IPC_MAX_VMS; i++) {
		struct m3k_vm *vm = m3k_vms[i];

		if (!vm)
			continue;
		spin_lock(&vm->lock);
		for (s = 0; s < M3IPC_MAX_EPS; s++) {
			struct m3k_proc *p = vm->slots[s];

			if (!p)
				continue;
			/* Racy snapshot of the flags on purpose: a status view must not block IPC. */
			seq_printf(m, "vmid=%d ep=%d p_nr=%d tid=%d pid=%d state=%s peer=%d notify_pending=%*pbl ",
				   vm->vmid, p->ep, p->p_nr, pid_vnr(p->pid), pid_vnr(p->tgid), state_name(p),
				   READ_ONCE(p->peer_ep), M3IPC_MAX_EPS, p->notify_pending);
			memset(sum, 0, sizeof(sum));
			m3k_counters_add(sum, &p->count);
			show_counters(m, sum);
			seq_putc(m, '\n');
		}
		spin_unlock(&vm->lock);
	}
	mutex_unlock(&m3k_sys_lock);
	return 0;
}

int m3k_procfs_init(void)
{
	m3k_dir = proc_mkdir("m3ipc", NULL);
	if (!m3k_dir)
		return -ENOMEM;
	if (!proc_create_single("stats", 0444, m3k_dir, stats_show) ||
	    !proc_create_single("vms", 0444, m3k_dir, vms_show) ||
	    !proc_create_single("procs", 0444, m3k_dir, procs_show)) {
		proc_remove(m3k_dir);
		return -ENOMEM;
	}
	return 0;
}

void m3k_procfs_exit(void)
{
	proc_remove(m3k_dir);
}
