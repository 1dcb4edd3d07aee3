// Per-NAPI settings over the netdev generic netlink family (Linux >= 6.13 for napi-set), and the
// epoll busy-poll parameters (EPIOCSPARAMS, Linux >= 6.9): the two halves of IRQ suspension.
#ifndef M3NET_NAPI_H
#define M3NET_NAPI_H

#include <stdint.h>

/** `m3net napi get|set ...`: prints one JSON line, returns the exit status. */
int napi_main(int argc, char **argv);

/** `m3net probe`: what this kernel offers m3net (EPIOCSPARAMS, netdev napi-set), one JSON line. */
int probe_main(void);

/** The epoll busy-poll parameters m3net sets and reads back (struct epoll_params of <linux/eventpoll.h>). */
struct m3_epoll_params {
  uint32_t busy_poll_usecs;
  uint16_t busy_poll_budget;
  uint8_t prefer_busy_poll;
  uint8_t pad;
};

/** EPIOCSPARAMS, then EPIOCGPARAMS into *got; 0 or -errno (ENOTTY: kernel < 6.9). */
int epoll_set_params(int ep, const struct m3_epoll_params *want, struct m3_epoll_params *got);

#endif
