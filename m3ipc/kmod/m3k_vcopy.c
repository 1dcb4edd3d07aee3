// SPDX-License-Identifier: GPL-2.0
/*
 * vcopy: one copy of a block straight from one address space into another, page by page
 * (pin the peer's pages, map them, copy, unpin), whole pages with copy_page() when both sides
 * are page aligned. Every party other than the caller must be blocked in a
 * receive, and is kept there (its lock held) for the whole copy; the caller must be able to
 * ptrace every party (m3k_may_ptrace). Within one address space the copy is a memmove.
 */
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/sched/mm.h>
#include <linux/version.h>
#include "m3k.h"

/* Pins the one page holding addr in mm. */
static int pin_page(struct mm_struct *mm, unsigned long addr, bool write, struct page **page)
{
	unsigned int flags = write ? FOLL_WRITE : 0;
	long n;

	if (mm == current->mm)
		return pin_user_pages_fast(addr, 1, flags, page) == 1 ? 0 : EMOLFAULT;
	mmap_read_lock(mm);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	n = pin_user_pages_remote(mm, addr, 1, flags, page, NULL);
#else
	n = pin_user_pages_remote(mm, addr, 1, flags, page, NULL, NULL);
#endif
	mmap_read_unlock(mm);
	return n == 1 ? 0 : EMOLFAULT;
}

/*
 * Copies len bytes that lie within one source page and one destination page. The caller's own
 * side is reached directly with copy_{from,to}_user; a peer's page is pinned and mapped (both
 * are pinned when the caller is neither side, COPY2, or both, a copy within its own space).
 */
static int copy_chunk(struct mm_struct *smm, unsigned long src, struct mm_struct *dmm,
		      unsigned long dst, size_t len)
{
	bool from_me = smm == current->mm, to_me = dmm == current->mm;
	size_t soff = offset_in_page(src), doff = offset_in_page(dst);
	struct page *sp = NULL, *dp = NULL;
	char *s = NULL, *d = NULL;
	int err = 0;

	if (!from_me || to_me)
		err = pin_page(smm, src, false, &sp);
	if (!err && (!to_me || from_me))
		err = pin_page(dmm, dst, true, &dp);
	if (err)
		goto unpin;
	if (sp)
		s = kmap_local_page(sp);
	if (dp)
		d = kmap_local_page(dp);
	if (s && d) {
		/* Only within one page may the two ranges overlap (a copy within one space). */
		if (sp == dp)
			memmove(d + doff, s + soff, len);
		else if (len == PAGE_SIZE)
			copy_page(d, s);
		else
			memcpy(d + doff, s + soff, len);
	} else if (d) {
		err = copy_from_user(d + doff, (const void __user *)src, len) ? EMOLFAULT : 0;
	} else {
		err = copy_to_user((void __user *)dst, s + soff, len) ? EMOLFAULT : 0;
	}
	if (d)
		kunmap_local(d);
	if (s)
		kunmap_local(s);
unpin:
	if (dp)
		unpin_user_pages_dirty_lock(&dp, 1, true);
	if (sp)
		unpin_user_page(sp);
	return err;
}

/* The chunk ending at offset end: within one source page and one destination page. */
static size_t chunk_before(unsigned long src, unsigned long dst, u64 end)
{
	size_t s = offset_in_page(src + end - 1) + 1, d = offset_in_page(dst + end - 1) + 1;

	return min_t(u64, end, min(s, d));
}

/*
 * Chunk by chunk, each within one source and one destination page. When the destination
 * overlaps the end of the source in one mm, last chunk first (each a memmove): no byte is
 * overwritten before it is read, as memmove.
 */
static int copy_pages(struct mm_struct *smm, unsigned long src, struct mm_struct *dmm,
		      unsigned long dst, u64 len)
{
	bool backwards = smm == dmm && dst > src && dst - src < len;
	u64 done = 0;

	while (done < len) {
		u64 at;
		size_t chunk;
		int err;

		if (fatal_signal_pending(current))
			return EMOLINTR;
		if (backwards) {
			chunk = chunk_before(src, dst, len - done);
			at = len - done - chunk;
		} else {
			at = done;
			chunk = min_t(u64, len - done,
				      PAGE_SIZE - max(offset_in_page(src + at), offset_in_page(dst + at)));
		}
		err = copy_chunk(smm, src + at, dmm, dst + at, chunk);
		if (err)
			return err;
		done += chunk;
		cond_resched();
	}
	return 0;
}

/* The copy proper, with both address spaces held alive (a party's process may be exiting). */
static int copy_between(struct mm_struct *smm, unsigned long src, struct mm_struct *dmm,
			unsigned long dst, u64 len)
{
	int err = EMOLDEADSRCDST;

	if (mmget_not_zero(smm)) {
		if (mmget_not_zero(dmm)) {
			err = copy_pages(smm, src, dmm, dst, len);
			mmput(dmm);
		}
		mmput(smm);
	}
	return err;
}

/* Resolves a vcopy party: the caller itself (SELF or own endpoint) or a bound peer. */
static int party(struct m3k_proc *me, int ep, struct m3k_proc **p)
{
	if (ep == SELF || ep == me->ep) {
		kref_get(&me->ref);
		*p = me;
		return 0;
	}
	if (m3k_check_ep(ep))
		return EMOLENDPOINT;
	*p = m3k_lookup(me->vm, ep);
	return *p ? 0 : EMOLDEADSRCDST;
}

static bool blocked_in_receive(const struct m3k_proc *me, const struct m3k_proc *p)
{
	return p == me || (p->state == M3K_RECEIVING && !p->done && !p->dead);
}

/* The parties' state first, then the permission (the simulator's order: process_vm_*v refuse
 * only once the copy is tried); the caller may always reach itself. Both locked. */
static int may_copy(struct m3k_proc *me, struct m3k_proc *sp, struct m3k_proc *dp)
{
	if (!blocked_in_receive(me, sp) || !blocked_in_receive(me, dp))
		return EMOLPROCSTS;
	if ((sp != me && !m3k_may_ptrace(sp)) || (dp != me && !m3k_may_ptrace(dp)))
		return EMOLPRIVILEGES;
	return 0;
}

int m3k_vcopy(struct m3k_proc *me, int src_ep, unsigned long src, int dst_ep, unsigned long dst,
	      u64 len)
{
	struct m3k_proc *sp = NULL, *dp = NULL;
	struct m3k_proc *a, *b;
	int err;

	if (len == 0)
		return 0; /* copying nothing checks nothing else (as Minix's sys_vircopy) */
	if (len > M3IPC_VCOPY_MAX)
		return EMOLRANGE;
	if (src + len < src || dst + len < dst || src + len > TASK_SIZE_MAX || dst + len > TASK_SIZE_MAX)
		return EMOLFAULT;
	err = party(me, src_ep, &sp);
	if (!err)
		err = party(me, dst_ep, &dp);
	if (err)
		goto out;
	/* Only the parties other than the caller are locked (a copy within the caller needs none). */
	a = sp == me ? dp : sp;
	b = dp == me ? sp : dp;
	m3k_lock_pair(a, b);
	err = may_copy(me, sp, dp);
	if (!err)
		err = copy_between(sp->mm, src, dp->mm, dst, len);
	if (!err) {
		M3K_COUNT(me, vcopies, 1);
		M3K_COUNT(me, bytes_copied, len);
	}
	m3k_unlock_pair(a, b);
out:
	if (sp)
		m3k_proc_put(sp);
	if (dp)
		m3k_proc_put(dp);
	return err;
}
