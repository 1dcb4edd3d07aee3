/* A named FIFO opened at both ends by the worker and unlinked at once (mech_fifo.c). */
#ifndef M3BENCH_FIFO_H
#define M3BENCH_FIFO_H

int fifo_pair(int *rfd, int *wfd);

#endif
