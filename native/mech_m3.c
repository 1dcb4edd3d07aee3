/*
 * m3-sim / m3-kmod: the M3-IPC reference implementation (m3ipc/include/m3ipc.h) driven through
 * its public API. Same code for both; the backend is chosen at setup (mnx_use_backend).
 *
 * One VM per case, a free id (M3IPC_ANY_VM: on the module VM ids are the machine's, and a VM
 * that is taken belongs to another run, never ours to end); every process of group g binds slot
 * g * ROLE_COUNT + role and publishes its endpoint in shared memory, where the peers wait for
 * it. Iterations (docs/protocol.md):
 *   IPC1  client send + receive          server receive + send (the reply)
 *   IPC2  client sendrec                  server receive + send
 *   IPC3  client notify + receive         server receive + notify back
 *   COPY1 the server waits in sendrec (blocked in its receive, offering its buffer); the client
 *         (the requester and the source) receives that request, vcopies into it, replies.
 *         COPY2: A and B wait in sendrec while the requester (client) vcopies from A to B.
 *         Sync: one vcopy per request/reply, i.e. per block. Stream: `burst` vcopies per
 *         request/reply, the peers staying blocked. The request/reply is timed too.
 * Messages are fixed-size: `size` up to sizeof(message) is carried, larger is skipped.
 * Verify (docs/mechanisms.md): every byte of a message's payload and its m_type, m_source and
 * a notification's timestamp are checked; every copied block is checked (the destination checks
 * the one it holds at the reply, the requester reads earlier blocks of a burst back).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "loops.h"
#include "m3ipc.h"
#include "mech.h"

#define M3_MAX_PAIRS (M3IPC_MAX_EPS / ROLE_COUNT)
#define KMOD_DEVICE  "/dev/m3ipc"

struct m3_shared {        /* MAP_SHARED: the case's VM, endpoints published at attach */
	int vmid;             /* -1 until made */
	int ep[M3_MAX_PAIRS][ROLE_COUNT];
};

/* mnx_drvs_init done by this worker process, per backend (a worker may run both). */
static bool sim_initialised, kmod_initialised;

static struct m3_shared *shared_of(const struct bench *b) { return b->priv; }

static int m3_fail(const char *what, int rc)
{
	return mech_fail("%s: %s (%d)", what, mnx_strerror(rc), rc);
}

static const char *kmod_unavailable(void)
{
	return access(KMOD_DEVICE, R_OK | W_OK) == 0
		? NULL : KMOD_DEVICE " is absent (the m3ipc kernel module is not loaded here)";
}

static int m3_setup(struct bench *b, struct detail *d, const char *backend)
{
	if ((b->c.test == TEST_IPC1 || b->c.test == TEST_IPC2) && b->c.size > sizeof(message)) {
		mech_fail("M3-IPC messages are fixed at %zu bytes (size %zu asked)", sizeof(message), b->c.size);
		return MECH_SKIP;
	}
	if (b->ngroups > M3_MAX_PAIRS)
		return mech_fail("setup: invalid value for field 'pairs': at most %d for m3", M3_MAX_PAIRS);
	if (b->c.size > M3IPC_VCOPY_MAX)
		return mech_fail("setup: invalid value for field 'size': vcopy blocks are at most %u bytes",
				 M3IPC_VCOPY_MAX);
	int rc = mnx_use_backend(backend);
	if (rc < 0) {
		mech_fail("backend %s: %s", backend, mnx_strerror(rc));
		return MECH_SKIP;
	}
	bool *initialised = strcmp(backend, "kmod") == 0 ? &kmod_initialised : &sim_initialised;
	if (!*initialised) {
		if ((rc = mnx_drvs_init(0, backend)) < 0)
			return m3_fail("mnx_drvs_init", rc);
		*initialised = true;
	}
	/* The spin budget is read by each thread when it binds, i.e. after this setenv. */
	char spin[24];
	snprintf(spin, sizeof spin, "%ld", b->c.spin);
	setenv("M3IPC_SPIN", spin, 1);
	b->priv = shared_alloc(sizeof(struct m3_shared));
	if (b->priv == NULL)
		return mech_fail("mmap shared: %s", strerror(errno));
	memset(b->priv, 0xff, sizeof(struct m3_shared));   /* vmid and every endpoint -1 */
	if ((rc = mnx_vm_init(M3IPC_ANY_VM)) < 0)
		return m3_fail("mnx_vm_init", rc);
	shared_of(b)->vmid = rc;
	detail_int(d, "sizeof_message", (long long)sizeof(message));
	detail_str(d, "m3ipc_backend", mnx_backend_name());
	detail_int(d, "vmid", rc);
	return 0;
}

static int sim_setup(struct bench *b, struct detail *d) { return m3_setup(b, d, "sim"); }
static int kmod_setup(struct bench *b, struct detail *d)
{
	const char *missing = kmod_unavailable();
	if (missing) {
		mech_fail("%s", missing);
		return MECH_SKIP;
	}
	return m3_setup(b, d, "kmod");
}

static void m3_teardown(struct bench *b)
{
	if (b->priv == NULL)
		return;
	if (shared_of(b)->vmid >= 0)
		mnx_vm_end(shared_of(b)->vmid);   /* unbinds the worker's own thread too */
	shared_free(b->priv, sizeof(struct m3_shared));
	b->priv = NULL;
}

static int m3_attach_role(struct bench *b, int g, enum role role)
{
	/* verify_remote reads a sibling's block when pairs > 1: allow it under Yama ptrace_scope 1 */
	if (b->c.verify)
		prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
	int ep = mnx_bind(shared_of(b)->vmid, g * ROLE_COUNT + (int)role);
	if (ep < 0)
		return m3_fail("mnx_bind", ep);
	__atomic_store_n(&shared_of(b)->ep[g][role], ep, __ATOMIC_RELEASE);
	futex_wake((unsigned *)&shared_of(b)->ep[g][role], 64);
	return 0;
}

/* The endpoint of role `r` of group g, waiting for it to bind (it may attach after us). */
static int peer_ep(struct bench *b, int g, enum role r)
{
	int *slot = &shared_of(b)->ep[g][r];
	int ep;
	while ((ep = __atomic_load_n(slot, __ATOMIC_ACQUIRE)) < 0)
		if (futex_wait_ms((unsigned *)slot, (unsigned)ep, 100) < 0 && errno != ETIMEDOUT &&
		    errno != EINTR && errno != EAGAIN)
			return mech_fail("waiting for the peer to bind: %s", strerror(errno));
	return ep;
}

/* Verify, IPC1/IPC2: the sender (end 0 client, end 1 server) fills every byte of the payload
 * union with loops.c's pattern of its next message (with its corruption hook) and m_type from
 * the same sequence number; the receiver checks both and m_source, then clears the message. */
static int message_type(unsigned long seq, int from)
{
	return 0x10000 * (from + 1) + (int)(seq & 0xffff);   /* never a notification's type */
}

static void fill_message(message *m, int from)
{
	unsigned long seq = verify_put((unsigned char *)&m->m_u, sizeof m->m_u, from);
	m->m_type = message_type(seq, from);
}

static int check_message(message *m, int from, int source)
{
	unsigned long seq;
	int type = m->m_type, src = m->m_source;
	if (verify_take((unsigned char *)&m->m_u, sizeof m->m_u, from, &seq) < 0)
		return -1;
	memset(m, 0, sizeof *m);
	if (type != message_type(seq, from))
		return mech_fail("content check failed: message %lu has m_type 0x%x, expected 0x%x",
				 seq, type, message_type(seq, from));
	if (src != source)
		return mech_fail("content check failed: message %lu has m_source %d, expected %d", seq, src, source);
	return 0;
}

/* IPC3: a notification carries its type, its source and its delivery time; all are checked
 * (the time must not go back: *last is the previous one this process took). */
static int check_notify(message *m, int source, long *last)
{
	int want = NOTIFY_FROM(_ENDPOINT_P(source));
	if (m->m_type != want || m->m_source != source)
		return mech_fail("content check failed: notification of type 0x%x from %d, expected 0x%x from %d",
				 m->m_type, m->m_source, want, source);
	long ts = m->NOTIFY_TIMESTAMP;
	if (ts <= 0 || ts < *last)
		return mech_fail("content check failed: notification timestamp %ld (the previous one %ld)", ts, *last);
	*last = ts;
	memset(m, 0, sizeof *m);
	return 0;
}

/* The server side of IPC1-3: answer the client until it is gone (iters < 0). */
static int serve_ipc(struct bench *b, int g)
{
	int cli = peer_ep(b, g, ROLE_CLIENT), rc;
	bool ipc3 = b->c.test == TEST_IPC3;
	long last = 0;
	if (cli < 0)
		return -1;
	for (message m = { 0 };;) {
		if ((rc = mnx_receive(cli, &m)) < 0)
			return m3_fail("server receive", rc);
		if (b->c.verify && (ipc3 ? check_notify(&m, cli, &last) : check_message(&m, 0, cli)) < 0)
			return -1;
		if (ipc3) {
			rc = mnx_notify(cli);
		} else {
			if (b->c.verify)
				fill_message(&m, 1);
			rc = mnx_send(cli, &m);
		}
		if (rc < 0)
			return m3_fail("server reply", rc);
	}
}

static int client_ipc(struct bench *b, int g, long iters)
{
	int srv = peer_ep(b, g, ROLE_SERVER), rc = 0;
	long last = 0;
	if (srv < 0)
		return -1;
	for (long i = 0; i < iters; i++) {
		message m = { .m_type = 1 };
		if (b->c.verify && b->c.test != TEST_IPC3)
			fill_message(&m, 0);
		switch (b->c.test) {
		case TEST_IPC1:
			if ((rc = mnx_send(srv, &m)) == 0)
				rc = mnx_receive(srv, &m);
			break;
		case TEST_IPC2:
			rc = mnx_sendrec(srv, &m);
			break;
		default:   /* IPC3 */
			if ((rc = mnx_notify(srv)) == 0)
				rc = mnx_receive(srv, &m);
			break;
		}
		if (rc < 0)
			return m3_fail(b->c.test == TEST_IPC1 ? "client send/receive"
				       : b->c.test == TEST_IPC2 ? "client sendrec" : "client notify/receive", rc);
		if (b->c.verify &&
		    (b->c.test == TEST_IPC3 ? check_notify(&m, srv, &last) : check_message(&m, 1, srv)) < 0)
			return -1;
	}
	return 0;
}

/* COPY roles A/B (COPY2) and the COPY1 server: keep a request open with the requester, offering
 * our block (m1_p1) to copy from or into. A source (A) fills its block first and names its
 * sequence number in m1_i2. With verify the reply to a destination names in m1_i1 the block its
 * buffer must now hold, and the destination checks (and clears) it. */
static int offer_buffer(struct bench *b, int g, enum role role)
{
	/* COPY1: end 1 of the client-server link; COPY2: the ends of link 1 (A -> B). */
	struct link *l = &b->links[g * b->nlinks + (role == ROLE_SERVER ? 0 : 1)];
	unsigned char *buf = l->buf[role == ROLE_A ? 0 : 1];
	int req = peer_ep(b, g, ROLE_CLIENT), rc;
	if (req < 0)
		return -1;
	for (;;) {
		message m = { .m_type = role };
		m.m1_p1 = (char *)buf;
		m.m1_i2 = role == ROLE_A && b->c.verify ? (int)verify_put(buf, b->c.size, 0) : -1;
		if ((rc = mnx_sendrec(req, &m)) < 0)
			return m3_fail("sendrec to the requester", rc);
		if (role == ROLE_A || !b->c.verify)
			continue;
		if (m.m1_i1 < 0)
			return mech_fail("m3: the requester's reply names no block to check");
		if (verify_check(buf, b->c.size, (unsigned long)m.m1_i1, 0) < 0)
			return -1;
	}
}

static int take_request(int from, message *m)
{
	int rc = mnx_receive(from, m);
	return rc < 0 ? m3_fail("requester receive", rc) : 0;
}

static int answer(int to, int holds)
{
	message m = { .m_type = 0 };
	m.m1_i1 = holds;
	int rc = mnx_send(to, &m);
	return rc < 0 ? m3_fail("requester reply", rc) : 0;
}

/* The requester (COPY1: also the source). Per acknowledgement (1 block in sync, `burst` in
 * stream): take the destination's open request (COPY2: the source's too), vcopy that many
 * blocks, reply. At the reply the destination holds only the last block, so with verify the
 * requester reads every earlier block of a burst back from it (verify_remote). */
static int client_copy(struct bench *b, int g, long iters)
{
	bool copy2 = b->c.test == TEST_COPY2;
	enum role dst_role = copy2 ? ROLE_B : ROLE_SERVER;
	int src = peer_ep(b, g, copy2 ? ROLE_A : ROLE_CLIENT);
	int dst = peer_ep(b, g, dst_role);
	long per = blocks_per_ack(&b->c);
	size_t size = b->c.size;
	message ms = { 0 }, md;   /* COPY1 takes no request from a source: ms stays 0 */
	if (src < 0 || dst < 0)
		return -1;
	for (long i = 0; i < iters; i += per) {
		if ((copy2 && take_request(src, &ms) < 0) || take_request(dst, &md) < 0)
			return -1;
		unsigned char *from = copy2 ? (unsigned char *)ms.m1_p1 : b->links[g * b->nlinks].buf[0];
		unsigned char *to = (unsigned char *)md.m1_p1;
		int holds = ms.m1_i2;   /* COPY2: what A filled its block with */
		for (long k = per; k > 0; k--) {
			if (!copy2 && b->c.verify)
				holds = (int)verify_put(from, size, 0);
			int rc = mnx_vcopy(src, from, dst, to, size);
			if (rc < 0)
				return m3_fail("mnx_vcopy", rc);
			if (b->c.verify && k > 1 &&
			    verify_remote(b->pids[g][dst_role], to, size, (unsigned long)holds, 0) < 0)
				return -1;
		}
		if ((copy2 && answer(src, -1) < 0) || answer(dst, b->c.verify ? holds : -1) < 0)
			return -1;
	}
	return 0;
}

static int m3_loop(struct bench *b, int g, enum role role, long iters)
{
	bool copy = b->c.test == TEST_COPY1 || b->c.test == TEST_COPY2;
	if (role == ROLE_CLIENT)
		return copy ? client_copy(b, g, iters) : client_ipc(b, g, iters);
	return copy ? offer_buffer(b, g, role) : serve_ipc(b, g);
}

#define M3_OPS(NAME, DESCRIPTION, ORDER, SETUP, UNAVAILABLE)                   \
	{                                                           \
		.name = NAME,                                       \
		.description = DESCRIPTION,                         \
		.family = "m3",                                     \
		.order = ORDER,                                     \
		.setup = SETUP,                                     \
		.unavailable = UNAVAILABLE,                         \
		.teardown = m3_teardown,                            \
		.attach_role = m3_attach_role,                      \
		.loop = m3_loop,                                    \
	}

static const struct mech_ops m3_sim_ops =
	M3_OPS("m3-sim", "M3-IPC API, user-space simulator (shm process table, futexes, process_vm_*)",
	       400, sim_setup, NULL);
static const struct mech_ops m3_kmod_ops =
	M3_OPS("m3-kmod", "M3-IPC API, kernel module /dev/m3ipc (ioctl)", 401, kmod_setup, kmod_unavailable);
MECH_REGISTER(m3_sim_ops)
MECH_REGISTER(m3_kmod_ops)
