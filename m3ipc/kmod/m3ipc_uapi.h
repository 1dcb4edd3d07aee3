/*
 * m3ipc_uapi.h — the ioctl ABI of /dev/m3ipc, shared by the kernel module and its user-space
 * shim (shim.c). One command per ioctl; every argument struct starts with its own size and the
 * ABI version so that a mismatched shim is refused (EMOLINVAL) instead of misread.
 *
 * Results: >= 0 on success (an endpoint, a vmid or 0); on failure the ioctl fails with
 * errno = M3K_ERRNO(EMOL*) (e.g. errno 1105 for EMOLDEADSRCDST -105, see m3ipc.h): the EMOL
 * values are DVK's, and several equal real errno values (EMOLINTR -4 = -EINTR), so they are moved
 * above every errno the kernel returns; errno ENOTTY is an unknown command. Messages are
 * m3ipc.h's `message`, which the module compiles too (through kcompat/), so both sides agree on
 * its size and layout; there is no 32-bit compat ioctl.
 */
#ifndef M3IPC_UAPI_H
#define M3IPC_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define M3K_ABI_VERSION 2
#define M3K_DEVICE "/dev/m3ipc"
#define M3K_ERRNO_BASE 1000
#define M3K_ERRNO(emol) (M3K_ERRNO_BASE - (emol))

struct m3k_hdr {
	__u32 size;    /* sizeof the whole argument struct */
	__u32 version; /* M3K_ABI_VERSION */
};

/* DRVS_INIT (nodeid), DRVS_END (ignored), VM_INIT / VM_END (vmid), GETEP (pid). */
struct m3k_int_arg {
	struct m3k_hdr hdr;
	__s32 value;
	__u32 pad;
};

/* BIND: vmid + p_nr (or -1 for any slot). UNBIND: vmid + endpoint (or SELF). */
struct m3k_bind_arg {
	struct m3k_hdr hdr;
	__s32 vmid;
	__s32 ep;
};

/* VM_GROUP: vmid + gid ((__u32)-1: none), a gid of the caller's user namespace. */
struct m3k_group_arg {
	struct m3k_hdr hdr;
	__s32 vmid;
	__u32 gid;
};

/* SEND / RECEIVE / SENDREC / NOTIFY (msg unused). timeout_ms: -1 forever, 0 no wait, > 0 ms. */
struct m3k_ipc_arg {
	struct m3k_hdr hdr;
	__s32 ep;
	__u32 pad;
	__s64 timeout_ms;
	__u64 msg;     /* user address of a message */
};

struct m3k_vcopy_arg {
	struct m3k_hdr hdr;
	__s32 src_ep;
	__s32 dst_ep;
	__u64 src_addr;
	__u64 dst_addr;
	__u64 len;
};

#define M3K_MAGIC 0xb3
#define M3K_IOC_DRVS_INIT _IOW(M3K_MAGIC, 1, struct m3k_int_arg)
#define M3K_IOC_DRVS_END  _IOW(M3K_MAGIC, 2, struct m3k_int_arg)
#define M3K_IOC_VM_INIT   _IOW(M3K_MAGIC, 3, struct m3k_int_arg)
#define M3K_IOC_VM_END    _IOW(M3K_MAGIC, 4, struct m3k_int_arg)
#define M3K_IOC_BIND      _IOW(M3K_MAGIC, 5, struct m3k_bind_arg)
#define M3K_IOC_UNBIND    _IOW(M3K_MAGIC, 6, struct m3k_bind_arg)
#define M3K_IOC_SEND      _IOW(M3K_MAGIC, 7, struct m3k_ipc_arg)
#define M3K_IOC_RECEIVE   _IOW(M3K_MAGIC, 8, struct m3k_ipc_arg)
#define M3K_IOC_SENDREC   _IOW(M3K_MAGIC, 9, struct m3k_ipc_arg)
#define M3K_IOC_NOTIFY    _IOW(M3K_MAGIC, 10, struct m3k_ipc_arg)
#define M3K_IOC_VCOPY     _IOW(M3K_MAGIC, 11, struct m3k_vcopy_arg)
#define M3K_IOC_GETEP     _IOW(M3K_MAGIC, 12, struct m3k_int_arg)
#define M3K_IOC_VM_GROUP  _IOW(M3K_MAGIC, 13, struct m3k_group_arg)

#endif /* M3IPC_UAPI_H */
