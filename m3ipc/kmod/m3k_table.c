// SPDX-License-Identifier: GPL-2.0
/*
 * The system, its VMs and their slot tables: init/end, bind/unbind, endpoint lookup, and the
 * implicit unbind of a thread whose file is closed (process exit), whose thread exits
 * (m3k_exit.c) or whose VM ends. Permissions: m3k_perm.c.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include "m3k.h"

DEFINE_MUTEX(m3k_sys_lock);
struct m3k_vm *m3k_vms[M3IPC_MAX_VMS];
bool m3k_initialised;
struct m3k_counters m3k_total;
atomic_t m3k_live_procs = ATOMIC_INIT(0), m3k_live_vms = ATOMIC_INIT(0);

/* Adds c to sum, field by field. */
void m3k_counters_add(u64 sum[M3K_NCOUNTERS], const struct m3k_counters *c)
{
	const atomic64_t *v = (const atomic64_t *)c;
	size_t i;

	for (i = 0; i < M3K_NCOUNTERS; i++)
		sum[i] += atomic64_read(&v[i]);
}

/* Folds the counts of a freed proc or VM into its parent's (see struct m3k_counters). */
static void counters_fold(struct m3k_counters *to, const struct m3k_counters *from)
{
	atomic64_t *t = (atomic64_t *)to;
	const atomic64_t *f = (const atomic64_t *)from;
	size_t i;

	for (i = 0; i < M3K_NCOUNTERS; i++)
		atomic64_add(atomic64_read(&f[i]), &t[i]);
}

static void vm_release(struct kref *ref)
{
	struct m3k_vm *vm = container_of(ref, struct m3k_vm, ref);

	counters_fold(&m3k_total, &vm->count);
	atomic_dec(&m3k_live_vms);
	kfree(vm);
}

static void proc_release(struct kref *ref)
{
	struct m3k_proc *p = container_of(ref, struct m3k_proc, ref);

	m3k_wake_later_release(p);
	WARN_ON(p->state != M3K_IDLE || p->send_to || !list_empty(&p->senders) ||
		!hlist_unhashed(&p->pid_link) || !list_empty(&p->exit_link));
	put_pid(p->pid);
	put_pid(p->tgid);
	mmdrop(p->mm);
	counters_fold(&p->vm->count, &p->count);
	kref_put(&p->vm->ref, vm_release);
	atomic_dec(&m3k_live_procs);
	kfree_rcu(p, rcu);
}

void m3k_proc_put(struct m3k_proc *p)
{
	kref_put(&p->ref, proc_release);
}

/* Two procs are always locked lower address first, so concurrent pairs cannot deadlock. */
void m3k_lock_pair(struct m3k_proc *a, struct m3k_proc *b)
{
	if (a == b) {
		mutex_lock(&a->lock);
		return;
	}
	if (a > b)
		swap(a, b);
	mutex_lock(&a->lock);
	mutex_lock_nested(&b->lock, SINGLE_DEPTH_NESTING);
}

void m3k_unlock_pair(struct m3k_proc *a, struct m3k_proc *b)
{
	if (a != b)
		mutex_unlock(&b->lock);
	mutex_unlock(&a->lock);
}

int m3k_check_ep(int ep)
{
	return ep >= 0 && ep < M3IPC_EP_LIMIT ? 0 : EMOLENDPOINT;
}

/* The proc bound to ep in vm, NULL if the endpoint is stale or unbound; vm->lock held. */
static struct m3k_proc *bound_to(struct m3k_vm *vm, int ep)
{
	struct m3k_proc *p = vm->slots[_ENDPOINT_P(ep)];

	return p && p->ep == ep ? p : NULL;
}

/* The proc bound to ep in vm, referenced; NULL if the endpoint is stale or unbound. */
struct m3k_proc *m3k_lookup(struct m3k_vm *vm, int ep)
{
	struct m3k_proc *p;

	spin_lock(&vm->lock);
	p = bound_to(vm, ep);
	if (p)
		kref_get(&p->ref);
	spin_unlock(&vm->lock);
	return p;
}

/* Whether ep is bound in vm now: a check, with no reference to take and drop. */
bool m3k_bound(struct m3k_vm *vm, int ep)
{
	bool bound;

	spin_lock(&vm->lock);
	bound = bound_to(vm, ep);
	spin_unlock(&vm->lock);
	return bound;
}

/* The calling thread's live binding through this file, referenced, or NULL. */
struct m3k_proc *m3k_caller(struct m3k_file *f)
{
	struct m3k_proc *p, *found = NULL;

	mutex_lock(&f->lock);
	list_for_each_entry(p, &f->procs, file_link) {
		if (p->pid == task_pid(current) && !READ_ONCE(p->dead)) {
			kref_get(&p->ref);
			found = p;
			break;
		}
	}
	mutex_unlock(&f->lock);
	return found;
}

/* Collects (referenced) the live procs of a VM into out[]; returns how many. */
static int vm_snapshot(struct m3k_vm *vm, struct m3k_proc **out)
{
	int i, n = 0;

	spin_lock(&vm->lock);
	for (i = 0; i < M3IPC_MAX_EPS; i++) {
		if (vm->slots[i]) {
			kref_get(&vm->slots[i]->ref);
			out[n++] = vm->slots[i];
		}
	}
	spin_unlock(&vm->lock);
	return n;
}

/*
 * Unbinds p: frees its slot (its endpoint goes stale at once), then wakes everyone waiting on
 * it with the dead-peer errors, and p's own blocked thread (if another thread or vm_end
 * unbinds it) with own_err; its undelivered notifications vanish. Takes no lock on entry.
 */
void m3k_unbind_proc(struct m3k_proc *p, int own_err)
{
	struct m3k_vm *vm = p->vm;
	struct m3k_proc **peers;
	bool had_slot, abandoned;
	int i, n;

	spin_lock(&vm->lock);
	had_slot = vm->slots[p->p_nr] == p;
	if (had_slot)
		vm->slots[p->p_nr] = NULL;
	spin_unlock(&vm->lock);
	if (!had_slot)
		return; /* someone else unbinds it */
	m3k_untrack(p);

	mutex_lock(&p->lock);
	WRITE_ONCE(p->dead, true);
	/* A call that a signal left published and nobody resumed is ended here; one whose thread
	 * waits is woken and ends it itself. dead is set first, in the same section: the thread's
	 * own resume (resume_pending) then sees it and keeps off the call we finish. */
	abandoned = p->state != M3K_IDLE && !p->in_call;
	if (abandoned)
		p->in_call = true;
	else if (p->state != M3K_IDLE)
		m3k_wake(p, own_err);
	/* Senders queued on p: no new ones can come (p is dead), so drain the queue. */
	while (!list_empty(&p->senders)) {
		struct m3k_proc *s = list_first_entry(&p->senders, struct m3k_proc, send_link);

		kref_get(&s->ref);
		mutex_unlock(&p->lock);
		m3k_lock_pair(p, s);
		if (s->send_to == p && !list_empty(&s->send_link)) {
			list_del_init(&s->send_link);
			m3k_wake(s, EMOLDSTDIED);
		}
		m3k_unlock_pair(p, s);
		m3k_proc_put(s);
		mutex_lock(&p->lock);
	}
	mutex_unlock(&p->lock);
	if (abandoned)
		m3k_finish_call(p, own_err);
	m3k_wake_deferred(p); /* its thread may never call again */

	/* Receivers waiting for p specifically (a receive from p, or the reply of a sendrec), and
	 * p's pending notifications (not a later owner's of its slot: another endpoint). A notify
	 * of p racing with this sees p dead under r's lock and sets none (m3k_notify). */
	peers = kmalloc_array(M3IPC_MAX_EPS, sizeof(*peers), GFP_KERNEL | __GFP_NOFAIL);
	n = vm_snapshot(vm, peers);
	for (i = 0; i < n; i++) {
		struct m3k_proc *r = peers[i];

		mutex_lock(&r->lock);
		if (r->state == M3K_RECEIVING && r->peer_ep == p->ep && !r->done)
			m3k_wake(r, EMOLSRCDIED);
		if (r->notify_ep[p->p_nr] == p->ep)
			clear_bit(p->p_nr, r->notify_pending);
		mutex_unlock(&r->lock);
		m3k_proc_put(r);
	}
	kfree(peers);
	m3k_proc_put(p); /* the slot's reference */
}

int m3k_drvs_init(int nodeid)
{
	if (nodeid < 0 || nodeid > M3IPC_MAX_NODEID)
		return EMOLINVAL;
	mutex_lock(&m3k_sys_lock);
	m3k_initialised = true;
	mutex_unlock(&m3k_sys_lock);
	return 0;
}

static struct m3k_vm *vm_take(int vmid)
{
	struct m3k_vm *vm = m3k_vms[vmid];

	m3k_vms[vmid] = NULL;
	return vm;
}

/* Ends a VM already removed from the array: unbinds every proc, drops the array's reference. */
static void vm_destroy(struct m3k_vm *vm)
{
	struct m3k_proc **procs = kmalloc_array(M3IPC_MAX_EPS, sizeof(*procs), GFP_KERNEL | __GFP_NOFAIL);
	int i, n = vm_snapshot(vm, procs);

	for (i = 0; i < n; i++) {
		m3k_unbind_proc(procs[i], EMOLINTR);
		m3k_proc_put(procs[i]);
	}
	kfree(procs);
	kref_put(&vm->ref, vm_release);
}

/* Ends every VM, without asking who: the ioctl (m3k_drvs_end) and the module's unloading. */
int m3k_end_all(void)
{
	struct m3k_vm *ended[M3IPC_MAX_VMS];
	int i;

	mutex_lock(&m3k_sys_lock);
	if (!m3k_initialised) {
		mutex_unlock(&m3k_sys_lock);
		return EMOLNOTINIT;
	}
	for (i = 0; i < M3IPC_MAX_VMS; i++)
		ended[i] = vm_take(i);
	m3k_initialised = false;
	mutex_unlock(&m3k_sys_lock);
	for (i = 0; i < M3IPC_MAX_VMS; i++)
		if (ended[i])
			vm_destroy(ended[i]);
	return 0;
}

/* Everyone's VMs: the machine's administrator only. */
int m3k_drvs_end(void)
{
	return capable(CAP_SYS_ADMIN) ? m3k_end_all() : EMOLPRIVILEGES;
}

/* A free id for a new VM (vmid, or the lowest free one for M3IPC_ANY_VM); m3k_sys_lock held. */
static int free_vmid(int vmid)
{
	if (vmid != M3IPC_ANY_VM)
		return m3k_vms[vmid] ? EMOLVMEXIST : vmid;
	for (vmid = 0; vmid < M3IPC_MAX_VMS; vmid++)
		if (!m3k_vms[vmid])
			return vmid;
	return EMOLBUSY;
}

int m3k_vm_init(int vmid)
{
	struct m3k_vm *vm;
	int ret;

	if (vmid != M3IPC_ANY_VM && (vmid < 0 || vmid >= M3IPC_MAX_VMS))
		return EMOLBADVMID;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return EMOLNOMEM;
	kref_init(&vm->ref);
	spin_lock_init(&vm->lock);
	vm->owner = current_euid();
	vm->group = INVALID_GID;
	atomic_inc(&m3k_live_vms);
	mutex_lock(&m3k_sys_lock);
	ret = m3k_initialised ? free_vmid(vmid) : EMOLNOTINIT;
	if (ret >= 0) {
		vm->vmid = ret;
		m3k_vms[ret] = vm;
	}
	mutex_unlock(&m3k_sys_lock);
	if (ret < 0)
		kref_put(&vm->ref, vm_release);
	return ret;
}

/* The VM vmid, with m3k_sys_lock held, or why not (the lock is then released). */
static struct m3k_vm *vm_locked(int vmid, int *err)
{
	*err = vmid < 0 || vmid >= M3IPC_MAX_VMS ? EMOLBADVMID : 0;
	if (*err)
		return NULL;
	mutex_lock(&m3k_sys_lock);
	*err = !m3k_initialised ? EMOLNOTINIT : !m3k_vms[vmid] ? EMOLBADVMID : 0;
	if (!*err)
		return m3k_vms[vmid];
	mutex_unlock(&m3k_sys_lock);
	return NULL;
}

int m3k_vm_end(int vmid)
{
	int err;
	struct m3k_vm *vm = vm_locked(vmid, &err);

	if (!vm)
		return err;
	if (m3k_may_own(vm))
		vm_take(vmid);
	else
		vm = NULL;
	mutex_unlock(&m3k_sys_lock);
	if (!vm)
		return EMOLPRIVILEGES;
	vm_destroy(vm);
	return 0;
}

/* gid as the caller's user namespace numbers it; (u32)-1 drops the group (who may:
 * m3k_may_group). Already bound members stay bound. */
int m3k_vm_group(int vmid, u32 gid)
{
	kgid_t group = gid == (u32)-1 ? INVALID_GID : make_kgid(current_user_ns(), gid);
	int err;
	struct m3k_vm *vm;

	if (gid != (u32)-1 && !gid_valid(group))
		return EMOLINVAL;
	vm = vm_locked(vmid, &err);
	if (!vm)
		return err;
	if (m3k_may_group(vm, group))
		vm->group = group;
	else
		err = EMOLPRIVILEGES;
	mutex_unlock(&m3k_sys_lock);
	return err;
}

/* Drops the file's entries whose binding is gone (VM ended, thread exited), so that a process
 * whose threads come and go does not pile them up until it closes the file. */
static void prune_dead(struct m3k_file *f)
{
	struct m3k_proc *p, *tmp;

	list_for_each_entry_safe(p, tmp, &f->procs, file_link) {
		if (READ_ONCE(p->dead)) {
			list_del_init(&p->file_link);
			m3k_proc_put(p);
		}
	}
}

static struct m3k_proc *proc_new(struct m3k_vm *vm)
{
	struct m3k_proc *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return NULL;
	kref_init(&p->ref); /* the file's reference; the slot takes a second */
	mutex_init(&p->lock);
	init_waitqueue_head(&p->wq);
	m3k_wake_later_init(p);
	INIT_LIST_HEAD(&p->senders);
	INIT_LIST_HEAD(&p->send_link);
	INIT_HLIST_NODE(&p->pid_link);
	INIT_LIST_HEAD(&p->exit_link);
	p->pid = get_pid(task_pid(current));
	p->tgid = get_pid(task_tgid(current));
	p->mm = current->mm;
	mmgrab(p->mm);
	kref_get(&vm->ref);
	p->vm = vm;
	atomic_inc(&m3k_live_procs);
	return p;
}

/* Puts p into slot p_nr (or the lowest free one); returns the new endpoint or an error. */
static int vm_place(struct m3k_vm *vm, struct m3k_proc *p, int p_nr)
{
	int i, err = 0;

	spin_lock(&vm->lock);
	if (p_nr == M3IPC_ANY_SLOT) {
		for (i = 0; i < M3IPC_MAX_EPS && vm->slots[i]; i++)
			;
		p_nr = i;
	}
	if (p_nr >= M3IPC_MAX_EPS || vm->slots[p_nr]) {
		err = EMOLBUSY;
	} else {
		vm->generation[p_nr] = (vm->generation[p_nr] + 1) % M3IPC_EP_GENERATIONS;
		p->p_nr = p_nr;
		p->ep = _ENDPOINT(vm->generation[p_nr], p_nr);
		kref_get(&p->ref);
		vm->slots[p_nr] = p;
	}
	spin_unlock(&vm->lock);
	return err ? err : p->ep;
}

int m3k_bind(struct m3k_file *f, int vmid, int p_nr)
{
	struct m3k_proc *p, *mine;
	struct m3k_vm *vm;
	int ret;

	if (vmid < 0 || vmid >= M3IPC_MAX_VMS)
		return EMOLBADVMID;
	if (p_nr != M3IPC_ANY_SLOT && (p_nr < 0 || p_nr >= M3IPC_MAX_EPS))
		return EMOLENDPOINT;
	if (!current->mm)
		return EMOLINVAL;
	vm = vm_locked(vmid, &ret);
	if (!vm)
		return ret;
	if (!m3k_may_bind(vm)) {
		mutex_unlock(&m3k_sys_lock);
		return EMOLPRIVILEGES;
	}
	p = proc_new(vm);
	if (!p) {
		mutex_unlock(&m3k_sys_lock);
		return EMOLNOMEM;
	}
	mutex_lock(&f->lock);
	prune_dead(f);
	list_for_each_entry(mine, &f->procs, file_link)
		if (mine->pid == p->pid)
			ret = EMOLBUSY; /* one endpoint per thread */
	if (!ret)
		ret = vm_place(vm, p, p_nr);
	if (ret >= 0) {
		list_add(&p->file_link, &f->procs);
		m3k_track(p);
	}
	mutex_unlock(&f->lock);
	mutex_unlock(&m3k_sys_lock);
	if (ret < 0)
		m3k_proc_put(p);
	return ret;
}

int m3k_unbind(struct m3k_file *f, int vmid, int ep)
{
	struct m3k_proc *me = m3k_caller(f);
	int err = 0;

	if (!me)
		return EMOLNOTBIND;
	if (vmid != me->vm->vmid)
		err = EMOLBADVMID;
	else if (ep != SELF && ep != me->ep)
		err = EMOLENDPOINT; /* a thread can only unbind itself */
	if (!err) {
		m3k_unbind_proc(me, EMOLINTR);
		/* Now dead: another thread's bind may have pruned it from the file already. */
		mutex_lock(&f->lock);
		if (!list_empty(&me->file_link)) {
			list_del_init(&me->file_link);
			m3k_proc_put(me); /* the file's reference */
		}
		mutex_unlock(&f->lock);
	}
	m3k_proc_put(me);
	return err;
}

/* The file is closed (explicitly or by the process's exit): unbind all its threads. */
void m3k_file_release(struct m3k_file *f)
{
	struct m3k_proc *p, *tmp;

	list_for_each_entry_safe(p, tmp, &f->procs, file_link) {
		m3k_unbind_proc(p, EMOLINTR);
		list_del(&p->file_link);
		m3k_proc_put(p);
	}
}

/* pid as the caller's pid namespace numbers it: a thread (its binding) or a process (the first
 * binding of one of its threads); a pid the caller cannot see is not bound for it. */
int m3k_getep(struct m3k_file *f, pid_t pid)
{
	struct m3k_proc *me = m3k_caller(f);
	struct m3k_proc *q;
	struct pid *want;
	int i, ep = EMOLNOTBIND;

	if (!me)
		return EMOLNOTBIND;
	if (pid == SELF) {
		ep = me->ep;
	} else if (pid > 0 && (want = find_get_pid(pid))) {
		spin_lock(&me->vm->lock);
		for (i = 0; i < M3IPC_MAX_EPS; i++) {
			q = me->vm->slots[i];
			if (q && (q->pid == want || q->tgid == want)) {
				ep = q->ep;
				break;
			}
		}
		spin_unlock(&me->vm->lock);
		put_pid(want);
	}
	m3k_proc_put(me);
	return ep;
}
