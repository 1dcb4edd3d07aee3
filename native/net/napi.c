// Per-NAPI settings over generic netlink, family "netdev", without ynl or libnl: lab hosts and the
// rig's busybox guests have neither, and this binary is linked statically.
//   m3net napi get --ifindex N | --dev NAME | --id ID
//   m3net napi set --id ID [--irq-suspend-timeout NS] [--defer-hard-irqs N] [--gro-flush-timeout NS]
//   m3net probe
// Each prints one JSON line: {"ok":true,"napis":[{"id":..,"ifindex":..,...}]} or
// {"ok":false,"op":..,"errno":..,"errnoName":..,"error":..} with the kernel's extended ack message
// when it gave one (a kernel without napi-set answers EOPNOTSUPP; an unknown attribute EINVAL).
#define _GNU_SOURCE
#include "napi.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

// The build host's linux-libc-dev may predate these; values from the upstream
// include/uapi/linux/netdev.h (generated from Documentation/netlink/specs/netdev.yaml), where
// NAPI_SET and IRQ_SUSPEND_TIMEOUT came with 6.13. They are ABI: never renumbered.
enum {
  M3_NETDEV_A_NAPI_IFINDEX = 1,
  M3_NETDEV_A_NAPI_ID = 2,
  M3_NETDEV_A_NAPI_IRQ = 3,
  M3_NETDEV_A_NAPI_PID = 4,
  M3_NETDEV_A_NAPI_DEFER_HARD_IRQS = 5,
  M3_NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT = 6,
  M3_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT = 7,
};
enum { M3_NETDEV_CMD_NAPI_GET = 11, M3_NETDEV_CMD_NAPI_SET = 14 };
#define M3_NETDEV_FAMILY_VERSION 1

// include/uapi/linux/eventpoll.h (Linux >= 6.9).
#define M3_EPOLL_IOC_TYPE 0x8A
#define M3_EPIOCSPARAMS _IOW(M3_EPOLL_IOC_TYPE, 0x01, struct m3_epoll_params)
#define M3_EPIOCGPARAMS _IOR(M3_EPOLL_IOC_TYPE, 0x02, struct m3_epoll_params)

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef NLMSGERR_ATTR_MSG
#define NLMSGERR_ATTR_MSG 1
#endif

#define BUF_SIZE 32768
#define MAX_NAPIS 256

struct napi_info {
  int has[8];
  uint64_t v[8];
};

struct request {
  struct nlmsghdr n;
  struct genlmsghdr g;
  char attrs[256];
};

/** A JSON string literal of s (quotes and control characters escaped) on stdout. */
static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static const char *errno_name(int e) {
  switch (e) {
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EINVAL: return "EINVAL";
  case ENOENT: return "ENOENT";
  case EPERM: return "EPERM";
  case ERANGE: return "ERANGE";
  case ENODEV: return "ENODEV";
  case ENOTTY: return "ENOTTY";
  case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
  default: return "E?";
  }
}

/** The failure line; `why` is the kernel's extended ack message or NULL. Exit status 1. */
static int fail(const char *op, int err, const char *why) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s%s%s", op, strerror(err), why ? ": " : "", why ? why : "");
  printf("{\"ok\":false,\"op\":");
  json_string(op);
  printf(",\"errno\":%d,\"errnoName\":\"%s\",\"error\":", err, errno_name(err));
  json_string(msg);
  printf("}\n");
  return 1;
}

static void put_attr(struct request *r, uint16_t type, const void *data, uint16_t len) {
  struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
  a->nla_type = type;
  a->nla_len = (uint16_t)(NLA_HDRLEN + len);
  memcpy((char *)a + NLA_HDRLEN, data, len);
  r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void init_request(struct request *r, uint16_t family, uint8_t cmd, uint16_t flags) {
  memset(r, 0, sizeof *r);
  r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
  r->n.nlmsg_type = family;
  r->n.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
  r->n.nlmsg_seq = 1;
  r->g.cmd = cmd;
  r->g.version = M3_NETDEV_FAMILY_VERSION;
}

static uint64_t attr_uint(const struct nlattr *a) {
  // NLA_UINT attributes (the timeouts) come as 4 or 8 bytes, whichever holds the value.
  const void *p = (const char *)a + NLA_HDRLEN;
  if (a->nla_len - NLA_HDRLEN >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  uint32_t v = 0;
  memcpy(&v, p, a->nla_len - NLA_HDRLEN >= 4 ? 4 : 0);
  return v;
}

typedef void (*on_attr_fn)(const struct nlattr *, void *);

/** Calls on_attr for each attribute in p[0..len). */
static void each_attr_in(const char *p, int len, on_attr_fn on_attr, void *ctx) {
  const struct nlattr *a = (const struct nlattr *)p;
  while (len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len) {
    on_attr(a, ctx);
    len -= NLA_ALIGN(a->nla_len);
    a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
  }
}

/** Calls on_attr for each attribute of a genl message payload. */
static void each_attr(const struct nlmsghdr *h, on_attr_fn on_attr, void *ctx) {
  each_attr_in((const char *)NLMSG_DATA(h) + GENL_HDRLEN, (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), on_attr, ctx);
}

static void ack_message_attr(const struct nlattr *a, void *ctx) {
  const char **msg = ctx;
  if (!*msg && (a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) *msg = (const char *)a + NLA_HDRLEN;
}

/** The extended ack message of an error reply, or NULL. */
static const char *ack_message(const struct nlmsghdr *h) {
  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS)) return NULL;
  const struct nlmsgerr *e = NLMSG_DATA(h);
  // With NETLINK_CAP_ACK the request comes back as its header only: TLVs follow it.
  const char *p = (const char *)e + sizeof *e, *msg = NULL;
  each_attr_in(p, (int)h->nlmsg_len - (int)(p - (const char *)h), ack_message_attr, &msg);
  return msg;
}

typedef void (*on_msg_fn)(const struct nlmsghdr *, void *);

/** Sends r and reads replies until the ack / DONE; 0, or -errno with *why the kernel's message. */
static int transact(int fd, struct request *r, on_msg_fn on_msg, void *ctx, char *why, size_t why_len) {
  why[0] = 0;
  if (send(fd, r, r->n.nlmsg_len, 0) < 0) return -errno;
  static char buf[BUF_SIZE];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        // A dump that failed part-way says so in its DONE: the error after the header.
        int err = 0;
        if (h->nlmsg_len >= NLMSG_LENGTH(sizeof err)) memcpy(&err, NLMSG_DATA(h), sizeof err);
        return err < 0 ? err : 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        const char *m = ack_message(h);
        if (m) snprintf(why, why_len, "%s", m);
        return e->error; // 0 = the ack of a request without a dump
      }
      if (on_msg) on_msg(h, ctx);
    }
  }
}

static void family_attr(const struct nlattr *a, void *ctx) {
  if (a->nla_type == CTRL_ATTR_FAMILY_ID) memcpy(ctx, (const char *)a + NLA_HDRLEN, 2);
}

static void family_msg(const struct nlmsghdr *h, void *ctx) {
  each_attr(h, family_attr, ctx);
}

/** A netlink socket with extended acks and the netdev family's id; 0 or -errno. */
static int open_netdev(int *fd, uint16_t *family, char *why, size_t why_len) {
  *fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (*fd < 0) return -errno;
  int one = 1;
  setsockopt(*fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(*fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  struct request r;
  init_request(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
  r.g.version = 2;
  put_attr(&r, CTRL_ATTR_FAMILY_NAME, "netdev", 7);
  *family = 0;
  int rc = transact(*fd, &r, family_msg, family, why, why_len);
  if (rc == 0 && *family == 0) rc = -ENOENT;
  return rc;
}

struct napi_list {
  struct napi_info napis[MAX_NAPIS];
  int count;
};

static void napi_attr(const struct nlattr *a, void *ctx) {
  struct napi_info *ni = ctx;
  if (a->nla_type >= 1 && a->nla_type <= M3_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT) {
    ni->has[a->nla_type] = 1;
    ni->v[a->nla_type] = attr_uint(a);
  }
}

static void napi_msg(const struct nlmsghdr *h, void *ctx) {
  struct napi_list *l = ctx;
  if (l->count >= MAX_NAPIS) return;
  memset(&l->napis[l->count], 0, sizeof l->napis[0]);
  each_attr(h, napi_attr, &l->napis[l->count]);
  l->count++;
}

static void print_napis(const struct napi_list *l) {
  static const char *names[8] = {NULL, "ifindex", "id", "irq", "pid", "deferHardIrqs", "groFlushTimeout", "irqSuspendTimeout"};
  printf("{\"ok\":true,\"napis\":[");
  for (int i = 0; i < l->count; i++) {
    printf("%s{", i ? "," : "");
    int first = 1;
    // Absent attributes stay absent: a kernel without irq-suspend-timeout does not report 0.
    for (int t = 1; t <= M3_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT; t++) {
      if (!l->napis[i].has[t]) continue;
      printf("%s\"%s\":%llu", first ? "" : ",", names[t], (unsigned long long)l->napis[i].v[t]);
      first = 0;
    }
    printf("}");
  }
  printf("]}\n");
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end || s[0] == '-') return -1;
  *out = v;
  return 0;
}

struct napi_args {
  uint32_t ifindex, id;
  int set[8];
  uint64_t v[8];
};

static int usage_napi(const char *msg) {
  printf("{\"ok\":false,\"error\":\"usage: %s\"}\n", msg);
  return 2;
}

static int parse_napi(int argc, char **argv, struct napi_args *a) {
  memset(a, 0, sizeof *a);
  for (int i = 3; i < argc; i += 2) {
    const char *k = argv[i];
    if (i + 1 >= argc) return -1;
    const char *v = argv[i + 1];
    uint64_t n;
    if (!strcmp(k, "--dev")) {
      a->ifindex = if_nametoindex(v);
      if (a->ifindex == 0) return -2;
      continue;
    }
    if (parse_u64(v, &n) != 0) return -1;
    if (!strcmp(k, "--ifindex")) a->ifindex = (uint32_t)n;
    else if (!strcmp(k, "--id")) a->id = (uint32_t)n;
    else if (!strcmp(k, "--irq-suspend-timeout")) a->set[M3_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT] = 1, a->v[M3_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT] = n;
    else if (!strcmp(k, "--defer-hard-irqs")) a->set[M3_NETDEV_A_NAPI_DEFER_HARD_IRQS] = 1, a->v[M3_NETDEV_A_NAPI_DEFER_HARD_IRQS] = n;
    else if (!strcmp(k, "--gro-flush-timeout")) a->set[M3_NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT] = 1, a->v[M3_NETDEV_A_NAPI_GRO_FLUSH_TIMEOUT] = n;
    else return -1;
  }
  return 0;
}

static int napi_get(int fd, uint16_t family, const struct napi_args *a) {
  struct request r;
  static struct napi_list list;
  char why[256];
  list.count = 0;
  if (a->id) {
    init_request(&r, family, M3_NETDEV_CMD_NAPI_GET, NLM_F_ACK);
    put_attr(&r, M3_NETDEV_A_NAPI_ID, &a->id, 4);
  } else {
    init_request(&r, family, M3_NETDEV_CMD_NAPI_GET, NLM_F_DUMP);
    put_attr(&r, M3_NETDEV_A_NAPI_IFINDEX, &a->ifindex, 4);
  }
  int rc = transact(fd, &r, napi_msg, &list, why, sizeof why);
  if (rc < 0) return fail("napi-get", -rc, why[0] ? why : NULL);
  print_napis(&list);
  return 0;
}

static int napi_set(int fd, uint16_t family, const struct napi_args *a) {
  struct request r;
  char why[256];
  init_request(&r, family, M3_NETDEV_CMD_NAPI_SET, NLM_F_ACK);
  put_attr(&r, M3_NETDEV_A_NAPI_ID, &a->id, 4);
  int any = 0;
  for (int t = M3_NETDEV_A_NAPI_DEFER_HARD_IRQS; t <= M3_NETDEV_A_NAPI_IRQ_SUSPEND_TIMEOUT; t++) {
    if (!a->set[t]) continue;
    any = 1;
    if (t == M3_NETDEV_A_NAPI_DEFER_HARD_IRQS) {
      uint32_t v32 = (uint32_t)a->v[t]; // NLA_U32 in the kernel's policy
      put_attr(&r, (uint16_t)t, &v32, 4);
    } else {
      put_attr(&r, (uint16_t)t, &a->v[t], 8); // NLA_UINT: 8 bytes always accepted
    }
  }
  if (!any) return usage_napi("napi set --id ID needs --irq-suspend-timeout, --defer-hard-irqs or --gro-flush-timeout");
  int rc = transact(fd, &r, NULL, NULL, why, sizeof why);
  if (rc < 0) return fail("napi-set", -rc, why[0] ? why : NULL);
  printf("{\"ok\":true,\"id\":%u}\n", a->id);
  return 0;
}

int napi_main(int argc, char **argv) {
  if (argc < 3 || (strcmp(argv[2], "get") && strcmp(argv[2], "set"))) return usage_napi("m3net napi get|set [options]");
  struct napi_args a;
  int p = parse_napi(argc, argv, &a);
  if (p == -2) return fail("if_nametoindex", ENODEV, NULL);
  if (p != 0) return usage_napi("napi get --ifindex N|--dev NAME|--id ID; napi set --id ID --irq-suspend-timeout NS ...");
  int get = !strcmp(argv[2], "get");
  if (get && !a.id && !a.ifindex) return usage_napi("napi get needs --ifindex, --dev or --id");
  if (!get && !a.id) return usage_napi("napi set needs --id");
  int fd;
  uint16_t family;
  char why[256];
  int rc = open_netdev(&fd, &family, why, sizeof why);
  if (rc < 0) return fail("genl family netdev", -rc, why[0] ? why : NULL);
  int status = get ? napi_get(fd, family, &a) : napi_set(fd, family, &a);
  close(fd);
  return status;
}

int epoll_set_params(int ep, const struct m3_epoll_params *want, struct m3_epoll_params *got) {
  if (ioctl(ep, M3_EPIOCSPARAMS, want) != 0) return -errno;
  memset(got, 0, sizeof *got);
  if (ioctl(ep, M3_EPIOCGPARAMS, got) != 0) return -errno;
  return 0;
}

int probe_main(void) {
  // EPIOCSPARAMS on a fresh epoll with harmless values: ENOTTY means a kernel before 6.9.
  int ep = epoll_create1(0);
  if (ep < 0) return fail("epoll_create1", errno, NULL);
  struct m3_epoll_params want = {.busy_poll_usecs = 0, .busy_poll_budget = 0, .prefer_busy_poll = 0}, got;
  int rc = epoll_set_params(ep, &want, &got);
  close(ep);
  int fd;
  uint16_t family;
  char why[256];
  int nl = open_netdev(&fd, &family, why, sizeof why);
  if (nl == 0) close(fd);
  printf("{\"ok\":true,\"epollParams\":%s", rc == 0 ? "true" : "false");
  if (rc != 0) printf(",\"epollParamsErrno\":\"%s\"", errno_name(-rc));
  printf(",\"netdevFamily\":%s}\n", nl == 0 ? "true" : "false");
  return 0;
}
