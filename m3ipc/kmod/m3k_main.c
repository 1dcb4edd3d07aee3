// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/m3ipc: a misc character device driven by ioctl, one command per call. Every argument
 * struct carries its size and the ABI version; anything else is refused before it is looked at.
 * A file is one process's handle: the threads bound through it are unbound when it is closed,
 * which is also what happens when the process exits or is killed (a thread that exits alone:
 * m3k_exit.c). The node is 0666: opening it grants nothing, every command checks the caller
 * against the VM it names (m3k_perm.c); an administrator may narrow it with a udev rule.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "m3k.h"

static int m3k_open(struct inode *inode, struct file *file)
{
	struct m3k_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	INIT_LIST_HEAD(&f->procs);
	file->private_data = f;
	return 0;
}

static int m3k_release(struct inode *inode, struct file *file)
{
	struct m3k_file *f = file->private_data;

	m3k_file_release(f);
	kfree(f);
	return 0;
}

/* Copies a versioned argument struct in; EMOLINVAL if its size or version do not match.
 * Inlined into each command's case with that struct's constant size: hardened usercopy checks
 * only copies of a variable size, so the check is compiled out of every call's path. */
static __always_inline int get_sized(void *arg, size_t size, unsigned long uarg)
{
	const struct m3k_hdr *hdr = arg;

	if (copy_from_user(arg, (const void __user *)uarg, size))
		return EMOLFAULT;
	return hdr->size == size && hdr->version == M3K_ABI_VERSION ? 0 : EMOLINVAL;
}

/* Every command returns >= 0, an EMOL* code or -ERESTARTSYS (a wait a signal interrupted);
 * the EMOL* codes are moved out of the errno range (m3ipc_uapi.h). */
static long to_user(long ret)
{
	return ret >= 0 || ret == -ERESTARTSYS ? ret : -M3K_ERRNO(ret);
}

/* Timeouts: -1 forever, 0 no wait, > 0 milliseconds; nothing else. */
static int check_timeout(s64 ms)
{
	return ms >= -1 && ms <= LONG_MAX ? 0 : EMOLINVAL;
}

static long ipc_call(struct m3k_file *f, unsigned int cmd, const struct m3k_ipc_arg *a)
{
	void __user *msg = u64_to_user_ptr(a->msg);
	struct m3k_proc *me, *later = NULL;
	long ret = check_timeout(a->timeout_ms);

	if (ret)
		return ret;
	me = m3k_caller(f);
	if (!me)
		return EMOLNOTBIND;
	if (cmd == M3K_IOC_NOTIFY)
		ret = m3k_notify(me, a->ep, &later);
	else
		ret = m3k_call(me, cmd, a->ep, msg, a->timeout_ms, &later);
	m3k_end_call(me, later);
	m3k_proc_put(me);
	return ret;
}

static long vcopy_call(struct m3k_file *f, const struct m3k_vcopy_arg *a)
{
	struct m3k_proc *me = m3k_caller(f);
	long ret;

	if (!me)
		return EMOLNOTBIND;
	ret = m3k_vcopy(me, a->src_ep, a->src_addr, a->dst_ep, a->dst_addr, a->len);
	m3k_end_call(me, NULL);
	m3k_proc_put(me);
	return ret;
}

union m3k_arg {
	struct m3k_int_arg i;
	struct m3k_bind_arg b;
	struct m3k_group_arg g;
	struct m3k_ipc_arg ipc;
	struct m3k_vcopy_arg v;
};

/* Copies cmd's argument struct in: 0, an EMOL* code, or -ENOTTY for a command the module does
 * not know. */
static int get_arg(union m3k_arg *a, unsigned int cmd, unsigned long uarg)
{
	switch (cmd) {
	case M3K_IOC_DRVS_INIT:
	case M3K_IOC_DRVS_END:
	case M3K_IOC_VM_INIT:
	case M3K_IOC_VM_END:
	case M3K_IOC_GETEP:
		return get_sized(&a->i, sizeof(a->i), uarg);
	case M3K_IOC_BIND:
	case M3K_IOC_UNBIND:
		return get_sized(&a->b, sizeof(a->b), uarg);
	case M3K_IOC_VM_GROUP:
		return get_sized(&a->g, sizeof(a->g), uarg);
	case M3K_IOC_SEND:
	case M3K_IOC_RECEIVE:
	case M3K_IOC_SENDREC:
	case M3K_IOC_NOTIFY:
		return get_sized(&a->ipc, sizeof(a->ipc), uarg);
	case M3K_IOC_VCOPY:
		return get_sized(&a->v, sizeof(a->v), uarg);
	default:
		return -ENOTTY;
	}
}

static long dispatch(struct m3k_file *f, unsigned int cmd, const union m3k_arg *a)
{
	switch (cmd) {
	case M3K_IOC_DRVS_INIT:
		return m3k_drvs_init(a->i.value);
	case M3K_IOC_DRVS_END:
		return m3k_drvs_end();
	case M3K_IOC_VM_INIT:
		return m3k_vm_init(a->i.value);
	case M3K_IOC_VM_END:
		return m3k_vm_end(a->i.value);
	case M3K_IOC_VM_GROUP:
		return m3k_vm_group(a->g.vmid, a->g.gid);
	case M3K_IOC_GETEP:
		return m3k_getep(f, a->i.value);
	case M3K_IOC_BIND:
		return m3k_bind(f, a->b.vmid, a->b.ep);
	case M3K_IOC_UNBIND:
		return m3k_unbind(f, a->b.vmid, a->b.ep);
	case M3K_IOC_VCOPY:
		return vcopy_call(f, &a->v);
	default:
		return ipc_call(f, cmd, &a->ipc);
	}
}

static long m3k_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	union m3k_arg a;
	long ret = get_arg(&a, cmd, uarg);

	if (ret == -ENOTTY)
		return ret;
	return to_user(ret ? ret : dispatch(file->private_data, cmd, &a));
}

static const struct file_operations m3k_fops = {
	.owner = THIS_MODULE,
	.open = m3k_open,
	.release = m3k_release,
	.unlocked_ioctl = m3k_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice m3k_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "m3ipc",
	.fops = &m3k_fops,
	.mode = 0666,
};

static int __init m3k_init(void)
{
	int err = m3k_exit_hook_init();

	if (err)
		return err;
	err = m3k_procfs_init();
	if (err)
		goto no_procfs;
	err = misc_register(&m3k_dev);
	if (err)
		goto no_dev;
	return 0;
no_dev:
	m3k_procfs_exit();
no_procfs:
	m3k_exit_hook_exit();
	return err;
}

static void __exit m3k_exit(void)
{
	misc_deregister(&m3k_dev);
	m3k_exit_hook_exit();
	m3k_procfs_exit();
	/* No file is open (each holds a module reference), so only VMs can remain. */
	m3k_end_all();
}

module_init(m3k_init);
module_exit(m3k_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("M3-IPC: Minix-3 style rendezvous IPC for Linux processes (/dev/m3ipc)");
