/*
 * table.h — the simulator's shared state: one POSIX shm segment per VM holding the VM's
 * process table. Every bound thread owns one cache-line-aligned slot. The segment is named
 * /m3ipc.<namespace>.vm<vmid> (0600); <namespace> isolates independent systems on one host
 * (e.g. a test run beside a benchmark run) and is taken from $M3IPC_NS, which mnx_drvs_init
 * sets to its pid when unset so children inherit it.
 */
#ifndef M3IPC_SIM_TABLE_H
#define M3IPC_SIM_TABLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "m3ipc.h"

#define SIM_MAGIC       0x4d33564dU   /* "M3VM" */
#define SIM_CACHELINE   64
#define SIM_NAME_MAX    96
#define SIM_NO_SLOT     (-1)

/* slot.state bits. A slot is "blocked in a receive" when RECEIVING is set and SENDING is not
 * (a sendrec caller holds both until its request is taken). REPLY marks the receive of a
 * sendrec, which only the reply completes (never a notification); it goes with RECEIVING. */
#define ST_SENDING    1u
#define ST_RECEIVING  2u
#define ST_REPLY      4u

/* One bound thread. Fields are written by the slot's owner, or by another party while it
 * holds this slot's `lock` (deliveries, queue changes) — see ipc.c for the protocol.
 * The layout follows the fast path of a message: line 1 is the slot's inbox (lock, state,
 * result and the message itself), the only line a message moves: a sender takes it with the
 * lock, writes the message and the state, and the spinning owner polls the state there —
 * slowly enough not to pull the line away from a sender still writing it (sync.c). Line 2
 * (the futex word) is written only around a sleep. Line 3 is read by peers on every call but
 * written by the owner only when something changes; line 4 is fixed while bound; the
 * counters, written on every call, have line 5 to themselves. */
struct sim_slot {
	_Alignas(SIM_CACHELINE) _Atomic uint32_t lock;   /* futex lock: holder p_nr + 1 | waiters bit (sync.c) */
	_Atomic uint32_t state;        /* ST_* */
	_Atomic int32_t result;        /* outcome written by whoever completes the owner's wait */
	message msg;                   /* the message in transit (the "kernel" copy) */

	_Alignas(SIM_CACHELINE) _Atomic uint32_t seq;    /* futex word of a sleeping owner; bumped by its wake */
	_Atomic uint32_t sleeping;     /* SLEEP_* (sync.c): in futex_wait, wakers must syscall / woken */

	_Alignas(SIM_CACHELINE) _Atomic int32_t getfrom;  /* receive filter: p_nr or ANY */
	_Atomic int32_t sendto;        /* p_nr this slot is queued on while ST_SENDING */
	int32_t q_head, q_tail;        /* FIFO of slots blocked sending to us (p_nr, or SIM_NO_SLOT) */
	int32_t q_next;                /* our link in the queue of the slot we send to */
	_Atomic int32_t cpu;           /* CPU the owner last ran on: no spinning for a same-CPU peer */
	_Atomic uint64_t notify_pending[M3IPC_MAX_EPS / 64];  /* one bit per notifier p_nr */

	_Alignas(SIM_CACHELINE) _Atomic int32_t ep;      /* current endpoint, NONE when free */
	_Atomic uint32_t owner_tid;    /* bound thread id, 0 when free */
	int32_t pid;                   /* its process (for process_vm_readv/writev) */
	uint32_t gen;                  /* bind generation, part of the endpoint */
	/* Robust, process-shared mutex held by the owner while bound: when the owner dies the
	 * kernel's robust-futex walk marks it FUTEX_OWNER_DIED, which peers read (no syscall). */
	pthread_mutex_t life;

	/* Counted by the owner only (sim_count): no locked instruction. */
	_Alignas(SIM_CACHELINE) _Atomic uint64_t n_sent, n_received, n_notify_sent,
		n_notify_received, n_vcopy;
};

static inline void sim_count(_Atomic uint64_t *counter)
{
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

struct sim_vm {
	uint32_t magic;
	int32_t vmid;
	int32_t nodeid;
	int32_t creator_pid;
	_Atomic uint32_t alive;        /* cleared by mnx_vm_end before the segment is unlinked */
	_Atomic uint32_t nr_bound;     /* reference count of bound slots */
	struct sim_slot slots[M3IPC_MAX_EPS];
};

/* Name of the namespace in use (NULL if none: the system is not initialised). */
const char *sim_namespace(void);
/* /m3ipc.<ns>.vm<vmid> into buf. */
void sim_vm_shm_name(char *buf, size_t len, const char *ns, int vmid);
/* Remove the segments of default namespaces (a pid: see sim_drvs_init) whose process is gone:
 * what a SIGKILLed user of the simulator could not end. Only its owner may (sticky /dev/shm). */
void sim_sweep_dead_namespaces(void);

/* Create (excl; vmid M3IPC_ANY_VM: the lowest free id) / map / unlink one VM's segment, or
 * give it to a group (gid -1: owner only). Return 0 or an EMOL* code. */
int sim_vm_create(int vmid, int nodeid, struct sim_vm **out);
int sim_vm_set_group(int vmid, gid_t gid);
int sim_vm_map(int vmid, struct sim_vm **out);   /* cached per process */
void sim_vm_forget(int vmid);                    /* drop this process's cached mapping */
void sim_vm_note_bound(int vmid, int delta);     /* a thread here bound (+1) / unbound (-1) */
void sim_vm_reset_after_fork(void);              /* the child holds no binding */
int sim_vm_unlink(int vmid);

#endif /* M3IPC_SIM_TABLE_H */
