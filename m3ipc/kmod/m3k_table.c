// SPDX-License-Identifier: GPL-2.0
/*
 * The system, its VMs and their slot tables: init/end, bind/unbind, endpoint lookup, and the
 * implicit unbind of a thread whose file is closed (process exit) or whose VM ends.
 */
#include <linux/slab.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include "m3k.h"

DEFINE_MUTEX(m3k_sys_lock);
struct m3k_vm *m3k_vms[M3IPC_MAX_VMS];
bool m3k_initialised;
struct m3k_counters m3k_total;
atomic_t m3k_live_procs = ATOMIC_INIT(0), m3k_live_vms = ATOMIC_INIT(0);

static void vm_release(struct kref *ref)
{
	atomic_dec(&m3k_live_vms);
	kfree(container_of(ref, struct m3k_vm, ref));
}

static void proc_release(struct kref *ref)
{
	struct m3k_proc *p = container_of(ref, struct m3k_proc, ref);

	WARN_ON(p->state != M3K_IDLE || p->buf.npages || p->send_to || !list_empty(&p->senders));
	mmdrop(p->mm);
	kref_put(&p->vm->ref, vm_release);
	atomic_dec(&m3k_live_procs);
	kfree(p);
}

void m3k_proc_put(struct m3k_proc *p)
{
	kref_put(&p->ref, proc_release);
}

/* Counts on the proc, its VM and the whole system (what /proc/m3ipc shows). */
void m3k_count(struct m3k_proc *p, size_t field, u64 n)
{
	atomic64_add(n, (atomic64_t *)((char *)&p->count + field));
	atomic64_add(n, (atomic64_t *)((char *)&p->vm->count + field));
	atomic64_add(n, (atomic64_t *)((char *)&m3k_total + field));
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

/* The proc bound to ep in vm, referenced; NULL if the endpoint is stale or unbound. */
struct m3k_proc *m3k_lookup(struct m3k_vm *vm, int ep)
{
	struct m3k_proc *p;

	spin_lock(&vm->lock);
	p = vm->slots[_ENDPOINT_P(ep)];
	if (p && p->ep == ep)
		kref_get(&p->ref);
	else
		p = NULL;
	spin_unlock(&vm->lock);
	return p;
}

/* The calling thread's live binding through this file, referenced, or NULL. */
struct m3k_proc *m3k_caller(struct m3k_file *f)
{
	struct m3k_proc *p, *found = NULL;

	mutex_lock(&f->lock);
	list_for_each_entry(p, &f->procs, file_link) {
		if (p->tid == current->pid && !READ_ONCE(p->dead)) {
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
 * unbinds it) with own_err. Takes no lock on entry.
 */
static void unbind_proc(struct m3k_proc *p, int own_err)
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

	mutex_lock(&p->lock);
	WRITE_ONCE(p->dead, true);
	/* A call that a signal left published and nobody resumed is ended here; one whose thread
	 * waits is woken and ends it itself. */
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

	/* Receivers waiting for p specifically (a receive from p, or the reply of a sendrec). */
	peers = kmalloc_array(M3IPC_MAX_EPS, sizeof(*peers), GFP_KERNEL | __GFP_NOFAIL);
	n = vm_snapshot(vm, peers);
	for (i = 0; i < n; i++) {
		struct m3k_proc *r = peers[i];

		mutex_lock(&r->lock);
		if (r->state == M3K_RECEIVING && r->peer_ep == p->ep && !r->done)
			m3k_wake(r, EMOLSRCDIED);
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
		unbind_proc(procs[i], EMOLINTR);
		m3k_proc_put(procs[i]);
	}
	kfree(procs);
	kref_put(&vm->ref, vm_release);
}

int m3k_drvs_end(void)
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

int m3k_vm_init(int vmid)
{
	struct m3k_vm *vm;
	int err = 0;

	if (vmid < 0 || vmid >= M3IPC_MAX_VMS)
		return EMOLBADVMID;
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return EMOLNOMEM;
	kref_init(&vm->ref);
	spin_lock_init(&vm->lock);
	vm->vmid = vmid;
	atomic_inc(&m3k_live_vms);
	mutex_lock(&m3k_sys_lock);
	if (!m3k_initialised)
		err = EMOLNOTINIT;
	else if (m3k_vms[vmid])
		err = EMOLVMEXIST;
	else
		m3k_vms[vmid] = vm;
	mutex_unlock(&m3k_sys_lock);
	if (err)
		kref_put(&vm->ref, vm_release);
	return err ? err : vmid;
}

int m3k_vm_end(int vmid)
{
	struct m3k_vm *vm = NULL;
	int err = 0;

	if (vmid < 0 || vmid >= M3IPC_MAX_VMS)
		return EMOLBADVMID;
	mutex_lock(&m3k_sys_lock);
	if (!m3k_initialised)
		err = EMOLNOTINIT;
	else if (!m3k_vms[vmid])
		err = EMOLBADVMID;
	else
		vm = vm_take(vmid);
	mutex_unlock(&m3k_sys_lock);
	if (vm)
		vm_destroy(vm);
	return err;
}

/* Drops the file's entries of the calling thread whose binding is gone (VM ended). */
static void prune_dead(struct m3k_file *f)
{
	struct m3k_proc *p, *tmp;

	list_for_each_entry_safe(p, tmp, &f->procs, file_link) {
		if (p->tid == current->pid && READ_ONCE(p->dead)) {
			list_del(&p->file_link);
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
	INIT_LIST_HEAD(&p->senders);
	INIT_LIST_HEAD(&p->send_link);
	p->tid = current->pid;
	p->tgid = current->tgid;
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
	mutex_lock(&m3k_sys_lock);
	vm = m3k_initialised ? m3k_vms[vmid] : NULL;
	ret = !m3k_initialised ? EMOLNOTINIT : !vm ? EMOLBADVMID : 0;
	if (ret) {
		mutex_unlock(&m3k_sys_lock);
		return ret;
	}
	p = proc_new(vm);
	if (!p) {
		mutex_unlock(&m3k_sys_lock);
		return EMOLNOMEM;
	}
	mutex_lock(&f->lock);
	prune_dead(f);
	list_for_each_entry(mine, &f->procs, file_link)
		if (mine->tid == current->pid)
			ret = EMOLBUSY; /* one endpoint per thread */
	if (!ret)
		ret = vm_place(vm, p, p_nr);
	if (ret >= 0)
		list_add(&p->file_link, &f->procs);
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
		unbind_proc(me, EMOLINTR);
		mutex_lock(&f->lock);
		list_del(&me->file_link);
		mutex_unlock(&f->lock);
		m3k_proc_put(me); /* the file's reference */
	}
	m3k_proc_put(me);
	return err;
}

/* The file is closed (explicitly or by the process's exit): unbind all its threads. */
void m3k_file_release(struct m3k_file *f)
{
	struct m3k_proc *p, *tmp;

	list_for_each_entry_safe(p, tmp, &f->procs, file_link) {
		unbind_proc(p, EMOLINTR);
		list_del(&p->file_link);
		m3k_proc_put(p);
	}
}

int m3k_getep(struct m3k_file *f, pid_t pid)
{
	struct m3k_proc *me = m3k_caller(f);
	struct m3k_proc *q;
	int i, ep = EMOLNOTBIND;

	if (!me)
		return EMOLNOTBIND;
	if (pid == SELF) {
		ep = me->ep;
	} else {
		spin_lock(&me->vm->lock);
		for (i = 0; i < M3IPC_MAX_EPS; i++) {
			q = me->vm->slots[i];
			if (q && (q->tid == pid || q->tgid == pid)) {
				ep = q->ep;
				break;
			}
		}
		spin_unlock(&me->vm->lock);
	}
	m3k_proc_put(me);
	return ep;
}
