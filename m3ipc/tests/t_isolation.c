/* t_isolation.c — processes of different VMs cannot reach each other, even when an endpoint
 * value means a live thread in both VMs (same slot, same generation). */
#include <unistd.h>

#include "harness.h"

struct occupant { int vmid, p_nr, n; volatile int ep; message got[2]; volatile int received; };

/* Bind slot p_nr of vmid, then receive n messages (n = 0: forever, nothing must come). */
static void occupy(void *p)
{
	struct occupant *o = p;
	o->ep = OK(mnx_bind(o->vmid, o->p_nr));
	for (int i = 0; i < (o->n ? o->n : 1); i++) {
		OK(mnx_receive(ANY, &o->got[i]));
		o->received = i + 1;
	}
	if (o->n == 0)
		pause();
}

static pid_t start(struct occupant *o, int vmid, int p_nr, int n)
{
	*o = (struct occupant){ .vmid = vmid, .p_nr = p_nr, .n = n, .ep = -1 };
	pid_t pid = t_spawn(occupy, o);
	while (__atomic_load_n(&o->ep, __ATOMIC_SEQ_CST) < 0)
		usleep(1000);
	t_wait_blocked(pid);
	return pid;
}

TEST(vms_are_isolated)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct occupant *twin = t_shared(sizeof *twin), *local = t_shared(sizeof *local),
			*alone = t_shared(sizeof *alone);
	pid_t ptwin = start(twin, T_VM2, 4, 0);    /* VM 2, slot 4 */
	pid_t plocal = start(local, T_VM, 4, 2);   /* our VM, slot 4: the same endpoint value */
	pid_t palone = start(alone, T_VM2, 6, 0);  /* VM 2, slot 6: empty in our VM */
	int both = local->ep;
	CHECK_RC(twin->ep, both);                  /* one value, two threads: the test's premise */

	/* The value reaches our VM's thread only. */
	OK(mnx_notify(both));
	message m = { .m_type = 1 };
	OK(mnx_send(both, &m));
	t_join(plocal);
	CHECK(IS_NOTIFY(local->got[0].m_type) && local->got[0].m_source == me);
	CHECK(local->got[1].m_type == 1 && local->got[1].m_source == me);

	/* An endpoint of the other VM only is dead for every call. */
	int foreign = alone->ep;
	char buf[8];
	CHECK_RC(mnx_send(foreign, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_sendrec(foreign, &m), EMOLDEADSRCDST);
	CHECK_RC(mnx_notify(foreign), EMOLDEADSRCDST);
	CHECK_RC(mnx_receive_T(foreign, &m, 0), EMOLDEADSRCDST);
	CHECK_RC(mnx_vcopy(me, buf, foreign, buf, 1), EMOLDEADSRCDST);
	CHECK_RC(mnx_getep(palone), EMOLNOTBIND);
	CHECK_RC(mnx_getep(ptwin), EMOLNOTBIND);

	t_wait_blocked(ptwin);
	t_wait_blocked(palone);
	CHECK(twin->received == 0 && alone->received == 0);   /* nothing crossed over */
	t_kill(ptwin);
	t_kill(palone);
}
