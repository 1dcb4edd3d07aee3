/* t_permissions.c — the permission model of m3ipc.h on a machine shared by users: an owner, a
 * member of the group the owner shared the VM with, and a stranger (run as root, which switches
 * each helper to its user); and endpoint lookups inside a pid namespace. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define OWNER    64001
#define MEMBER   64002
#define STRANGER 64003
#define GROUP    64100   /* OWNER and MEMBER belong to it */
#define NOT_MINE 64199   /* a group the owner does not belong to */

static void need_root(void)
{
	if (geteuid() != 0)
		t_skip("needs root, to act as several users");
}

/* Dumpable again after the change (t_become): only the uids decide what the test sees. */
static void become(uid_t uid, gid_t supplementary)
{
	CHECK(t_become(uid, supplementary) == 0);
}

struct shared_vm {
	volatile int vmid, owner_ep;
	unsigned char *owner_buf;   /* an address in the owner's process */
	message got;                /* what the owner received */
};

/* The owner: makes a VM, shares it with GROUP, then waits in a receive (so that a vcopy into it
 * would be allowed by its state) and checks that its memory was not touched. */
static void owner(void *p)
{
	struct shared_vm *s = p;
	static unsigned char buf[64];
	memset(buf, 0x11, sizeof buf);
	become(OWNER, GROUP);
	int vmid = t_new_vm();
	CHECK_RC(mnx_vm_group(vmid, NOT_MINE), EMOLPRIVILEGES);   /* like chgrp */
	CHECK_RC(mnx_vm_group(vmid, GROUP), EMOLOK);
	s->owner_buf = buf;
	s->owner_ep = OK(mnx_bind(vmid, 1));
	__atomic_store_n(&s->vmid, vmid, __ATOMIC_SEQ_CST);
	OK(mnx_receive(ANY, &s->got));
	for (size_t i = 0; i < sizeof buf; i++)
		CHECK(buf[i] == 0x11);
}

/* Another user: no binding, no ending, no sharing, and not everyone's VMs either. */
static void stranger(void *p)
{
	struct shared_vm *s = p;
	static char buf[16];
	become(STRANGER, 0);
	CHECK_RC(mnx_bind(s->vmid, 3), EMOLPRIVILEGES);
	CHECK_RC(mnx_bind(s->vmid, M3IPC_ANY_SLOT), EMOLPRIVILEGES);
	CHECK_RC(mnx_vm_end(s->vmid), EMOLPRIVILEGES);
	CHECK_RC(mnx_vm_group(s->vmid, STRANGER), EMOLPRIVILEGES);
	CHECK_RC(mnx_drvs_end(), EMOLPRIVILEGES);
	CHECK_RC(mnx_vcopy(SELF, buf, s->owner_ep, s->owner_buf, 16), EMOLNOTBIND);
}

/* A member of the group: may bind and talk, but neither end the VM, nor re-share it, nor copy
 * into or out of the owner's memory (that needs the owner's uid or CAP_SYS_PTRACE). */
static void member(void *p)
{
	struct shared_vm *s = p;
	static char buf[16];
	become(MEMBER, GROUP);
	OK(mnx_bind(s->vmid, 2));
	CHECK_RC(mnx_vcopy(SELF, buf, s->owner_ep, s->owner_buf, 16), EMOLPRIVILEGES);
	CHECK_RC(mnx_vcopy(s->owner_ep, s->owner_buf, SELF, buf, 16), EMOLPRIVILEGES);
	CHECK_RC(mnx_vm_end(s->vmid), EMOLPRIVILEGES);
	CHECK_RC(mnx_vm_group(s->vmid, GROUP), EMOLPRIVILEGES);
	message m = { .m_type = 7 };
	OK(mnx_send(s->owner_ep, &m));
}

TEST(another_user_cannot_touch_a_vm)
{
	need_root();
	struct shared_vm *s = t_shared(sizeof *s);
	s->vmid = -1;
	pid_t po = t_spawn(owner, s);
	while (__atomic_load_n(&s->vmid, __ATOMIC_SEQ_CST) < 0)
		usleep(1000);
	t_wait_blocked(po);
	t_join(t_spawn(stranger, s));
	t_join(t_spawn(member, s));
	t_join(po);
	CHECK(s->got.m_type == 7 && _ENDPOINT_P(s->got.m_source) == 2);
	CHECK_RC(t_vm_end(s->vmid), EMOLOK);                      /* CAP_SYS_ADMIN may */
}

struct in_ns { int test_pid; volatile int ep, checked; volatile pid_t outer_pid; };

/* pid 1 of a new pid namespace: its own numbers find its binding, the outside's find nothing. */
static void in_namespace(void *p)
{
	struct in_ns *x = p;
	CHECK_RC(getpid(), 1);
	int ep = OK(mnx_bind(T_VM, 4));
	CHECK_RC(mnx_getep(1), ep);
	CHECK_RC(mnx_getep(t_tid()), ep);
	CHECK_RC(mnx_getep(x->test_pid), EMOLNOTBIND);   /* that number is nobody here */
	__atomic_store_n(&x->ep, ep, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&x->checked, __ATOMIC_SEQ_CST))
		usleep(1000);
}

static void spawn_in_namespace(void *p)
{
	struct in_ns *x = p;
	CHECK(unshare(CLONE_NEWPID) == 0);
	pid_t pid = t_spawn(in_namespace, x);
	__atomic_store_n(&x->outer_pid, pid, __ATOMIC_SEQ_CST);
	t_join(pid);
}

TEST(getep_inside_a_pid_namespace)
{
	if (strcmp(t_backend(), "sim") == 0)
		t_skip("the simulator names threads by tid: it needs one pid namespace per VM");
	need_root();
	struct in_ns *x = t_shared(sizeof *x);
	OK(mnx_bind(T_VM, 0));
	*x = (struct in_ns){ .test_pid = getpid(), .ep = -1, .outer_pid = -1 };
	pid_t pid = t_spawn(spawn_in_namespace, x);
	while (__atomic_load_n(&x->ep, __ATOMIC_SEQ_CST) < 0 || __atomic_load_n(&x->outer_pid, __ATOMIC_SEQ_CST) < 0)
		usleep(1000);
	CHECK_RC(mnx_getep(x->outer_pid), x->ep);     /* our number of that thread */
	CHECK_RC(mnx_getep(1), EMOLNOTBIND);          /* our pid 1 is init, not bound */
	__atomic_store_n(&x->checked, 1, __ATOMIC_SEQ_CST);
	t_join(pid);
}
