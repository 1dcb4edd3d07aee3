// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned message buffers. A thread that blocks in send/receive pins the page(s) of its own
 * message so that its peer, running later in its own context, copies the message once,
 * directly between the two user buffers (copy_from_user into the receiver's pinned page, or
 * copy_to_user out of the sender's), without a kernel buffer in between.
 */
#include <linux/mm.h>
#include <linux/highmem.h>
#include <linux/uaccess.h>
#include "m3k.h"

int m3k_ubuf_pin(struct m3k_ubuf *b, void __user *msg, bool writable)
{
	unsigned long addr = (unsigned long)msg;
	unsigned long last = addr + sizeof(message) - 1;
	int n, pinned;

	if (!access_ok(msg, sizeof(message)))
		return EMOLFAULT;
	n = (last >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1;
	pinned = pin_user_pages_fast(addr & PAGE_MASK, n, writable ? FOLL_WRITE : 0, b->pages);
	if (pinned != n) {
		if (pinned > 0)
			unpin_user_pages(b->pages, pinned);
		return EMOLFAULT;
	}
	b->npages = n;
	b->offset = offset_in_page(addr);
	b->writable = writable;
	return 0;
}

void m3k_ubuf_unpin(struct m3k_ubuf *b)
{
	if (!b->npages)
		return;
	if (b->writable)
		unpin_user_pages_dirty_lock(b->pages, b->npages, true);
	else
		unpin_user_pages(b->pages, b->npages);
	b->npages = 0;
}

/* Calls fn on each page-contiguous piece of [offset, offset + len) of the pinned message. */
typedef int (*piece_fn)(char *kaddr, size_t pos, size_t len, void *other);

static int ubuf_walk(const struct m3k_ubuf *b, size_t offset, size_t len, piece_fn fn, void *other)
{
	size_t pos = 0;
	int err = 0;

	while (!err && pos < len) {
		size_t abs = b->offset + offset + pos;
		size_t piece = min_t(size_t, len - pos, PAGE_SIZE - offset_in_page(abs));
		char *map = kmap_local_page(b->pages[abs >> PAGE_SHIFT]);

		err = fn(map + offset_in_page(abs), pos, piece, other);
		kunmap_local(map);
		pos += piece;
	}
	return err;
}

static int piece_from_user(char *kaddr, size_t pos, size_t len, void *src)
{
	return copy_from_user(kaddr, (const char __user *)src + pos, len) ? EMOLFAULT : 0;
}

static int piece_to_user(char *kaddr, size_t pos, size_t len, void *dst)
{
	return copy_to_user((char __user *)dst + pos, kaddr, len) ? EMOLFAULT : 0;
}

static int piece_from_kernel(char *kaddr, size_t pos, size_t len, void *src)
{
	memcpy(kaddr, (const char *)src + pos, len);
	return 0;
}

int m3k_ubuf_from_user(struct m3k_ubuf *dst, const void __user *src)
{
	return ubuf_walk(dst, 0, sizeof(message), piece_from_user, (void __force *)src);
}

int m3k_ubuf_to_user(void __user *dst, const struct m3k_ubuf *src)
{
	return ubuf_walk(src, 0, sizeof(message), piece_to_user, (void __force *)dst);
}

/* Writes kernel-made bytes (a notification, the sender's endpoint) into a pinned message. */
void m3k_ubuf_write(struct m3k_ubuf *dst, size_t offset, const void *src, size_t len)
{
	ubuf_walk(dst, offset, len, piece_from_kernel, (void *)src);
}
