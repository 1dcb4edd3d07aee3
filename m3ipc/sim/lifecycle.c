/*
 * lifecycle.c — system, VM and binding management of the simulator: mnx_drvs_init/end,
 * mnx_vm_init/end, mnx_bind/unbind, mnx_getep, and the implicit unbind of a thread or
 * process that exits while bound.
 */
#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "calls.h"
#include "reap.h"
#include "self.h"
#include "sync.h"

_Thread_local struct sim_self sim_me;

static int node_id = -1;                 /* set by mnx_drvs_init in this process */
static pthread_key_t exit_key;           /* its destructor unbinds an exiting thread */
static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

int sim_self_slot(struct sim_slot **out)
{
	if (sim_me.vm == NULL)
		return EMOLNOTBIND;
	if (!atomic_load(&sim_me.vm->alive))
		return EMOLBADVMID;
	*out = &sim_me.vm->slots[sim_me.p_nr];
	return EMOLOK;
}

int sim_target(int ep, int *p_nr)
{
	if (ep < 0 || ep >= M3IPC_EP_LIMIT)
		return EMOLENDPOINT;
	if (ep == sim_me.ep)
		return EMOLDEADLOCK;
	int p = _ENDPOINT_P(ep);
	if (atomic_load(&sim_me.vm->slots[p].ep) != ep)
		return EMOLDEADSRCDST;
	*p_nr = p;
	return EMOLOK;
}

static void forget_binding(void)
{
	sim_vm_note_bound(sim_me.vmid, -1);
	sim_me = (struct sim_self){ 0 };
	pthread_setspecific(exit_key, NULL);
}

/* Unbind the calling thread; VM already ended: only drop our side. */
static int unbind_self(void)
{
	struct sim_vm *vm = sim_me.vm;
	struct sim_slot *s = &vm->slots[sim_me.p_nr];
	if (atomic_load(&vm->alive))
		sim_release(vm, s, atomic_load(&s->owner_tid));
	pthread_mutex_unlock(&s->life);
	forget_binding();
	return EMOLOK;
}

static void unbind_on_thread_exit(void *unused)
{
	(void)unused;
	if (sim_me.vm)
		unbind_self();
}

static void unbind_on_process_exit(void)
{
	if (sim_me.vm)
		unbind_self();
}

/* A forked child is a new process: none of its threads is bound, and it holds none of the
 * parent's life mutexes (glibc gives the child an empty robust list). */
static void forget_in_child(void)
{
	sim_vm_reset_after_fork();
	sim_me = (struct sim_self){ 0 };
}

static void install_hooks(void)
{
	pthread_key_create(&exit_key, unbind_on_thread_exit);
	atexit(unbind_on_process_exit);
	pthread_atfork(NULL, NULL, forget_in_child);
}

int sim_drvs_init(int nodeid)
{
	if (nodeid < 0 || nodeid > M3IPC_MAX_NODEID)
		return EMOLINVAL;
	if (node_id >= 0)
		return EMOLBUSY;
	if (sim_namespace() == NULL) {
		char ns[16];
		snprintf(ns, sizeof ns, "%d", (int)getpid());
		if (setenv("M3IPC_NS", ns, 1) < 0)
			return EMOLNOMEM;
		/* Pid namespaces of processes killed before they could end their VMs. */
		sim_sweep_dead_namespaces();
	}
	node_id = nodeid;
	return EMOLOK;
}

int sim_vm_init(int vmid)
{
	struct sim_vm *vm;
	int rc = sim_vm_create(vmid, node_id < 0 ? 0 : node_id, &vm);
	return rc < 0 ? rc : vm->vmid;
}

int sim_vm_group(int vmid, gid_t gid)
{
	struct sim_vm *vm;
	int rc = sim_vm_map(vmid, &vm);
	return rc < 0 ? rc : sim_vm_set_group(vmid, gid);
}

int sim_vm_end(int vmid)
{
	struct sim_vm *vm;
	int rc = sim_vm_map(vmid, &vm);
	if (rc < 0)
		return rc;
	/* Removing the segment is the permission check (its owner or CAP_FOWNER): first, so that a
	 * refused caller (a group member, another user) changes nothing. */
	if ((rc = sim_vm_unlink(vmid)) < 0)
		return rc;
	atomic_store(&vm->alive, 0);
	for (int i = 0; i < M3IPC_MAX_EPS; i++) {
		struct sim_slot *s = &vm->slots[i];
		if (atomic_load(&s->owner_tid) == 0)
			continue;
		sim_lock(vm, s);
		atomic_store(&s->result, EMOLINTR);
		atomic_store(&s->state, 0);
		sim_unlock(s);
		sim_wake(s);
	}
	if (sim_me.vm == vm)
		unbind_self();
	sim_vm_forget(vmid);
	return EMOLOK;
}

/* Does the caller have CAP_SYS_ADMIN in its effective set? */
static bool sys_admin(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
	return syscall(SYS_capget, &hdr, caps) == 0 &&
	       (caps[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN));
}

int sim_drvs_end(void)
{
	if (sim_namespace() == NULL)
		return EMOLNOTINIT;
	if (!sys_admin())
		return EMOLPRIVILEGES;   /* as the module: ending everyone's VMs is the admin's */
	for (int vmid = 0; vmid < M3IPC_MAX_VMS; vmid++)
		(void)sim_vm_end(vmid);   /* EMOLBADVMID for the VMs that do not exist */
	node_id = -1;
	return EMOLOK;
}

/* Take slot p_nr for the calling thread (true) unless someone holds it. */
static bool claim_slot(struct sim_vm *vm, int p_nr, uint32_t tid)
{
	struct sim_slot *s = &vm->slots[p_nr];
	sim_reap_if_dead(vm, s);
	uint32_t expect = 0;
	return atomic_compare_exchange_strong(&s->owner_tid, &expect, tid);
}

int sim_bind(int vmid, int p_nr)
{
	pthread_once(&hooks_once, install_hooks);
	if (sim_me.vm)
		return EMOLBUSY;
	if (p_nr != M3IPC_ANY_SLOT && (p_nr < 0 || p_nr >= M3IPC_MAX_EPS))
		return EMOLENDPOINT;
	struct sim_vm *vm;
	int rc = sim_vm_map(vmid, &vm);
	if (rc < 0)
		return rc;
	uint32_t tid = (uint32_t)gettid();
	if (p_nr == M3IPC_ANY_SLOT) {
		for (int i = 0; i < M3IPC_MAX_EPS && p_nr < 0; i++)
			if (claim_slot(vm, i, tid))
				p_nr = i;
		if (p_nr < 0)
			return EMOLBUSY;
	} else if (!claim_slot(vm, p_nr, tid)) {
		return EMOLBUSY;
	}
	struct sim_slot *s = &vm->slots[p_nr];
	/* The previous owner may have died holding it: the kernel marked it, we inherit it. */
	if (pthread_mutex_lock(&s->life) == EOWNERDEAD)
		pthread_mutex_consistent(&s->life);
	s->pid = getpid();
	s->q_head = s->q_tail = s->q_next = SIM_NO_SLOT;
	atomic_store(&s->sendto, SIM_NO_SLOT);
	atomic_store(&s->getfrom, NONE);
	atomic_store(&s->state, 0);
	atomic_store(&s->result, EMOLOK);
	for (int w = 0; w < M3IPC_MAX_EPS / 64; w++)
		atomic_store(&s->notify_pending[w], 0);
	atomic_store(&s->n_sent, 0);
	atomic_store(&s->n_received, 0);
	atomic_store(&s->n_notify_sent, 0);
	atomic_store(&s->n_notify_received, 0);
	atomic_store(&s->n_vcopy, 0);
	sim_note_cpu(s);
	(void)sim_pauses_per_poll();
	int ep = _ENDPOINT((int)(s->gen % M3IPC_EP_GENERATIONS), p_nr);
	atomic_fetch_add(&vm->nr_bound, 1);
	atomic_store(&s->ep, ep);

	/* Let peers of any process (not only our ancestors) process_vm_readv/writev us when
	 * Yama restricts ptrace; harmless where Yama is absent. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	sim_vm_note_bound(vmid, +1);
	const char *spin = getenv("M3IPC_SPIN");
	int budget = (spin && *spin) ? atoi(spin) : 1000;
	if (budget < 0)
		budget = 0;
	sim_me = (struct sim_self){ .vm = vm, .vmid = vmid, .p_nr = p_nr, .ep = ep, .hint = -1,
				    .spin = budget };
	pthread_setspecific(exit_key, &sim_me);
	return ep;
}

int sim_unbind(int vmid, int ep)
{
	if (sim_me.vm == NULL)
		return EMOLNOTBIND;
	if (vmid != sim_me.vmid)
		return EMOLBADVMID;
	if (ep != SELF && ep != sim_me.ep)
		return EMOLENDPOINT;   /* only a thread's own binding can be ended */
	return unbind_self();
}

int sim_getep(pid_t pid)
{
	struct sim_slot *me;
	int rc = sim_self_slot(&me);
	if (rc < 0)
		return rc;
	if (pid == SELF || pid == gettid())
		return sim_me.ep;
	for (int i = 0; i < M3IPC_MAX_EPS; i++) {
		struct sim_slot *s = &sim_me.vm->slots[i];
		if (atomic_load(&s->owner_tid) == (uint32_t)pid) {
			int ep = atomic_load(&s->ep);
			return ep == NONE ? EMOLNOTBIND : ep;
		}
	}
	return EMOLNOTBIND;
}
