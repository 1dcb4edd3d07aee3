/* t_isolation.c — processes of different VMs cannot reach each other. */
#include <unistd.h>

#include "harness.h"

struct other_vm { int p_nr; volatile int ep; };

static void bind_in_vm2(void *p)
{
	struct other_vm *o = p;
	o->ep = OK(mnx_bind(T_VM2, o->p_nr));
	message m;
	mnx_receive(ANY, &m);     /* must never get anything from VM 1 */
	o->ep = -1;
}

TEST(vms_are_isolated)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct other_vm *o = t_shared(sizeof *o);
	o->p_nr = 4;
	o->ep = -1;
	pid_t pid = t_spawn(bind_in_vm2, o);
	while (__atomic_load_n(&o->ep, __ATOMIC_SEQ_CST) < 0)
		usleep(1000);
	t_wait_blocked(pid);
	int foreign = o->ep;
	message m = { .m_type = 1 };
	char buf[8];
	CHECK_RC(mnx_send(foreign, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_sendrec(foreign, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_notify(foreign), EMOLDEADSRCDST);
	CHECK_RC(mnx_receive_T(foreign, &m, 0), EMOLDEADSRCDST);
	CHECK_RC(mnx_vcopy(me, buf, foreign, buf, 1), EMOLDEADSRCDST);
	CHECK_RC(mnx_getep(pid), EMOLNOTBIND);
	t_wait_blocked(pid);
	CHECK(o->ep == foreign);              /* still blocked: nothing crossed over */
	t_kill(pid);
}
