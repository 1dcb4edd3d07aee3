/* t_concurrency.c — several client/server pairs at once, as threads and as processes:
 * every reply must match its own request (no crossed or lost messages). */
#include "harness.h"

#define PAIRS  4
#define ROUNDS 3000

struct pair { int server_p, client_p; volatile int server_ep; };

/* Echo ROUNDS requests from the pair's client, adding 1. */
static void echo_server(void *p)
{
	struct pair *pr = p;
	__atomic_store_n(&pr->server_ep, OK(mnx_bind(T_VM, pr->server_p)), __ATOMIC_SEQ_CST);
	for (int i = 0; i < ROUNDS; i++) {
		message m;
		OK(mnx_receive(ANY, &m));
		CHECK_RC(_ENDPOINT_P(m.m_source), pr->client_p);   /* only our client talks to us */
		m.m1_i1 += 1;
		OK(mnx_send(m.m_source, &m));
	}
}

static void client(void *p)
{
	struct pair *pr = p;
	OK(mnx_bind(T_VM, pr->client_p));
	int srv;
	while ((srv = __atomic_load_n(&pr->server_ep, __ATOMIC_SEQ_CST)) < 0)
		;
	for (int i = 0; i < ROUNDS; i++) {
		message m = { .m_type = pr->client_p };
		m.m1_i1 = i * 10 + pr->client_p;
		OK(mnx_sendrec(srv, &m));
		CHECK_RC(m.m1_i1, i * 10 + pr->client_p + 1);
		CHECK_RC(m.m_source, srv);
	}
}

static struct pair *pairs(void)
{
	struct pair *p = t_shared(PAIRS * sizeof *p);
	for (int i = 0; i < PAIRS; i++)
		p[i] = (struct pair){ .server_p = 10 + i, .client_p = 20 + i, .server_ep = -1 };
	return p;
}

TEST(concurrent_pairs_of_threads)
{
	struct pair *p = pairs();
	t_thread_t t[2 * PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		t[2 * i] = t_thread(echo_server, &p[i]);
		t[2 * i + 1] = t_thread(client, &p[i]);
	}
	for (int i = 0; i < 2 * PAIRS; i++)
		t_thread_join(t[i]);
}

TEST(concurrent_pairs_of_processes)
{
	struct pair *p = pairs();
	pid_t pid[2 * PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		pid[2 * i] = t_spawn(echo_server, &p[i]);
		pid[2 * i + 1] = t_spawn(client, &p[i]);
	}
	for (int i = 0; i < 2 * PAIRS; i++)
		t_join(pid[i]);
}

/* Echo PAIRS * ROUNDS requests from anyone. */
static void hub_server(void *p_nr)
{
	OK(mnx_bind(T_VM, *(int *)p_nr));
	for (int i = 0; i < PAIRS * ROUNDS; i++) {
		message m;
		OK(mnx_receive(ANY, &m));
		m.m1_i1 += 1;
		OK(mnx_send(m.m_source, &m));
	}
}

/* Many clients, one server: FIFO queueing under contention. */
TEST(many_clients_one_server)
{
	struct pair *p = pairs();
	int hub_p = 30;
	pid_t srv = t_spawn(hub_server, &hub_p);
	OK(mnx_bind(T_VM, 0));
	int hub_ep = t_ep_of(srv);
	pid_t clients[PAIRS];
	for (int i = 0; i < PAIRS; i++) {
		p[i].server_ep = hub_ep;
		clients[i] = t_spawn(client, &p[i]);
	}
	for (int i = 0; i < PAIRS; i++)
		t_join(clients[i]);
	t_join(srv);
}
