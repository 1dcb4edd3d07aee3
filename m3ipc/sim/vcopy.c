/*
 * vcopy.c — mnx_vcopy: move a block between two address spaces with process_vm_readv/writev.
 * The parties other than the caller must be blocked in a receive; their slot locks are held
 * for the whole copy so that nothing can release them while their memory is being accessed.
 * When the caller is the source or the destination the copy is a single kernel copy, user
 * to user. A third-party copy (COPY2) cannot be single-copy from user space: Linux offers no
 * call that copies between two *other* processes, so it goes through a bounce buffer in the
 * caller (two copies, chunked so the buffer stays in cache) — the kmod backend does it once.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "calls.h"
#include "self.h"
#include "sync.h"

#define BOUNCE_CHUNK (64u << 10)

/* Slot number of ep in the caller's VM (the caller included). */
static int party(int ep, int *p_nr)
{
	if (ep == sim_me.ep || ep == SELF) {
		*p_nr = sim_me.p_nr;
		return EMOLOK;
	}
	return sim_target(ep, p_nr);
}

static int errno_code(void)
{
	return errno == EFAULT ? EMOLFAULT : errno == EPERM ? EMOLPRIVILEGES :
	       errno == ESRCH ? EMOLDEADSRCDST : EMOLGENERIC;
}

/* One process_vm_readv (write = false) or _writev; loops over short transfers. */
static int vm_copy(pid_t pid, bool write, void *local, void *remote, size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct iovec l = { (char *)local + done, len - done };
		struct iovec r = { (char *)remote + done, len - done };
		ssize_t n = write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
				  : process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (n <= 0)
			return n == 0 ? EMOLFAULT : errno_code();
		done += (size_t)n;
	}
	return EMOLOK;
}

static int copy_block(pid_t src_pid, const void *src, pid_t dst_pid, void *dst, size_t len)
{
	pid_t self = getpid();
	if (src_pid == self && dst_pid == self) {
		memmove(dst, src, len);
		return EMOLOK;
	}
	if (src_pid == self)
		return vm_copy(dst_pid, true, (void *)src, dst, len);
	if (dst_pid == self)
		return vm_copy(src_pid, false, dst, (void *)src, len);
	static _Thread_local char bounce[BOUNCE_CHUNK];
	/* Within one other process the copy is a memmove: when the destination overlaps the end
	 * of the source, the chunks go last to first so none is overwritten before it is read. */
	bool backwards = src_pid == dst_pid && (char *)dst > (const char *)src &&
			 (char *)dst < (const char *)src + len;
	for (size_t done = 0; done < len; done += BOUNCE_CHUNK) {
		size_t n = len - done < BOUNCE_CHUNK ? len - done : BOUNCE_CHUNK;
		size_t off = backwards ? len - done - n : done;
		int rc = vm_copy(src_pid, false, bounce, (char *)src + off, n);
		if (rc == EMOLOK)
			rc = vm_copy(dst_pid, true, bounce, (char *)dst + off, n);
		if (rc < 0)
			return rc;
	}
	return EMOLOK;
}

int sim_vcopy(int src_ep, const void *src_addr, int dst_ep, void *dst_addr, size_t len)
{
	struct sim_slot *me;
	int rc = sim_self_slot(&me);
	if (rc < 0 || len == 0)
		return rc;   /* copying nothing checks nothing else (as Minix's sys_vircopy) */
	if (len > M3IPC_VCOPY_MAX)
		return EMOLRANGE;
	int sp, dp;
	if ((rc = party(src_ep, &sp)) < 0 || (rc = party(dst_ep, &dp)) < 0)
		return rc;
	struct sim_vm *vm = sim_me.vm;
	/* The other parties, locked in slot order so two concurrent vcopies cannot deadlock. */
	int others[2], n = 0;
	int lo = sp < dp ? sp : dp, hi = sp < dp ? dp : sp;
	if (lo != sim_me.p_nr)
		others[n++] = lo;
	if (hi != lo && hi != sim_me.p_nr)
		others[n++] = hi;
	int locked = 0;
	for (; locked < n; locked++) {
		struct sim_slot *o = &vm->slots[others[locked]];
		sim_lock(vm, o);
		uint32_t st = atomic_load(&o->state);
		if (atomic_load(&o->owner_tid) == 0 || atomic_load(&o->ep) == NONE) {
			rc = EMOLDEADSRCDST;
		} else if (!(st & ST_RECEIVING) || (st & ST_SENDING)) {
			rc = EMOLPROCSTS;
		} else {
			continue;
		}
		sim_unlock(o);
		break;
	}
	if (rc == EMOLOK) {
		rc = copy_block(vm->slots[sp].pid, src_addr, vm->slots[dp].pid, dst_addr, len);
		if (rc == EMOLOK)
			sim_count(&me->n_vcopy);
	}
	while (locked-- > 0)
		sim_unlock(&vm->slots[others[locked]]);
	return rc;
}
