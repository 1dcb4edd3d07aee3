/*
 * dispatch.c — the public mnx_* entry points: choose a backend once per process and forward
 * every call to its operations table (backend.h). Nothing here knows how a backend works.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"

static const struct m3ipc_backend *active;

static const struct m3ipc_backend *backend_named(const char *name)
{
	if (strcmp(name, "sim") == 0)
		return &m3ipc_sim_backend;
	if (strcmp(name, "kmod") == 0)
		return M3IPC_KMOD_BACKEND; /* NULL when m3ipc/kmod/shim.c is not built in */
	return NULL;
}

int mnx_use_backend(const char *name)
{
	if (name == NULL) {
		name = getenv("M3IPC_BACKEND");
		if (name == NULL || *name == '\0')
			name = "sim";
	}
	const struct m3ipc_backend *b = backend_named(name);
	if (b == NULL)
		return EMOLNOSYS;
	active = b;
	return EMOLOK;
}

/* The backend in use; the environment's default on first use. NULL if that is unknown. */
static const struct m3ipc_backend *backend(void)
{
	if (active == NULL)
		(void)mnx_use_backend(NULL);
	return active;
}

const char *mnx_backend_name(void)
{
	const struct m3ipc_backend *b = backend();
	return b ? b->name : "none";
}

/* A negative timeout other than -1 means "forever" too: only -1 is documented, but a caller
 * passing -5 surely does not want an immediate EMOLAGAIN. */
static long normalise_timeout(long timeout_ms)
{
	return timeout_ms < 0 ? M3IPC_TIMEOUT_FOREVER : timeout_ms;
}

#define FORWARD(call, ...)                                  \
	do {                                                \
		const struct m3ipc_backend *b_ = backend(); \
		if (b_ == NULL)                             \
			return EMOLNOSYS;                   \
		return b_->call(__VA_ARGS__);               \
	} while (0)

int mnx_drvs_init(int nodeid, const char *name)
{
	if (name != NULL || active == NULL) {
		int rc = mnx_use_backend(name);
		if (rc < 0)
			return rc;
	}
	FORWARD(drvs_init, nodeid);
}

int mnx_drvs_end(void) { FORWARD(drvs_end); }
int mnx_vm_init(int vmid) { FORWARD(vm_init, vmid); }
int mnx_vm_end(int vmid) { FORWARD(vm_end, vmid); }
int mnx_vm_group(int vmid, gid_t gid) { FORWARD(vm_group, vmid, gid); }
int mnx_bind(int vmid, int p_nr) { FORWARD(bind, vmid, p_nr); }
int mnx_unbind(int vmid, int ep) { FORWARD(unbind, vmid, ep); }
int mnx_send(int dst, message *m) { FORWARD(send, dst, m, M3IPC_TIMEOUT_FOREVER); }
int mnx_receive(int src, message *m) { FORWARD(receive, src, m, M3IPC_TIMEOUT_FOREVER); }
int mnx_sendrec(int ep, message *m) { FORWARD(sendrec, ep, m, M3IPC_TIMEOUT_FOREVER); }
int mnx_notify(int dst) { FORWARD(notify, dst); }
int mnx_getep(pid_t pid) { FORWARD(getep, pid); }

int mnx_send_T(int dst, message *m, long t) { FORWARD(send, dst, m, normalise_timeout(t)); }
int mnx_receive_T(int src, message *m, long t) { FORWARD(receive, src, m, normalise_timeout(t)); }
int mnx_sendrec_T(int ep, message *m, long t) { FORWARD(sendrec, ep, m, normalise_timeout(t)); }

int mnx_vcopy(int src_ep, const void *src_addr, int dst_ep, void *dst_addr, size_t len)
{
	FORWARD(vcopy, src_ep, src_addr, dst_ep, dst_addr, len);
}
