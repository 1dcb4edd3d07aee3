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
 * NOTIFY_TIMESTAMP = CLOCK_MONOTONIC nanoseconds at the time the notify was posted. */
#define NOTIFY_MESSAGE      0x1000
#define NOTIFY_FROM(p_nr)   (NOTIFY_MESSAGE | (p_nr))
#define IS_NOTIFY(type)     (((type) & ~(M3IPC_MAX_EPS - 1)) == NOTIFY_MESSAGE)
#define NOTIFY_TIMESTAMP    m2_l1

/* ---------------------------------------------------------------- errors */
#define EMOLOK           0
#define _EMOL_BASE       300
#define EMOLGENERIC      (-(_EMOL_BASE + 1))   /* unexpected system error */
#define EMOLNOSYS        (-(_EMOL_BASE + 2))   /* backend unknown or not available here */
#define EMOLNOTINIT      (-(_EMOL_BASE + 3))   /* mnx_drvs_init not done */
#define EMOLINVAL        (-(_EMOL_BASE + 4))   /* bad argument (NULL message, bad nodeid...) */
#define EMOLBADVMID      (-(_EMOL_BASE + 5))   /* vmid out of range or VM not initialised */
#define EMOLVMEXIST      (-(_EMOL_BASE + 6))   /* mnx_vm_init of a VM that exists */
#define EMOLENDPOINT     (-(_EMOL_BASE + 7))   /* endpoint out of range / malformed */
#define EMOLNOTBIND      (-(_EMOL_BASE + 8))   /* caller (or target) not bound */
#define EMOLBUSY         (-(_EMOL_BASE + 9))   /* slot taken / caller already bound / VM in use */
#define EMOLDEADSRCDST   (-(_EMOL_BASE + 10))  /* peer endpoint is dead or stale */
#define EMOLSRCDIED      (-(_EMOL_BASE + 11))  /* the source died while we waited for it */
#define EMOLDSTDIED      (-(_EMOL_BASE + 12))  /* the destination died while we waited for it */
#define EMOLTIMEDOUT     (-(_EMOL_BASE + 13))  /* _T call: the timeout expired */
#define EMOLAGAIN        (-(_EMOL_BASE + 14))  /* _T call with timeout 0 would block */
#define EMOLRANGE        (-(_EMOL_BASE + 15))  /* vcopy length 0 or > M3IPC_VCOPY_MAX */
#define EMOLPROCSTS      (-(_EMOL_BASE + 16))  /* vcopy party not blocked in a receive */
#define EMOLDEADLOCK     (-(_EMOL_BASE + 17))  /* send/receive to oneself */
#define EMOLFAULT        (-(_EMOL_BASE + 18))  /* bad address in a vcopy */
#define EMOLPRIVILEGES   (-(_EMOL_BASE + 19))  /* not allowed (e.g. other user's system) */
#define EMOLNOMEM        (-(_EMOL_BASE + 20))  /* out of memory / shm */
#define EMOLINTR         (-(_EMOL_BASE + 21))  /* interrupted; VM ended under the caller */
#define _EMOL_LAST       EMOLINTR

/* ---------------------------------------------------------------- calls */
/* Initialise / end this node's IPC system. backend: "sim", "kmod", or NULL to use
 * $M3IPC_BACKEND (default "sim"). drvs_end also ends every VM still alive. */
int mnx_drvs_init(int nodeid, const char *backend);
int mnx_drvs_end(void);

/* Choose the backend for a process that did not call mnx_drvs_init (e.g. a server started
 * by another program); 0 or EMOLNOSYS. Must precede every other call. */
int mnx_use_backend(const char *backend);
/* Name of the backend in use ("sim" / "kmod"), selecting the default if none yet. */
const char *mnx_backend_name(void);

/* Create / end a VM (isolation compartment). vm_init returns the vmid. Ending a VM unbinds
 * its endpoints; threads blocked in it get EMOLINTR, later calls EMOLNOTBIND/EMOLBADVMID. */
int mnx_vm_init(int vmid);
int mnx_vm_end(int vmid);

/* Bind the calling thread to slot p_nr (or M3IPC_ANY_SLOT) of VM vmid; returns the endpoint.
 * Unbind releases it (ep: own endpoint or SELF). A thread or process that exits bound is
 * unbound implicitly; its peers get EMOLDEADSRCDST / EMOLSRCDIED / EMOLDSTDIED. */
int mnx_bind(int vmid, int p_nr);
int mnx_unbind(int vmid, int ep);

/* Rendezvous message passing (no buffering). */
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
 * without an intermediate buffer. Every party other than the caller must be blocked in a
 * receive (e.g. inside mnx_sendrec) for the whole copy, else EMOLPROCSTS. Returns 0. */
int mnx_vcopy(int src_ep, const void *src_addr, int dst_ep, void *dst_addr, size_t len);

/* Endpoint bound by thread/process pid in the caller's VM (SELF: the caller's own).
 * EMOLNOTBIND if the caller is unbound or pid is not bound there. */
int mnx_getep(pid_t pid);

/* Text for an EMOL* code (or "unknown error"). */
const char *mnx_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* M3IPC_H */
