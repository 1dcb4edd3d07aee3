/* calls.h — the simulator's implementation of each backend operation (backend.h). */
#ifndef M3IPC_SIM_CALLS_H
#define M3IPC_SIM_CALLS_H

#include "m3ipc.h"

int sim_drvs_init(int nodeid);
int sim_drvs_end(void);
int sim_vm_init(int vmid);
int sim_vm_end(int vmid);
int sim_vm_group(int vmid, gid_t gid);
int sim_bind(int vmid, int p_nr);
int sim_unbind(int vmid, int ep);
int sim_getep(pid_t pid);
int sim_send(int dst_ep, message *m, long timeout_ms);
int sim_receive(int src_ep, message *m, long timeout_ms);
int sim_sendrec(int srcdst_ep, message *m, long timeout_ms);
int sim_notify(int dst_ep);
int sim_vcopy(int src_ep, const void *src_addr, int dst_ep, void *dst_addr, size_t len);

#endif /* M3IPC_SIM_CALLS_H */
