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
 *   COPY1 the server waits in sendrec (blocked in its receive) while the client, the caller
 *         and the source, does `run N` vcopies into it; then one reply. COPY2: A and B wait
 *         in sendrec while the requester (client) vcopies N blocks from A to B.
 * In COPY the request/reply that brackets a batch is timed too: 2 messages per N copies.
 * Messages are fixed-size: `size` up to sizeof(message) is carried, larger is skipped.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The server side of IPC1-3: answer the client until it is gone (iters < 0). */
static int serve_ipc(struct bench *b, int g)
{
	int cli = peer_ep(b, g, ROLE_CLIENT), rc;
	if (cli < 0)
		return -1;
	for (message m;;) {
		if ((rc = mnx_receive(cli, &m)) < 0)
			return m3_fail("server receive", rc);
		if (b->c.test == TEST_IPC3) {
			rc = mnx_notify(cli);
		} else {
			m.m1_i1 += 1;
			rc = mnx_send(cli, &m);
		}
		if (rc < 0)
			return m3_fail("server reply", rc);
	}
}

static int client_ipc(struct bench *b, int g, long iters)
{
	int srv = peer_ep(b, g, ROLE_SERVER), rc = 0;
	if (srv < 0)
		return -1;
	for (long i = 0; i < iters; i++) {
		message m = { .m_type = 1 };
		m.m1_i1 = (int)i;
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
			if (rc == 0 && b->c.verify && m.m_type != NOTIFY_FROM(_ENDPOINT_P(srv)))
				return mech_fail("m3: expected a notification, got type %d", m.m_type);
			continue;
		}
		if (rc < 0)
			return m3_fail(b->c.test == TEST_IPC1 ? "client send/receive" : "client sendrec", rc);
		if (b->c.verify && m.m1_i1 != (int)i + 1)
			return mech_fail("m3: content check failed at iteration %ld", i);
	}
	return 0;
}

/* COPY roles A/B (COPY2) and the COPY1 server: keep a request open with the requester so it
 * can copy from/into our buffer. A source (A) fills its block and says with what in m1_i2; the
 * reply to a destination says in m1_i1 what its block must now hold (-1: nothing copied). */
static int offer_buffer(struct bench *b, int g, enum role role)
{
	/* COPY1: end 1 of the client-server link; COPY2: the ends of link 1 (A -> B). */
	struct link *l = &b->links[g * b->nlinks + (role == ROLE_SERVER ? 0 : 1)];
	unsigned char *buf = l->buf[role == ROLE_A ? 0 : 1];
	int req = peer_ep(b, g, ROLE_CLIENT), rc;
	if (req < 0)
		return -1;
	for (int round = 0;; round++) {
		message m = { .m_type = role };
		m.m1_p1 = (char *)buf;
		m.m1_i2 = round % 255 + 1;
		if (role == ROLE_A && b->c.verify)
			memset(buf, m.m1_i2, b->c.size);
		if ((rc = mnx_sendrec(req, &m)) < 0)
			return m3_fail("sendrec to the requester", rc);
		if (role == ROLE_A || !b->c.verify || m.m1_i1 < 0)
			continue;
		for (size_t i = 0; i < b->c.size; i++)
			if (buf[i] != (unsigned char)m.m1_i1)
				return mech_fail("m3: copied block differs at byte %zu", i);
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

/* The requester (COPY1: also the source): one open request from each other party, N copies,
 * one reply each. */
static int client_copy(struct bench *b, int g, long iters)
{
	bool copy2 = b->c.test == TEST_COPY2;
	int src = peer_ep(b, g, copy2 ? ROLE_A : ROLE_CLIENT);
	int dst = peer_ep(b, g, copy2 ? ROLE_B : ROLE_SERVER);
	message ms = { 0 }, md;
	if (src < 0 || dst < 0 || (copy2 && take_request(src, &ms) < 0) || take_request(dst, &md) < 0)
		return -1;
	unsigned char *from = copy2 ? (unsigned char *)ms.m1_p1 : b->links[g * b->nlinks].buf[0];
	int holds = iters > 0 ? ms.m1_i2 : -1;   /* COPY2: what A filled its block with */
	for (long i = 0; i < iters; i++) {
		if (!copy2 && b->c.verify) {
			holds = (int)(i % 255) + 1;
			memset(from, holds, b->c.size);
		}
		int rc = mnx_vcopy(src, from, dst, md.m1_p1, b->c.size);
		if (rc < 0)
			return m3_fail("mnx_vcopy", rc);
	}
	if (copy2 && answer(src, -1) < 0)
		return -1;
	return answer(dst, b->c.verify ? holds : -1);
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
