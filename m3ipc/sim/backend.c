/* backend.c — the simulator's operations table, selected by M3IPC_BACKEND=sim (the default). */
#include "backend.h"
#include "calls.h"

const struct m3ipc_backend m3ipc_sim_backend = {
	.name = "sim",
	.drvs_init = sim_drvs_init,
	.drvs_end = sim_drvs_end,
	.vm_init = sim_vm_init,
	.vm_end = sim_vm_end,
	.vm_group = sim_vm_group,
	.bind = sim_bind,
	.unbind = sim_unbind,
	.send = sim_send,
	.receive = sim_receive,
	.sendrec = sim_sendrec,
	.notify = sim_notify,
	.vcopy = sim_vcopy,
	.getep = sim_getep,
};
