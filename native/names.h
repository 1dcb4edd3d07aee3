/* Names of the kernel objects the worker creates, tagged with its pid so that a later worker
 * can remove what a SIGKILLed one left behind (sweep.c). */
#ifndef M3BENCH_NAMES_H
#define M3BENCH_NAMES_H

/* SysV message queue key: magic in the top bits, creator pid in the low 22 (pid_max <= 2^22). */
#define SYSV_KEY_MAGIC 0x6D000000
#define SYSV_KEY_PID_MASK 0x003FFFFF
/* FIFO paths: FIFO_DIR "/" FIFO_PREFIX "<pid>-<n>"; POSIX mqueues: "/" MQ_PREFIX "<pid>-<n>". */
#define FIFO_DIR "/tmp"
#define FIFO_PREFIX "m3bench-fifo-"
#define MQ_PREFIX "m3bench-mq-"

/* Remove stale objects of dead workers (called at start). */
void sweep_stale(void);

#endif
