// m3net: the paced TCP stream of tests A/B (Paper 2). One binary, two roles:
//   m3net recv --port P --flows N [--cpu C] [--busy-poll US] [--prefer-busy-poll]
//   m3net send --addrs A[,B,...] --port P --flows N --rate-mbit R --duration S [--cpu C] [--chunk B]
// The receiver prints {"ready":true,...} once listening, {"connected":true,...} once every flow is
// accepted, then one JSON result line after every flow has closed. The sender spreads flows round-robin over the addresses (one per veth pair / NIC),
// paces the aggregate to the target rate with a token bucket timed by CLOCK_MONOTONIC, and prints
// one JSON result line. Only the receiver's figures are used for throughput (bytes that arrived).
// The receiver's result also has its own context switches and CPU time from "connected" to its
// end (getrusage): the application's figures, however far away the machine it runs on is read from.
// --prefer-busy-poll sets the receiver's epoll busy-poll parameters (EPIOCSPARAMS: --busy-poll µs,
// budget 64, prefer_busy_poll 1), without which irq_suspend_timeout never suspends the device IRQ;
// a kernel that refuses them ends the receiver with the reason, so nothing else is measured. Its
// result line says what the kernel then held ("epollParams"). napi.c: `m3net napi`, `m3net probe`.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "napi.h"

#ifndef SO_BUSY_POLL
#define SO_BUSY_POLL 46
#endif
#ifndef SO_INCOMING_NAPI_ID
#define SO_INCOMING_NAPI_ID 56
#endif

#define MAX_FLOWS 64
/** Packets per epoll busy poll: NAPI_POLL_WEIGHT, the most the kernel allows without CAP_NET_ADMIN. */
#define EPOLL_BUSY_POLL_BUDGET 64
#define MAX_ADDRS 8

struct options {
  const char *role;
  char *addrs[MAX_ADDRS];
  int naddrs;
  int port;
  int flows;
  double rate_mbit;
  double duration;
  int cpu;
  int busy_poll_us;
  int prefer_busy_poll;
  size_t chunk;
};

static void die(const char *what) {
  fprintf(stdout, "{\"ok\":false,\"error\":\"%s: %s\"}\n", what, strerror(errno));
  exit(1);
}

static void usage(const char *msg) {
  fprintf(stdout, "{\"ok\":false,\"error\":\"usage: %s\"}\n", msg);
  exit(2);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pin_cpu(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
}

static void split_addrs(struct options *o, char *list) {
  for (char *tok = strtok(list, ","); tok && o->naddrs < MAX_ADDRS; tok = strtok(NULL, ","))
    o->addrs[o->naddrs++] = tok;
}

static void parse(int argc, char **argv, struct options *o) {
  if (argc < 2) usage("m3net recv|send [options]");
  *o = (struct options){.role = argv[1], .port = 5201, .flows = 1, .cpu = -1, .chunk = 65536};
  for (int i = 2; i < argc; i++) {
    const char *k = argv[i];
    if (!strcmp(k, "--prefer-busy-poll")) {
      o->prefer_busy_poll = 1;
      continue;
    }
    if (i + 1 >= argc) usage("option without value");
    char *v = argv[++i];
    if (!strcmp(k, "--addrs")) split_addrs(o, v);
    else if (!strcmp(k, "--port")) o->port = atoi(v);
    else if (!strcmp(k, "--flows")) o->flows = atoi(v);
    else if (!strcmp(k, "--rate-mbit")) o->rate_mbit = atof(v);
    else if (!strcmp(k, "--duration")) o->duration = atof(v);
    else if (!strcmp(k, "--cpu")) o->cpu = atoi(v);
    else if (!strcmp(k, "--busy-poll")) o->busy_poll_us = atoi(v);
    else if (!strcmp(k, "--chunk")) o->chunk = (size_t)atol(v);
    else usage("unknown option");
  }
  if (o->flows < 1 || o->flows > MAX_FLOWS) usage("--flows must be 1..64");
  if (o->port < 1 || o->port > 65535) usage("--port must be 1..65535");
  if (o->chunk < 1 || o->chunk > (1 << 22)) usage("--chunk must be 1..4194304");
  if (o->prefer_busy_poll && o->busy_poll_us <= 0) usage("--prefer-busy-poll needs --busy-poll US > 0");
}

static int run_recv(const struct options *o) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  if (ls < 0) die("socket");
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
  if (listen(ls, MAX_FLOWS) != 0) die("listen");
  printf("{\"ready\":true,\"pid\":%d,\"port\":%d}\n", (int)getpid(), o->port);
  fflush(stdout);

  int ep = epoll_create1(0);
  if (ep < 0) die("epoll_create1");
  struct m3_epoll_params got = {0};
  if (o->prefer_busy_poll) {
    struct m3_epoll_params want = {.busy_poll_usecs = (uint32_t)o->busy_poll_us, .busy_poll_budget = EPOLL_BUSY_POLL_BUDGET, .prefer_busy_poll = 1};
    int rc = epoll_set_params(ep, &want, &got);
    if (rc != 0) {
      errno = -rc;
      die(rc == -ENOTTY ? "EPIOCSPARAMS (epoll busy-poll parameters need Linux >= 6.9)" : "EPIOCSPARAMS");
    }
  }
  int fds[MAX_FLOWS];
  for (int i = 0; i < o->flows; i++) {
    fds[i] = accept(ls, NULL, NULL);
    if (fds[i] < 0) die("accept");
    // Busy polling is per socket, so the knob stays local to this run (no global sysctl).
    if (o->busy_poll_us > 0 &&
        setsockopt(fds[i], SOL_SOCKET, SO_BUSY_POLL, &o->busy_poll_us, sizeof o->busy_poll_us) != 0)
      die("setsockopt SO_BUSY_POLL");
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) != 0) die("epoll_ctl");
  }
  close(ls);
  struct rusage ru0;
  getrusage(RUSAGE_SELF, &ru0);
  double t0 = now_s();
  // Tells the driver when to start sampling: remote senders may connect long after "ready".
  printf("{\"connected\":true,\"flows\":%d}\n", o->flows);
  fflush(stdout);

  char *buf = malloc(1 << 20);
  if (!buf) die("malloc");
  unsigned napi[MAX_FLOWS] = {0};
  uint64_t bytes = 0;
  uint64_t reads = 0;
  double first = 0, last = 0;
  int open = o->flows;
  while (open > 0) {
    struct epoll_event evs[MAX_FLOWS];
    int n = epoll_wait(ep, evs, MAX_FLOWS, 10000);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("epoll_wait (no data for 10 s)");
    for (int e = 0; e < n; e++) {
      int i = (int)evs[e].data.u32;
      ssize_t r = recv(fds[i], buf, 1 << 20, MSG_DONTWAIT);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        // Read the NAPI id before closing: it is the proof that the traffic went through NAPI.
        socklen_t len = sizeof napi[i];
        getsockopt(fds[i], SOL_SOCKET, SO_INCOMING_NAPI_ID, &napi[i], &len);
        epoll_ctl(ep, EPOLL_CTL_DEL, fds[i], NULL);
        close(fds[i]);
        open--;
        continue;
      }
      double t = now_s();
      if (bytes == 0) first = t;
      last = t;
      bytes += (uint64_t)r;
      reads++;
    }
  }
  struct rusage ru1;
  getrusage(RUSAGE_SELF, &ru1);
  double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
  printf("{\"ok\":true,\"role\":\"recv\",\"flows\":%d,\"bytes\":%llu,\"reads\":%llu,\"seconds\":%.9f,"
         "\"napiIds\":[",
         o->flows, (unsigned long long)bytes, (unsigned long long)reads, last - first);
  for (int i = 0; i < o->flows; i++) printf("%s%u", i ? "," : "", napi[i]);
  printf("],\"rusage\":{\"seconds\":%.6f,\"voluntary\":%ld,\"involuntary\":%ld,\"cpuSeconds\":%.6f}", now_s() - t0,
         ru1.ru_nvcsw - ru0.ru_nvcsw, ru1.ru_nivcsw - ru0.ru_nivcsw, cpu);
  // What the kernel holds, read back with EPIOCGPARAMS after setting it.
  if (o->prefer_busy_poll)
    printf(",\"epollParams\":{\"busyPollUsecs\":%u,\"busyPollBudget\":%u,\"preferBusyPoll\":%u}", got.busy_poll_usecs,
           got.busy_poll_budget, got.prefer_busy_poll);
  printf("}\n");
  free(buf);
  return 0;
}

static int connect_flow(const struct options *o, int i) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
  if (inet_pton(AF_INET, o->addrs[i % o->naddrs], &a.sin_addr) != 1) usage("bad address in --addrs");
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) die("connect");
  return s;
}

static int run_send(const struct options *o) {
  if (o->naddrs < 1) usage("--addrs is required");
  if (o->rate_mbit <= 0 || o->duration <= 0) usage("--rate-mbit and --duration must be > 0");
  int fds[MAX_FLOWS];
  for (int i = 0; i < o->flows; i++) fds[i] = connect_flow(o, i);
  char *buf = calloc(1, o->chunk);
  if (!buf) die("calloc");
  const double bytes_per_s = o->rate_mbit * 1e6 / 8;
  const struct timespec tick = {0, 1000000}; // 1 ms pacing granularity
  uint64_t sent = 0;
  int next = 0;
  double start = now_s(), t = start;
  while ((t = now_s()) - start < o->duration) {
    // Token bucket: send what the schedule allows up to now, then sleep one tick.
    double allowed = (t - start) * bytes_per_s;
    while ((double)sent + (double)o->chunk <= allowed) {
      ssize_t w = send(fds[next], buf, o->chunk, MSG_NOSIGNAL);
      if (w < 0 && errno != EINTR) die("send");
      if (w > 0) sent += (uint64_t)w;
      next = (next + 1) % o->flows;
      if (now_s() - start >= o->duration) break;
    }
    clock_nanosleep(CLOCK_MONOTONIC, 0, &tick, NULL);
  }
  double elapsed = now_s() - start;
  for (int i = 0; i < o->flows; i++) close(fds[i]);
  printf("{\"ok\":true,\"role\":\"send\",\"flows\":%d,\"bytes\":%llu,\"seconds\":%.9f,\"targetMbit\":%.3f}\n",
         o->flows, (unsigned long long)sent, elapsed, o->rate_mbit);
  free(buf);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "napi")) return napi_main(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "probe")) return probe_main();
  struct options o;
  parse(argc, argv, &o);
  signal(SIGPIPE, SIG_IGN);
  pin_cpu(o.cpu);
  if (!strcmp(o.role, "recv")) return run_recv(&o);
  if (!strcmp(o.role, "send")) return run_send(&o);
  usage("role must be recv, send, napi or probe");
  return 2;
}
