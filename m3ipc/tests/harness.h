/*
 * harness.h — the conformance suite's mini test framework. Every TEST runs in its own forked
 * process with a fresh pair of VMs (T_VM, T_VM2) created and ended by the runner, so a crash
 * or a hang (killed by an alarm) fails one test and cannot leak state into the next. The
 * suite uses only the public API (m3ipc.h): it runs unchanged against every backend.
 * VM ids are free ones (M3IPC_ANY_VM), never fixed: on the module the ids are the machine's,
 * and a concurrent run (another user's, or another suite's) holds some of them.
 */
#ifndef M3IPC_TESTS_HARNESS_H
#define M3IPC_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "m3ipc.h"

/* The current test's VMs (made by the runner before the test's process is forked). */
extern int t_vm_ids[2];
#define T_VM  (t_vm_ids[0])
#define T_VM2 (t_vm_ids[1])

void t_register(const char *name, void (*fn)(void));
#define TEST(fn)                                                              \
	static void fn(void);                                                 \
	__attribute__((constructor)) static void register_##fn(void)          \
	{                                                                     \
		t_register(#fn, fn);                                          \
	}                                                                     \
	static void fn(void)

/* Fail the current process (test or helper) with a message; never returns. */
_Noreturn void t_fail(const char *file, int line, const char *what, long got, long want);
#define CHECK(cond) \
	do { if (!(cond)) t_fail(__FILE__, __LINE__, #cond, 0, 0); } while (0)
/* An mnx_* call must return exactly `want`. */
#define CHECK_RC(expr, want)                                                           \
	do {                                                                           \
		long got_ = (expr), want_ = (want);                                    \
		if (got_ != want_) t_fail(__FILE__, __LINE__, #expr, got_, want_);     \
	} while (0)
/* ... or one of two codes (where the API allows either, e.g. a dead peer). */
#define CHECK_RC2(expr, a, b)                                                          \
	do {                                                                           \
		long got_ = (expr);                                                    \
		if (got_ != (a) && got_ != (b)) t_fail(__FILE__, __LINE__, #expr, got_, (a)); \
	} while (0)
/* An mnx_* call must succeed (>= 0); yields its value. */
int t_ok(int rc, const char *file, int line, const char *what);
#define OK(expr) t_ok((expr), __FILE__, __LINE__, #expr)

const char *t_backend(void);

/* End the current test as skipped, saying why (reported "skip", counted apart); never returns. */
_Noreturn void t_skip(const char *why);

/* mnx_vm_init for this test (any of its processes): a VM made is ended by the runner after the
 * test whatever happened. t_new_vm: one more VM, of a free id. */
int t_vm_init(int vmid);
int t_new_vm(void);
/* mnx_vm_end of T_VM, T_VM2 or a t_new_vm VM by the test itself (the runner then leaves it). */
int t_vm_end(int vmid);
/* A VM id that is not initialised and that no other run on the machine takes until this test
 * ends (one just made and ended, under a lock all suites share): for a VM that the test ends
 * and then expects EMOLBADVMID of (an id from M3IPC_ANY_VM may be another run's by then). */
int t_unused_vmid(void);

/* Helper processes (forked; exit status 0 unless a CHECK failed in them). */
pid_t t_spawn(void (*fn)(void *), void *arg);
void t_join(pid_t pid);                 /* CHECKs that it exited 0 */
void t_kill(pid_t pid);                 /* SIGKILL and reap */
/* A helper's body (t_spawn): bind slot *(int *)p_nr of T_VM, then sleep outside any IPC call (so
 * never take anything) until killed. */
void t_bind_and_pause(void *p_nr);
/* Helper threads. */
typedef unsigned long t_thread_t;
t_thread_t t_thread(void (*fn)(void *), void *arg);
void t_thread_join(t_thread_t t);

/* Memory shared with helper processes forked afterwards (zeroed). */
void *t_shared(size_t len);

/* The endpoint bound by thread/process `tid` in the caller's VM, waiting (bounded) for it to
 * bind. The caller must be bound. */
int t_ep_of(pid_t tid);
/* Wait (bounded) until thread `tid` sleeps in the kernel, i.e. is blocked in a call. */
void t_wait_blocked(pid_t tid);
/* The calling thread's id. */
pid_t t_tid(void);
/* Milliseconds of CLOCK_MONOTONIC. */
long t_now_ms(void);
/* Become user uid (gid = uid) with one supplementary group (0: none), dumpable again as that
 * user's ordinary process (changing credentials clears it). 0, or -1 with errno. */
int t_become(uid_t uid, gid_t supplementary);

#endif /* M3IPC_TESTS_HARNESS_H */
