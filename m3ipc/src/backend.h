/*
 * backend.h — the operations table every M3-IPC backend implements. The public mnx_*
 * functions (m3ipc/src/dispatch.c) validate nothing backend-specific: they pick the table
 * once (mnx_drvs_init / mnx_use_backend / $M3IPC_BACKEND) and forward each call.
 *
 * The kmod backend's table is defined by m3ipc/kmod/shim.c. The Makefile defines M3IPC_WITH_KMOD
 * when that file is built into the library; without it the library reports EMOLNOSYS for "kmod".
 * (A strong reference, not a weak one: a weak reference never pulls shim.o out of the archive.)
 * Timeouts reach the backend already normalised: -1 = forever, 0 = no wait, > 0 = ms.
 */
#ifndef M3IPC_BACKEND_H
#define M3IPC_BACKEND_H

#include "m3ipc.h"

struct m3ipc_backend {
	const char *name;
	int (*drvs_init)(int nodeid);
	int (*drvs_end)(void);
	int (*vm_init)(int vmid);
	int (*vm_end)(int vmid);
	int (*vm_group)(int vmid, gid_t gid);
	int (*bind)(int vmid, int p_nr);
	int (*unbind)(int vmid, int ep);
	int (*send)(int dst_ep, message *m, long timeout_ms);
	int (*receive)(int src_ep, message *m, long timeout_ms);
	int (*sendrec)(int srcdst_ep, message *m, long timeout_ms);
	int (*notify)(int dst_ep);
	int (*vcopy)(int src_ep, const void *src_addr, int dst_ep, void *dst_addr, size_t len);
	int (*getep)(pid_t pid);
};

extern const struct m3ipc_backend m3ipc_sim_backend;
#ifdef M3IPC_WITH_KMOD
extern const struct m3ipc_backend m3ipc_kmod_backend;
#define M3IPC_KMOD_BACKEND (&m3ipc_kmod_backend)
#else
#define M3IPC_KMOD_BACKEND NULL
#endif

#endif /* M3IPC_BACKEND_H */
