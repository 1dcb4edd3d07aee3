/*
 * shim.c — the user-space side of the kernel-module backend (M3IPC_BACKEND=kmod): each mnx_*
 * call becomes one ioctl on /dev/m3ipc with a versioned argument struct.
 *
 * A process uses its own open file of the device: the module unbinds every thread bound through
 * a file when that file is closed, i.e. when the process exits or is killed. A forked child
 * therefore drops the descriptor it inherited (otherwise it would keep its parent's bindings
 * alive) and opens its own on first use.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"
#include "m3ipc_uapi.h"

static int dev_fd = -1;
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void drop_inherited_fd(void)
{
	if (dev_fd >= 0)
		close(dev_fd);
	dev_fd = -1;
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, drop_inherited_fd);
}

/*
 * The device descriptor of this process, opened on first use; EMOLNOSYS without the module.
 * Once open it is read without the lock (every call passes here): it only goes from -1 to an
 * open descriptor, and back in a forked child, which is single-threaded in its atfork handler.
 */
static int device(void)
{
	int fd = __atomic_load_n(&dev_fd, __ATOMIC_ACQUIRE);

	if (fd >= 0)
		return fd;
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&dev_lock);
	fd = dev_fd;
	if (fd < 0) {
		fd = open(M3K_DEVICE, O_RDWR | O_CLOEXEC);
		__atomic_store_n(&dev_fd, fd, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&dev_lock);
	return fd >= 0 ? fd : EMOLNOSYS;
}

/* The module fails with errno = M3K_ERRNO(EMOL*); anything else is not its answer. */
static int from_errno(void)
{
	if (errno > M3K_ERRNO_BASE)
		return M3K_ERRNO_BASE - errno;
	return errno == EFAULT ? EMOLFAULT : errno == ENOTTY ? EMOLNOSYS : EMOLGENERIC;
}

/*
 * One ioctl. A signal whose handler returns does not end a blocked send/receive/sendrec (as
 * with the sim backend): the module keeps the call published and fails the ioctl with EINTR
 * (when the handler has no SA_RESTART); the same call issued again resumes the wait, deadline
 * included. Other calls never block.
 */
static int call(unsigned long cmd, void *arg)
{
	int fd = device();
	int ret;

	if (fd < 0)
		return fd;
	do
		ret = ioctl(fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	return ret >= 0 ? ret : from_errno();
}

#define HDR(type) { .size = sizeof(type), .version = M3K_ABI_VERSION }

static int int_call(unsigned long cmd, int value)
{
	struct m3k_int_arg a = { .hdr = HDR(a), .value = value };

	return call(cmd, &a);
}

static int bind_call(unsigned long cmd, int vmid, int ep)
{
	struct m3k_bind_arg a = { .hdr = HDR(a), .vmid = vmid, .ep = ep };

	return call(cmd, &a);
}

static int ipc_call(unsigned long cmd, int ep, message *m, long timeout_ms)
{
	struct m3k_ipc_arg a = { .hdr = HDR(a), .ep = ep, .timeout_ms = timeout_ms, .msg = (uintptr_t)m };

	return call(cmd, &a);
}

static int kmod_drvs_init(int nodeid) { return int_call(M3K_IOC_DRVS_INIT, nodeid); }
static int kmod_drvs_end(void) { return int_call(M3K_IOC_DRVS_END, 0); }
static int kmod_vm_init(int vmid) { return int_call(M3K_IOC_VM_INIT, vmid); }
static int kmod_vm_end(int vmid) { return int_call(M3K_IOC_VM_END, vmid); }

static int kmod_vm_group(int vmid, gid_t gid)
{
	struct m3k_group_arg a = { .hdr = HDR(a), .vmid = vmid, .gid = gid };

	return call(M3K_IOC_VM_GROUP, &a);
}
static int kmod_getep(pid_t pid) { return int_call(M3K_IOC_GETEP, pid); }
static int kmod_bind(int vmid, int p_nr) { return bind_call(M3K_IOC_BIND, vmid, p_nr); }
static int kmod_unbind(int vmid, int ep) { return bind_call(M3K_IOC_UNBIND, vmid, ep); }

static int kmod_send(int dst, message *m, long timeout_ms)
{
	return m ? ipc_call(M3K_IOC_SEND, dst, m, timeout_ms) : EMOLINVAL;
}

static int kmod_receive(int src, message *m, long timeout_ms)
{
	return m ? ipc_call(M3K_IOC_RECEIVE, src, m, timeout_ms) : EMOLINVAL;
}

static int kmod_sendrec(int ep, message *m, long timeout_ms)
{
	return m ? ipc_call(M3K_IOC_SENDREC, ep, m, timeout_ms) : EMOLINVAL;
}

static int kmod_notify(int dst) { return ipc_call(M3K_IOC_NOTIFY, dst, NULL, 0); }

static int kmod_vcopy(int src_ep, const void *src, int dst_ep, void *dst, size_t len)
{
	struct m3k_vcopy_arg a = {
		.hdr = HDR(a), .src_ep = src_ep, .dst_ep = dst_ep,
		.src_addr = (uintptr_t)src, .dst_addr = (uintptr_t)dst, .len = len,
	};

	return call(M3K_IOC_VCOPY, &a);
}

const struct m3ipc_backend m3ipc_kmod_backend = {
	.name = "kmod",
	.drvs_init = kmod_drvs_init,
	.drvs_end = kmod_drvs_end,
	.vm_init = kmod_vm_init,
	.vm_end = kmod_vm_end,
	.vm_group = kmod_vm_group,
	.bind = kmod_bind,
	.unbind = kmod_unbind,
	.send = kmod_send,
	.receive = kmod_receive,
	.sendrec = kmod_sendrec,
	.notify = kmod_notify,
	.vcopy = kmod_vcopy,
	.getep = kmod_getep,
};
