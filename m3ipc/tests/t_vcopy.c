/* t_vcopy.c — mnx_vcopy: caller = source, caller = destination and third party, 1 B … 4 MiB
 * at aligned and unaligned offsets, content and bounds checked; its error paths; 0 bytes and
 * copies within one address space (memmove, m3ipc.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define GUARD 64   /* bytes around every copy that must stay untouched */
#define BUF_LEN (M3IPC_VCOPY_MAX + 2 * GUARD + 8)

static const size_t sizes[] = { 1, 7, 4096, 4097, 65539, 1u << 20, M3IPC_VCOPY_MAX };
static const struct { int src, dst; } offsets[] = { { 0, 0 }, { 1, 3 }, { 5, 0 } };
#define N_CASES ((int)(sizeof sizes / sizeof sizes[0] * (sizeof offsets / sizeof offsets[0])))

static size_t case_len(int c) { return sizes[c / 3]; }
static int case_src_off(int c) { return offsets[c % 3].src; }
static int case_dst_off(int c) { return offsets[c % 3].dst; }

static unsigned char pattern(size_t i, int c) { return (unsigned char)(i * 7 + (size_t)c * 13 + 1); }

static unsigned char *big_buffer(void)
{
	unsigned char *b = malloc(BUF_LEN);
	CHECK(b != NULL);
	return b;
}

static void fill(unsigned char *b, int off, size_t len, int c)
{
	memset(b, 0xee, len + GUARD + (size_t)off + GUARD);
	for (size_t i = 0; i < len; i++)
		b[GUARD + off + i] = pattern(i, c);
}

static void check_copy(const unsigned char *b, int off, size_t len, int c)
{
	for (int i = 0; i < GUARD + off; i++)
		CHECK(b[i] == 0xee);
	for (size_t i = 0; i < len; i++)
		if (b[GUARD + off + i] != pattern(i, c))
			t_fail(__FILE__, __LINE__, "copied byte", (long)i, -1);
	for (int i = 0; i < GUARD; i++)
		if (b[GUARD + off + len + i] != 0xee)
			t_fail(__FILE__, __LINE__, "byte after the copy", (long)(len * 1000 + (size_t)i), -1);
}

struct offer { bool is_source; int requester; int p_nr; };

/* Helper: for every case, offer a buffer to the requester with sendrec (so it is blocked in
 * a receive while the requester copies); a destination buffer is checked afterwards. */
static void offer_buffers(void *p)
{
	struct offer *o = p;
	OK(mnx_bind(T_VM, o->p_nr));
	unsigned char *b = big_buffer();
	for (int c = 0; c < N_CASES; c++) {
		if (o->is_source)
			fill(b, case_src_off(c), case_len(c), c);
		else
			memset(b, 0xee, BUF_LEN);
		message m = { .m_type = c };
		m.m1_p1 = (char *)b;
		OK(mnx_sendrec(o->requester, &m));
		CHECK_RC(m.m_type, c + 1000);
		if (!o->is_source)
			check_copy(b, case_dst_off(c), case_len(c), c);
	}
	free(b);
}

static void reply(int to, int c)
{
	message m = { .m_type = c + 1000 };
	OK(mnx_send(to, &m));
}

/* Receive the request of case c from `from` (ANY or an endpoint); its buffer address. */
static unsigned char *request(int from, int c, int *source)
{
	message m;
	OK(mnx_receive(from, &m));
	CHECK_RC(m.m_type, c);
	*source = m.m_source;
	return (unsigned char *)m.m1_p1;
}

TEST(vcopy_caller_is_source)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct offer o = { .is_source = false, .requester = me, .p_nr = 3 };
	pid_t pid = t_spawn(offer_buffers, &o);
	unsigned char *b = big_buffer();
	for (int c = 0; c < N_CASES; c++) {
		int peer;
		unsigned char *remote = request(ANY, c, &peer);
		fill(b, case_src_off(c), case_len(c), c);
		CHECK_RC(mnx_vcopy(me, b + GUARD + case_src_off(c), peer,
				   remote + GUARD + case_dst_off(c), case_len(c)), EMOLOK);
		reply(peer, c);
	}
	t_join(pid);
}

TEST(vcopy_caller_is_destination)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct offer o = { .is_source = true, .requester = me, .p_nr = 2 };
	pid_t pid = t_spawn(offer_buffers, &o);
	unsigned char *b = big_buffer();
	for (int c = 0; c < N_CASES; c++) {
		int peer;
		unsigned char *remote = request(ANY, c, &peer);
		memset(b, 0xee, BUF_LEN);
		CHECK_RC(mnx_vcopy(peer, remote + GUARD + case_src_off(c), me,
				   b + GUARD + case_dst_off(c), case_len(c)), EMOLOK);
		check_copy(b, case_dst_off(c), case_len(c), c);
		reply(peer, c);
	}
	t_join(pid);
}

TEST(vcopy_by_a_third_process)
{
	int me = OK(mnx_bind(T_VM, 0));
	struct offer a = { .is_source = true, .requester = me, .p_nr = 2 };
	struct offer b = { .is_source = false, .requester = me, .p_nr = 3 };
	pid_t pa = t_spawn(offer_buffers, &a), pb = t_spawn(offer_buffers, &b);
	int ea = t_ep_of(pa), eb = t_ep_of(pb), src, dst;
	for (int c = 0; c < N_CASES; c++) {
		unsigned char *from = request(ea, c, &src);
		unsigned char *to = request(eb, c, &dst);
		CHECK_RC(mnx_vcopy(ea, from + GUARD + case_src_off(c), eb,
				   to + GUARD + case_dst_off(c), case_len(c)), EMOLOK);
		reply(ea, c);
		reply(eb, c);
	}
	t_join(pa);
	t_join(pb);
}

TEST(vcopy_error_paths)
{
	int me = OK(mnx_bind(T_VM, 0));
	static unsigned char buf[64];
	int idle_nr = 5;
	pid_t idle = t_spawn(t_bind_and_pause, &idle_nr);
	int eidle = t_ep_of(idle);
	CHECK_RC(mnx_vcopy(me, buf, eidle, buf, 16), EMOLPROCSTS);   /* not in a receive */
	CHECK_RC(mnx_vcopy(eidle, buf, me, buf, 16), EMOLPROCSTS);

	struct offer o = { .is_source = false, .requester = me, .p_nr = 3 };
	pid_t pid = t_spawn(offer_buffers, &o);
	int peer;
	unsigned char *remote = request(ANY, 0, &peer);
	CHECK_RC(mnx_vcopy(me, buf, peer, remote, M3IPC_VCOPY_MAX + 1), EMOLRANGE);
	CHECK_RC(mnx_vcopy(me, buf, peer, NULL, 16), EMOLFAULT);
	CHECK_RC(mnx_vcopy(me, buf, _ENDPOINT(0, 9), remote, 16), EMOLDEADSRCDST);
	CHECK_RC(mnx_vcopy(peer, remote, eidle, buf, 16), EMOLPROCSTS);   /* third party */
	t_kill(pid);
	t_kill(idle);
}

static void vcopy_unbound(void *rc)
{
	static char buf[8];
	*(int *)rc = mnx_vcopy(SELF, buf, SELF, buf + 4, 0);
}

/* 0 bytes: nothing is copied and nothing but the caller's binding is checked (Minix's
 * sys_vircopy returns OK at once too). */
TEST(vcopy_of_zero_bytes_copies_nothing)
{
	int me = OK(mnx_bind(T_VM, 0));
	static unsigned char buf[64];
	memset(buf, 0x5a, sizeof buf);
	int idle_nr = 5;
	pid_t idle = t_spawn(t_bind_and_pause, &idle_nr);
	int eidle = t_ep_of(idle);
	CHECK_RC(mnx_vcopy(me, buf, me, buf + 8, 0), EMOLOK);
	CHECK_RC(mnx_vcopy(SELF, buf, SELF, buf + 8, 0), EMOLOK);
	CHECK_RC(mnx_vcopy(me, buf, eidle, buf, 0), EMOLOK);                /* not receiving */
	CHECK_RC(mnx_vcopy(me, buf, _ENDPOINT(0, 9), NULL, 0), EMOLOK);     /* nobody, no address */
	CHECK_RC(mnx_vcopy(-5, NULL, M3IPC_EP_LIMIT, NULL, 0), EMOLOK);
	for (size_t i = 0; i < sizeof buf; i++)
		CHECK(buf[i] == 0x5a);
	int rc = 0;
	t_thread_join(t_thread(vcopy_unbound, &rc));
	CHECK_RC(rc, EMOLNOTBIND);
	t_kill(idle);
}

#define MOVE_LEN (300u << 10)   /* beyond the simulator's 64 KiB bounce chunk */
static const struct { size_t src, dst, len; } moves[] = {
	{ 0, 4097, MOVE_LEN },      /* destination overlaps the source's end */
	{ 4097, 0, MOVE_LEN },      /* ... its start */
	{ 100, 100, MOVE_LEN },     /* the same range */
	{ 3, 4096 + 5, 9000 },      /* unaligned, within a few pages */
};
#define N_MOVES ((int)(sizeof moves / sizeof moves[0]))
#define MOVE_BUF (MOVE_LEN + 8192)

static void fill_moves(unsigned char *b) { for (size_t i = 0; i < MOVE_BUF; i++) b[i] = pattern(i, 99); }

/* b must hold what memmove(b + dst, b + src, len) makes of the pattern. */
static void check_move(const unsigned char *b, int k)
{
	unsigned char *want = malloc(MOVE_BUF);
	CHECK(want != NULL);
	fill_moves(want);
	memmove(want + moves[k].dst, want + moves[k].src, moves[k].len);
	for (size_t i = 0; i < MOVE_BUF; i++)
		if (b[i] != want[i])
			t_fail(__FILE__, __LINE__, "byte after an overlapping vcopy", (long)i, k);
	free(want);
}

/* Offer a buffer holding the pattern for each move; check it after the requester's copy. */
static void offer_moves(void *requester)
{
	OK(mnx_bind(T_VM, 4));
	unsigned char *b = malloc(MOVE_BUF);
	CHECK(b != NULL);
	for (int k = 0; k < N_MOVES; k++) {
		fill_moves(b);
		message m = { .m_type = k };
		m.m1_p1 = (char *)b;
		OK(mnx_sendrec(*(int *)requester, &m));
		CHECK_RC(m.m_type, k + 1000);
		check_move(b, k);
	}
	free(b);
}

/* src and dst the same party: a memmove, overlapping ranges included, whether the caller copies
 * within itself or within a peer blocked in a receive (third party). */
TEST(vcopy_within_one_address_space_is_a_memmove)
{
	int me = OK(mnx_bind(T_VM, 0));
	unsigned char *b = malloc(MOVE_BUF);
	CHECK(b != NULL);
	for (int k = 0; k < N_MOVES; k++) {
		fill_moves(b);
		CHECK_RC(mnx_vcopy(SELF, b + moves[k].src, me, b + moves[k].dst, moves[k].len), EMOLOK);
		check_move(b, k);
	}
	pid_t pid = t_spawn(offer_moves, &me);
	int peer = t_ep_of(pid);
	for (int k = 0; k < N_MOVES; k++) {
		int from;
		unsigned char *remote = request(peer, k, &from);
		CHECK_RC(mnx_vcopy(peer, remote + moves[k].src, peer, remote + moves[k].dst, moves[k].len),
			 EMOLOK);
		reply(peer, k);
	}
	t_join(pid);
	free(b);
}
