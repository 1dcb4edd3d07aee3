/*
 * m3ipc-signal-check — the kmod backend under a storm of signals whose handlers return (no
 * SA_RESTART, a SIGALRM every millisecond, as the benchmark worker's watchdog does): blocked
 * calls must neither fail nor lose or duplicate a message, and a _T timeout must keep its
 * deadline across the interruptions. Then /proc/m3ipc/procs must show the client's endpoint
 * with exactly its traffic. Runs in the VM beside the conformance suite; exit 0 = ok.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "m3ipc.h"

#define ROUNDS 2000
#define TIMEOUT_MS 50

static int vmid; /* a free one: never end a VM this check did not make */

static void on_alarm(int sig) { (void)sig; }

static void alarm_storm(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every_ms, NULL);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "signal-check: %s: %s (%d)\n", what, mnx_strerror(rc), rc);
	return 1;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Answers ROUNDS requests with m_type + 1. */
static int server(void)
{
	message m;
	int rc;

	alarm_storm();
	if ((rc = mnx_bind(vmid, 1)) < 0)
		return fail("server bind", rc);
	for (int i = 0; i < ROUNDS; i++) {
		if ((rc = mnx_receive(ANY, &m)) < 0)
			return fail("server receive", rc);
		m.m_type++;
		if ((rc = mnx_send(m.m_source, &m)) < 0)
			return fail("server send", rc);
	}
	return 0;
}

/* The client's line in /proc/m3ipc/procs must count its ROUNDS requests and replies. */
static int check_proc_view(int me)
{
	char line[512], want_ep[32], want_counts[64];
	FILE *f = fopen("/proc/m3ipc/procs", "r");
	int found = 0;

	if (!f)
		return fail("open /proc/m3ipc/procs", EMOLGENERIC);
	snprintf(want_ep, sizeof want_ep, "vmid=%d ep=%d ", vmid, me);
	snprintf(want_counts, sizeof want_counts, " sent=%d received=%d ", ROUNDS, ROUNDS);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, want_ep, strlen(want_ep)) == 0) {
			printf("signal-check: /proc/m3ipc/procs: %s", line);
			found = strstr(line, want_counts) && strstr(line, " state=IDLE ");
		}
	}
	fclose(f);
	return found ? 0 : fail("no /proc/m3ipc/procs line with the client's counts", EMOLGENERIC);
}

static int client(void)
{
	int srv, rc, st;
	pid_t pid;
	long t0, waited;
	message m;

	if ((rc = mnx_bind(vmid, 0)) < 0)
		return fail("client bind", rc);
	pid = fork();
	if (pid == 0)
		_exit(server());
	while ((srv = mnx_getep(pid)) < 0)
		usleep(1000);
	alarm_storm();
	for (int i = 0; i < ROUNDS; i++) {
		m.m_type = i;
		if ((rc = mnx_sendrec(srv, &m)) < 0)
			return fail("client sendrec", rc);
		if (m.m_type != i + 1 || m.m_source != srv) {
			fprintf(stderr, "signal-check: round %d got m_type %d from %d\n", i, m.m_type, m.m_source);
			return 1;
		}
	}
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail("server", EMOLGENERIC);
	/* Nobody sends: the deadline must hold across ~TIMEOUT_MS interruptions, not restart. */
	t0 = now_ms();
	rc = mnx_receive_T(ANY, &m, TIMEOUT_MS);
	waited = now_ms() - t0;
	if (rc != EMOLTIMEDOUT || waited < TIMEOUT_MS)
		return fail("receive_T under signals", rc);
	printf("signal-check: %d sendrec round trips and a %ld ms timeout under 1 kHz SIGALRM: ok\n", ROUNDS, waited);
	return check_proc_view(mnx_getep(SELF));
}

int main(void)
{
	int rc = mnx_drvs_init(0, "kmod");

	if (rc < 0)
		return fail("drvs_init", rc);
	if ((vmid = mnx_vm_init(M3IPC_ANY_VM)) < 0)
		return fail("vm_init", vmid);
	rc = client();
	mnx_vm_end(vmid);
	return rc;
}
