/*
 * m3ipc.h — the M3-IPC API (Minix-3 style synchronous, unbuffered message passing),
 * one header for every backend:
 *   sim  — user-space simulator (m3ipc/sim/), shared-memory process table + futexes;
 *   kmod — Linux kernel module driven by ioctl on /dev/m3ipc (m3ipc/kmod/).
 * The backend is chosen at run time (mnx_drvs_init's argument, mnx_use_backend(), or the
 * environment variable M3IPC_BACKEND=sim|kmod; default sim), never at compile time.
 *
 * Every call returns a negative EMOL* code on failure (never sets errno as its result).
 * Calls that block act on behalf of the calling *thread*: mnx_bind binds the calling thread
 * (its tid) to an endpoint; a process may hold several endpoints, one per thread.
 */
#ifndef M3IPC_H
#define M3IPC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- limits */
#define M3IPC_MAX_VMS        16            /* vmid is 0 .. M3IPC_MAX_VMS-1 */
#define M3IPC_MAX_EPS        128           /* endpoints (process slots) per VM; p_nr 0..127 */
#define M3IPC_VCOPY_MAX      (4u << 20)    /* largest mnx_vcopy block: 4 MiB, as the paper */
#define M3IPC_MAX_NODEID     31

/* An endpoint encodes the slot number and a generation that changes on every bind of the
 * slot, so a stale endpoint (its owner unbound or died) is detected instead of reaching the
 * slot's next owner. Endpoints are always in [0, M3IPC_EP_LIMIT). */
#define M3IPC_EP_GENERATIONS 128
#define M3IPC_EP_LIMIT       (M3IPC_MAX_EPS * M3IPC_EP_GENERATIONS)
#define _ENDPOINT(gen, p_nr) ((gen) * M3IPC_MAX_EPS + (p_nr))
#define _ENDPOINT_P(ep)      ((ep) % M3IPC_MAX_EPS)
#define _ENDPOINT_G(ep)      ((ep) / M3IPC_MAX_EPS)

/* Special endpoint values (Minix numbering; all >= M3IPC_EP_LIMIT so no clash). */
#define ANY     0x7ace   /* mnx_receive: from any sender */
#define NONE    0x6ace
#define SELF    0x8ace   /* mnx_getep(SELF) / mnx_bind: "me" */

/* mnx_bind(vmid, M3IPC_ANY_SLOT): take the lowest free slot. */
#define M3IPC_ANY_SLOT (-1)
/* mnx_vm_init(M3IPC_ANY_VM): take the lowest free VM id (a run never ends a VM it did not make). */
#define M3IPC_ANY_VM   (-1)

/* Timeouts of the _T variants, in milliseconds. */
#define M3IPC_TIMEOUT_NOWAIT   0L     /* do not block: EMOLAGAIN if it would */
#define M3IPC_TIMEOUT_FOREVER  (-1L)  /* what the plain calls use */

/* ---------------------------------------------------------------- message */
/* Fixed-size message: m_source + m_type + a union of Minix-style layouts. The size is
 * whatever the ABI makes it (48 bytes on x86-64, 36 on i386 as in the paper); it is
 * recorded in benchmark results as sizeof_message. */
#define M3_STRING 14

typedef struct { int m1i1, m1i2, m1i3; char *m1p1, *m1p2, *m1p3; } mess_1;
typedef struct { int m2i1, m2i2, m2i3; long m2l1, m2l2; char *m2p1; } mess_2;
typedef struct { int m3i1, m3i2; char *m3p1; char m3ca1[M3_STRING]; } mess_3;
typedef struct { long m4l1, m4l2, m4l3, m4l4, m4l5; } mess_4;
typedef struct { short m5c1, m5c2; int m5i1, m5i2; long m5l1, m5l2, m5l3; } mess_5;
typedef struct { int m7i1, m7i2, m7i3, m7i4, m7i5; char *m7p1, *m7p2; } mess_7;

typedef struct {
	int m_source;   /* filled in by the IPC layer: the sender's endpoint */
	int m_type;     /* what kind of message; NOTIFY_FROM(p_nr) for notifications */
	union {
		mess_1 m_m1;
		mess_2 m_m2;
		mess_3 m_m3;
		mess_4 m_m4;
		mess_5 m_m5;
		mess_7 m_m7;
	} m_u;
} message;

#define m1_i1 m_u.m_m1.m1i1
#define m1_i2 m_u.m_m1.m1i2
#define m1_i3 m_u.m_m1.m1i3
#define m1_p1 m_u.m_m1.m1p1
#define m1_p2 m_u.m_m1.m1p2
#define m1_p3 m_u.m_m1.m1p3
#define m2_i1 m_u.m_m2.m2i1
#define m2_i2 m_u.m_m2.m2i2
#define m2_i3 m_u.m_m2.m2i3
#define m2_l1 m_u.m_m2.m2l1
#define m2_l2 m_u.m_m2.m2l2
#define m2_p1 m_u.m_m2.m2p1
#define m3_i1 m_u.m_m3.m3i1
#define m3_i2 m_u.m_m3.m3i2
#define m3_p1 m_u.m_m3.m3p1
#define m3_ca1 m_u.m_m3.m3ca1
#define m4_l1 m_u.m_m4.m4l1
#define m4_l2 m_u.m_m4.m4l2
#define m4_l3 m_u.m_m4.m4l3
#define m4_l4 m_u.m_m4.m4l4
#define m4_l5 m_u.m_m4.m4l5
#define m5_c1 m_u.m_m5.m5c1
#define m5_c2 m_u.m_m5.m5c2
#define m5_i1 m_u.m_m5.m5i1
#define m5_i2 m_u.m_m5.m5i2
#define m5_l1 m_u.m_m5.m5l1
#define m5_l2 m_u.m_m5.m5l2
#define m5_l3 m_u.m_m5.m5l3
#define m7_i1 m_u.m_m7.m7i1
#define m7_i2 m_u.m_m7.m7i2
#define m7_i3 m_u.m_m7.m7i3
#define m7_i4 m_u.m_m7.m7i4
#define m7_i5 m_u.m_m7.m7i5
#define m7_p1 m_u.m_m7.m7p1
#define m7_p2 m_u.m_m7.m7p2

/* Notifications: a receive delivers a pending notify as a message with
 * m_source = the notifier's endpoint, m_type = NOTIFY_FROM(notifier's p_nr) and
 * NOTIFY_TIMESTAMP = CLOCK_MONOTONIC nanoseconds when that message is built, i.e. at delivery:
 * at the notify when the destination was already waiting for it, else at the receive that takes
 * the pending bit (Minix builds the notification message at delivery too).
 * Rules shared by every backend:
 *  - a notify never completes the reply phase of a sendrec (Minix's MF_REPLY_PEND): it stays
 *    pending and the next receive takes it;
 *  - pending bits coalesce per notifier; when a notifier unbinds or dies its undelivered
 *    notifications vanish (a receiver never gets one from an endpoint that is already dead). */
#define NOTIFY_MESSAGE      0x1000
#define NOTIFY_FROM(p_nr)   (NOTIFY_MESSAGE | (p_nr))
#define IS_NOTIFY(type)     (((type) & ~(M3IPC_MAX_EPS - 1)) == NOTIFY_MESSAGE)
#define NOTIFY_TIMESTAMP    m2_l1

/* ---------------------------------------------------------------- errors */
/* Negative codes with MOL-IPC/DVK's values (its molerrno.h / dvs_errno.h; the name there in
 * brackets where it differs), so results read the same as the paper's implementation. */
#define EMOLOK           0
#define EMOLINTR         (-4)     /* interrupted: the VM ended (or the binding was ended) under the call */
#define EMOLAGAIN        (-11)    /* _T call with timeout 0 would block */
#define EMOLNOMEM        (-12)    /* out of memory / shm */
#define EMOLFAULT        (-14)    /* bad address (message or vcopy block) */
#define EMOLBUSY         (-16)    /* slot taken / caller already bound / no free VM id */
#define EMOLINVAL        (-22)    /* bad argument (NULL message, bad nodeid, gid...) */
#define EMOLRANGE        (-34)    /* vcopy length > M3IPC_VCOPY_MAX */
#define EMOLDEADLOCK     (-35)    /* send/receive to oneself [EDVSDEADLK] */
#define EMOLNOSYS        (-38)    /* backend unknown or not available here */
#define EMOLTIMEDOUT     (-61)    /* _T call: the timeout expired */
#define EMOLGENERIC      (-99)    /* unexpected system error */
#define EMOLDEADSRCDST   (-105)   /* peer endpoint is dead or stale */
#define EMOLSRCDIED      (-108)   /* the source died while we waited for it */
#define EMOLDSTDIED      (-109)   /* the destination died while we waited for it */
#define EMOLBADVMID      (-302)   /* vmid out of range or VM not initialised [EDVSBADDCID; DVK
				   * has EDVSDCNOTRUN -303 for the second case, m3ipc does not] */
#define EMOLENDPOINT     (-306)   /* endpoint out of range / malformed */
#define EMOLNOTBIND      (-310)   /* caller (or target) not bound */
#define EMOLNOTINIT      (-318)   /* mnx_drvs_init not done [EDVSDVSINIT] */
#define EMOLVMEXIST      (-323)   /* mnx_vm_init of a VM that exists [EDVSDCRUN] */
#define EMOLPROCSTS      (-324)   /* vcopy party not blocked in a receive */
#define EMOLPRIVILEGES   (-335)   /* not allowed: another user's VM or process (see below) */

/* Every code above, for tables and tests: X(code) once each. */
#define M3IPC_ERRORS(X)                                                                  \
	X(EMOLINTR) X(EMOLAGAIN) X(EMOLNOMEM) X(EMOLFAULT) X(EMOLBUSY) X(EMOLINVAL)      \
	X(EMOLRANGE) X(EMOLDEADLOCK) X(EMOLNOSYS) X(EMOLTIMEDOUT) X(EMOLGENERIC)          \
	X(EMOLDEADSRCDST) X(EMOLSRCDIED) X(EMOLDSTDIED) X(EMOLBADVMID) X(EMOLENDPOINT)    \
	X(EMOLNOTBIND) X(EMOLNOTINIT) X(EMOLVMEXIST) X(EMOLPROCSTS) X(EMOLPRIVILEGES)

/* Permissions (both backends). A VM belongs to the effective user that created it, and
 * optionally to a group (mnx_vm_group). Binding into a VM needs its owner, a member of its group
 * or CAP_SYS_ADMIN; ending it needs its owner or CAP_SYS_ADMIN; ending all VMs (mnx_drvs_end)
 * needs CAP_SYS_ADMIN; a vcopy needs, beyond the binding, the right to ptrace
 * (PTRACE_MODE_ATTACH_REALCREDS: same real uid/gid as the party, or CAP_SYS_PTRACE) every party.
 * Refusals give EMOLPRIVILEGES. The simulator enforces this through its segments' file modes and
 * process_vm_readv/writev's own check; the module checks it in the kernel. */

/* ---------------------------------------------------------------- calls */
/* Initialise / end this node's IPC system. backend: "sim", "kmod", or NULL to use
 * $M3IPC_BACKEND (default "sim"). drvs_end ends every VM still alive, anyone's: it needs
 * CAP_SYS_ADMIN (EMOLPRIVILEGES otherwise); a run ends the VMs it made with mnx_vm_end instead. */
int mnx_drvs_init(int nodeid, const char *backend);
int mnx_drvs_end(void);

/* Choose the backend for a process that did not call mnx_drvs_init (e.g. a server started
 * by another program); 0 or EMOLNOSYS. Must precede every other call. */
int mnx_use_backend(const char *backend);
/* Name of the backend in use ("sim" / "kmod"), selecting the default if none yet. */
const char *mnx_backend_name(void);

/* Create / end a VM (isolation compartment). vm_init returns the vmid (vmid M3IPC_ANY_VM: the
 * lowest free one, EMOLBUSY if none). Ending a VM unbinds its endpoints; threads blocked in it
 * get EMOLINTR, later calls EMOLNOTBIND/EMOLBADVMID. */
int mnx_vm_init(int vmid);
int mnx_vm_end(int vmid);

/* Let the members of group gid bind into VM vmid (gid (gid_t)-1: its owner only again). The
 * caller must own the VM and belong to gid, or have CAP_SYS_ADMIN; else EMOLPRIVILEGES. */
int mnx_vm_group(int vmid, gid_t gid);

/* Bind the calling thread to slot p_nr (or M3IPC_ANY_SLOT) of VM vmid; returns the endpoint.
 * Unbind releases it (ep: own endpoint or SELF). A thread or process that exits bound is
 * unbound implicitly; its peers get EMOLDEADSRCDST / EMOLSRCDIED / EMOLDSTDIED. */
int mnx_bind(int vmid, int p_nr);
int mnx_unbind(int vmid, int ep);

/* Rendezvous message passing (no buffering: a message waits only while its sender does).
 * EMOLFAULT: m is not readable (a send, a sendrec's request: nothing is sent) or not writable
 * when the message arrives. A receive, or a sendrec's reply, may find that out only after the
 * message was taken for it (kmod: it is copied out once the caller runs again): the sender was
 * told it was delivered, the receiver gets EMOLFAULT and the message is lost.
 * A send or notify that finds its receiver waiting completes at once; a receiver that can run
 * only on the sender's CPU may be woken when the sender next blocks or calls (kmod), and within
 * a tick whatever the sender does meanwhile. */
int mnx_send(int dst_ep, message *m);
int mnx_receive(int src_ep, message *m);          /* src_ep may be ANY */
int mnx_sendrec(int srcdst_ep, message *m);       /* send, then receive the reply into m */
int mnx_notify(int dst_ep);                       /* never blocks */

/* Timeout variants: timeout_ms 0 = do not wait (EMOLAGAIN), -1 = forever, else EMOLTIMEDOUT
 * on expiry. For sendrec the timeout bounds the whole call. */
int mnx_send_T(int dst_ep, message *m, long timeout_ms);
int mnx_receive_T(int src_ep, message *m, long timeout_ms);
int mnx_sendrec_T(int srcdst_ep, message *m, long timeout_ms);

/* Copy len bytes from src_addr in src_ep's address space to dst_addr in dst_ep's, once,
 * without an intermediate buffer. src_ep / dst_ep: an endpoint of the caller's VM, or SELF.
 * Every party other than the caller must be blocked in a receive (e.g. inside mnx_sendrec) for
 * the whole copy, else EMOLPROCSTS; then the permission check above (EMOLPRIVILEGES). Returns 0.
 *  - len 0 copies nothing and returns 0 once the caller is bound, nothing else is checked (as
 *    Minix's sys_vircopy); len > M3IPC_VCOPY_MAX is EMOLRANGE.
 *  - src_ep and dst_ep may be the same party (or threads of one process): the copy is then as by
 *    memmove, overlapping ranges included; src_addr == dst_addr changes nothing. */
int mnx_vcopy(int src_ep, const void *src_addr, int dst_ep, void *dst_addr, size_t len);

/* Endpoint bound by thread/process pid in the caller's VM (SELF: the caller's own); pid as the
 * caller's pid namespace numbers it (kmod; the simulator needs one pid namespace per VM).
 * EMOLNOTBIND if the caller is unbound or pid is not bound there. */
int mnx_getep(pid_t pid);

/* Text for an EMOL* code (or "unknown error"). */
const char *mnx_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* M3IPC_H */
