// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what on a shared machine (m3ipc.h, "Permissions"): a VM belongs to the effective
 * user that made it and optionally to a group; CAP_SYS_ADMIN (in the initial user namespace: a
 * container's root is not the machine's) may do anything to any VM.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/coredump.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
#include <linux/sched/exec_state.h>
#endif
#include "m3k.h"

/* The uid test first: capable() audits (and marks the task privileged) only when it is used. */
bool m3k_may_own(const struct m3k_vm *vm)
{
	return uid_eq(current_euid(), vm->owner) || capable(CAP_SYS_ADMIN);
}

bool m3k_may_bind(const struct m3k_vm *vm)
{
	return uid_eq(current_euid(), vm->owner) ||
	       (gid_valid(vm->group) && in_egroup_p(vm->group)) || capable(CAP_SYS_ADMIN);
}

/* Like chgrp: the owner, to a group it belongs to (or none), or CAP_SYS_ADMIN. */
bool m3k_may_group(const struct m3k_vm *vm, kgid_t group)
{
	return (uid_eq(current_euid(), vm->owner) && (!gid_valid(group) || in_egroup_p(group))) ||
	       capable(CAP_SYS_ADMIN);
}

/*
 * ptrace's dumpability rule: a task that is not dumpable by its owner (setuid, PR_SET_DUMPABLE 0)
 * needs CAP_SYS_PTRACE over the user namespace it was made dumpable in. Since 7.2 both live in
 * the task (task_exec_state), before in its mm; 6.12 has the mm's (the first release with the
 * task's is not known here: a kernel in between that has it fails to build, visibly).
 */
static bool dumpable_for(struct task_struct *task, const struct m3k_proc *p)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 2, 0)
	struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ok = es->dumpable == TASK_DUMPABLE_OWNER || ns_capable(es->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	return ok;
#else
	return get_dumpable(p->mm) == SUID_DUMP_USER || ns_capable(p->mm->user_ns, CAP_SYS_PTRACE);
#endif
}

/*
 * May the caller reach p's memory? The rule of ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS),
 * which the kernel does not export to modules: the same thread group; else the caller's real
 * uid and gid equal all of p's uids and gids, or the caller has CAP_SYS_PTRACE over p's user
 * namespace; and a non-dumpable p (setuid, PR_SET_DUMPABLE 0) needs CAP_SYS_PTRACE over its
 * mm's namespace. The LSM ptrace hook (Yama's relationship rule) is not consulted: p consented
 * by binding into the VM and blocking in a receive, as the simulator's PR_SET_PTRACER_ANY says.
 */
bool m3k_may_ptrace(const struct m3k_proc *p)
{
	struct task_struct *task = get_pid_task(p->pid, PIDTYPE_PID);
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	if (!task)
		return false;
	if (same_thread_group(task, current)) {
		put_task_struct(task);
		return true;
	}
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = (uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
	      uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
	      gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid)) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	ok = ok && dumpable_for(task, p);
	put_task_struct(task);
	return ok;
}
