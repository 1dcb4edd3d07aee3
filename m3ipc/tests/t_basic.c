/* t_basic.c — error codes, unbound callers, bad VM ids, binding and bad endpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#define CODE_OF(e) e,
static const int codes[] = { M3IPC_ERRORS(CODE_OF) };
#define N_CODES ((int)(sizeof codes / sizeof codes[0]))

TEST(strerror_names_every_code)
{
	for (int i = 0; i < N_CODES; i++) {
		CHECK(codes[i] < 0);
		CHECK(strcmp(mnx_strerror(codes[i]), "unknown error") != 0);
		for (int j = 0; j < i; j++)
			CHECK(codes[i] != codes[j]);
	}
	CHECK(strcmp(mnx_strerror(-1), "unknown error") == 0);
	CHECK(strcmp(mnx_strerror(-300), "unknown error") == 0);
	CHECK(strcmp(mnx_strerror(EMOLOK), "success") == 0);
}

/* The values are MOL-IPC/DVK's (molerrno.h), so numbers in results mean what they mean there. */
TEST(error_codes_have_dvk_values)
{
	CHECK_RC(EMOLDEADSRCDST, -105);
	CHECK_RC(EMOLSRCDIED, -108);
	CHECK_RC(EMOLDSTDIED, -109);
	CHECK_RC(EMOLNOTBIND, -310);
	CHECK_RC(EMOLENDPOINT, -306);
	CHECK_RC(EMOLPROCSTS, -324);
	CHECK_RC(EMOLPRIVILEGES, -335);
	CHECK_RC(EMOLBADVMID, -302);
	CHECK_RC(EMOLTIMEDOUT, -61);
	CHECK_RC(EMOLAGAIN, -11);
	CHECK_RC(EMOLINTR, -4);
	CHECK_RC(EMOLGENERIC, -99);
}

TEST(unbound_caller_is_refused)
{
	message m = { 0 };
	char buf[8];
	CHECK_RC(mnx_send(0, &m), EMOLNOTBIND);
	CHECK_RC(mnx_receive(ANY, &m), EMOLNOTBIND);
	CHECK_RC(mnx_sendrec(0, &m), EMOLNOTBIND);
	CHECK_RC(mnx_notify(0), EMOLNOTBIND);
	CHECK_RC(mnx_send_T(0, &m, 0), EMOLNOTBIND);
	CHECK_RC(mnx_receive_T(ANY, &m, 0), EMOLNOTBIND);
	CHECK_RC(mnx_sendrec_T(0, &m, 0), EMOLNOTBIND);
	CHECK_RC(mnx_vcopy(0, buf, 1, buf, 1), EMOLNOTBIND);
	CHECK_RC(mnx_getep(SELF), EMOLNOTBIND);
	CHECK_RC(mnx_unbind(T_VM, SELF), EMOLNOTBIND);
}

TEST(bad_vmid_is_refused)
{
	int unused = t_unused_vmid();
	CHECK_RC(mnx_bind(-1, 0), EMOLBADVMID);
	CHECK_RC(mnx_bind(M3IPC_MAX_VMS, 0), EMOLBADVMID);
	CHECK_RC(mnx_bind(unused, 0), EMOLBADVMID);        /* not initialised */
	CHECK_RC(mnx_vm_init(-2), EMOLBADVMID);             /* -1 is M3IPC_ANY_VM */
	CHECK_RC(mnx_vm_init(M3IPC_MAX_VMS), EMOLBADVMID);
	CHECK_RC(mnx_vm_init(T_VM), EMOLVMEXIST);
	CHECK_RC(mnx_vm_end(unused), EMOLBADVMID);
	CHECK_RC(mnx_vm_end(-1), EMOLBADVMID);
	CHECK_RC(mnx_vm_group(unused, getgid()), EMOLBADVMID);
}

/* On the highest free id: a concurrent run (taking the lowest) cannot make a VM there between
 * the end and the re-init, where this test's bind would then land. */
TEST(vm_init_and_end_cycle)
{
	int vmid = t_unused_vmid();
	CHECK_RC(t_vm_init(vmid), vmid);
	int ep = OK(mnx_bind(vmid, 3));
	CHECK(_ENDPOINT_P(ep) == 3);
	CHECK_RC(t_vm_end(vmid), EMOLOK);
	CHECK_RC(mnx_bind(vmid, 3), EMOLBADVMID);
	CHECK_RC(mnx_vm_end(vmid), EMOLBADVMID);  /* ended once */
	CHECK_RC(t_vm_init(vmid), vmid);         /* the id is reusable after the end */
	OK(mnx_bind(vmid, 3));
	CHECK_RC(t_vm_end(vmid), EMOLOK);
}

/* M3IPC_ANY_VM takes a free id, never one in use: a run does not need to end (and so destroy)
 * a VM that somebody else holds. (Which free id is not checked: a concurrent run may take any.) */
TEST(vm_init_takes_a_free_id)
{
	int a = t_new_vm(), b = t_new_vm();
	CHECK(a != b && a != T_VM && a != T_VM2 && b != T_VM && b != T_VM2);
	CHECK_RC(mnx_vm_init(a), EMOLVMEXIST);
	CHECK_RC(t_vm_end(a), EMOLOK);
	int again = t_new_vm();
	CHECK(again != b && again != T_VM && again != T_VM2);
	OK(mnx_bind(again, 0));
}

static void bind_slot_5(void *result)
{
	*(int *)result = mnx_bind(T_VM, 5);
}

TEST(bind_rules)
{
	int ep = OK(mnx_bind(T_VM, 5));
	CHECK(ep >= 0 && ep < M3IPC_EP_LIMIT && _ENDPOINT_P(ep) == 5);
	CHECK_RC(mnx_bind(T_VM, 6), EMOLBUSY);          /* this thread is bound already */
	CHECK_RC(mnx_getep(SELF), ep);
	CHECK_RC(mnx_getep(t_tid()), ep);

	int other = 0;                                  /* another thread: slot 5 is taken */
	t_thread_join(t_thread(bind_slot_5, &other));
	CHECK_RC(other, EMOLBUSY);

	CHECK_RC(mnx_unbind(T_VM, ep + 1), EMOLENDPOINT);
	CHECK_RC(mnx_unbind(T_VM2, ep), EMOLBADVMID);
	CHECK_RC(mnx_unbind(T_VM, ep), EMOLOK);
	CHECK_RC(mnx_getep(SELF), EMOLNOTBIND);
	int again = OK(mnx_bind(T_VM, 5));
	CHECK(again != ep);                             /* a new generation: old ep is stale */
	CHECK(_ENDPOINT_P(again) == 5);
	CHECK_RC(mnx_unbind(T_VM, SELF), EMOLOK);

	CHECK_RC(mnx_bind(T_VM, -2), EMOLENDPOINT);
	CHECK_RC(mnx_bind(T_VM, M3IPC_MAX_EPS), EMOLENDPOINT);
	int any = OK(mnx_bind(T_VM, M3IPC_ANY_SLOT));
	CHECK(_ENDPOINT_P(any) >= 0 && _ENDPOINT_P(any) < M3IPC_MAX_EPS);
}

static void bind_and_hold(void *tid)
{
	__atomic_store_n((pid_t *)tid, t_tid(), __ATOMIC_SEQ_CST);
	OK(mnx_bind(T_VM, 9));
	message m;
	mnx_receive(ANY, &m);   /* until the test ends */
}

TEST(bad_endpoints_are_refused)
{
	int me = OK(mnx_bind(T_VM, 1));
	message m = { 0 };
	char buf[4];
	int bad[] = { -5, M3IPC_EP_LIMIT, ANY, NONE };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_RC(mnx_send(bad[i], &m), EMOLENDPOINT);
		CHECK_RC(mnx_sendrec(bad[i], &m), EMOLENDPOINT);
		CHECK_RC(mnx_notify(bad[i]), EMOLENDPOINT);
		CHECK_RC(mnx_vcopy(me, buf, bad[i], buf, 1), EMOLENDPOINT);
		if (bad[i] != ANY)
			CHECK_RC(mnx_receive_T(bad[i], &m, 0), EMOLENDPOINT);
	}
	CHECK_RC(mnx_send(me, &m), EMOLDEADLOCK);
	CHECK_RC(mnx_sendrec(me, &m), EMOLDEADLOCK);
	CHECK_RC(mnx_receive(me, &m), EMOLDEADLOCK);

	int nobody = _ENDPOINT(0, 7);                   /* well-formed, nobody bound there */
	CHECK_RC(mnx_send(nobody, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_notify(nobody), EMOLDEADSRCDST);
	CHECK_RC(mnx_receive(nobody, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_send(me, NULL), EMOLINVAL);

	pid_t tid = 0;
	t_thread(bind_and_hold, &tid);
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		;
	int live = t_ep_of(tid);
	OK(mnx_notify(live));
	/* Another generation of a bound slot is as dead as an empty slot. */
	int stale = (live + M3IPC_MAX_EPS) % M3IPC_EP_LIMIT;
	CHECK_RC(mnx_send(stale, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_notify(stale), EMOLDEADSRCDST);
}

/* The simulator's process table: one shm segment per VM, private to its user (0600, 0660 once
 * given to a group), gone after mnx_vm_end. The module keeps its table in the kernel. */
TEST(sim_table_is_a_private_segment_per_vm)
{
	if (strcmp(t_backend(), "sim") != 0)
		t_skip("only the simulator keeps its table in /dev/shm");
	const char *ns = getenv("M3IPC_NS");
	CHECK(ns != NULL);
	int vmid = t_unused_vmid();
	char path[128];
	snprintf(path, sizeof path, "/dev/shm/m3ipc.%s.vm%d", ns, vmid);
	CHECK(access(path, F_OK) != 0);
	CHECK_RC(t_vm_init(vmid), vmid);
	struct stat st;
	CHECK(stat(path, &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);
	CHECK(st.st_uid == geteuid());
	CHECK_RC(mnx_vm_group(vmid, getegid()), EMOLOK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0660 && st.st_gid == getegid());
	CHECK_RC(mnx_vm_group(vmid, (gid_t)-1), EMOLOK);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_RC(t_vm_end(vmid), EMOLOK);
	CHECK(access(path, F_OK) != 0);
}
