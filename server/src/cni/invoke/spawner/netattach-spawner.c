// netattach-spawner: starts CNI plugins for netattachd, so the daemon does not fork itself.
//
// Why it exists: Node 20's libuv starts every child with fork(). The daemon pays ~5 ms of CPU
// per plugin (page tables of its whole heap copied, then copy-on-write faults), and that grows
// with its RSS; vfork here costs ~0.1 ms whatever the daemon's size. This process is ~1 MB.
//
// What it does, and nothing more: read requests from stdin, start each plugin with vfork+execve
// in a new session (its own process group, like `detached: true`), in a given network namespace
// when asked (setns before execve: netattachd's own `ip` runs in a pod's netns without an
// nsenter exec), feed its stdin, collect its
// stdout (bounded: over the limit the group is killed) and the tail of its stderr, reap it, and
// write one reply per run to stdout. Timeouts, aborts, retries and every error message stay in
// the daemon (spawn-exec.ts), which kills a run's group with a kill request; that request also
// ends a run whose plugin exited while something it started still holds its stdout.
//
// One more job, for the check every ADD makes before its first plugin (and every DEL's look at
// the pod's interfaces): list a netns's links. A forked child enters the netns and asks the
// kernel (rtnetlink, one RTM_GETLINK dump) and writes what `ip -j link show` would say of each
// link's name, MAC and altnames, as a run's stdout: ~0.3 ms where exec'ing ip took ~6 on the
// 2-core VM. Forked, not vforked: the child does more than exec, and this process is small.
//
// Lifetimes: the kernel kills this process when the daemon dies (PR_SET_PDEATHSIG), and every
// plugin when this process dies, so a SIGKILLed daemon leaves no plugin running; stdin at EOF
// (the daemon closed it) kills every running group and exits.
//
// Wire format (host byte order, both ways): frames of u32 length + payload.
//   request  spawn: u8 1, u32 id, u32 max_stdout, u32 max_stderr, str netns (empty: the
//                   spawner's own), u32 argc, argc × str, u32 envc, envc × str, u32 stdin_len,
//                   stdin bytes                                            (str = u32 len + bytes)
//   request  kill:  u8 2, u32 id
//   request  links: u8 3, u32 id, u32 max_stdout, str netns   (its reply is a run's: exit 0 and
//                   stdout [{"ifname","address","altnames"}], or exit 1 and why on stderr)
//   reply:          u32 id, u8 kind, i32 value, u32 stdout_len, stdout, u32 stderr_len, stderr,
//                   u32 stderr_dropped
//     kind 0 exited (value = exit code), 1 killed by a signal (value = signal),
//     2 could not start (value = errno), 3 stdout over max_stdout (group killed; no stdout),
//     4 could not enter the netns (value = errno of open or setns; nothing was started)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FRAME (64u << 20)

enum { OP_SPAWN = 1, OP_KILL = 2, OP_LINKS = 3 };
enum { KIND_EXITED = 0, KIND_SIGNALED = 1, KIND_SPAWN_FAILED = 2, KIND_OVERFLOW = 3, KIND_NETNS_FAILED = 4 };

typedef struct {
  uint8_t *data;
  size_t len, cap;
} buf_t;

typedef struct run {
  struct run *next;
  uint32_t id;
  pid_t pid;
  int in_fd, out_fd, err_fd; // -1 once closed
  buf_t in;                  // what is left to write to the plugin's stdin
  size_t in_off;
  buf_t out;
  uint32_t max_out;
  buf_t err; // the tail: at most 2 × max_err, trimmed to max_err on reply
  uint32_t max_err;
  uint64_t err_dropped;
  int exited, status, killed, overflow;
} run_t;

static run_t *runs;
static buf_t req_in, reply_out;
static int stdin_open = 1;

static void die(const char *what) {
  fprintf(stderr, "netattach-spawner: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void buf_reserve(buf_t *b, size_t more) {
  if (b->len + more <= b->cap) return;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + more) cap *= 2;
  uint8_t *p = realloc(b->data, cap);
  if (!p) die("out of memory");
  b->data = p;
  b->cap = cap;
}

static void buf_put(buf_t *b, const void *p, size_t n) {
  buf_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void buf_u32(buf_t *b, uint32_t v) { buf_put(b, &v, 4); }

static void buf_free(buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) die("fcntl");
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/**
 * Kills the run's group, also after its leader exited (what it started may hold its pipes), and
 * marks the run killed: it is finished once reaped, whoever still holds its pipes.
 */
static void kill_group(run_t *r) {
  if (r->killed) return;
  r->killed = 1;
  // A reaped leader's pid may be another process's by now: only its group is still ours.
  if (kill(-r->pid, SIGKILL) < 0 && !r->exited) kill(r->pid, SIGKILL);
}

static void reply(uint32_t id, uint8_t kind, int32_t value, const buf_t *out, const uint8_t *err, uint32_t err_len,
                  uint64_t err_dropped) {
  uint32_t out_len = out ? (uint32_t)out->len : 0;
  uint32_t len = 4 + 1 + 4 + 4 + out_len + 4 + err_len + 4;
  buf_u32(&reply_out, len);
  buf_u32(&reply_out, id);
  buf_put(&reply_out, &kind, 1);
  buf_put(&reply_out, &value, 4);
  buf_u32(&reply_out, out_len);
  if (out_len) buf_put(&reply_out, out->data, out_len);
  buf_u32(&reply_out, err_len);
  if (err_len) buf_put(&reply_out, err, err_len);
  buf_u32(&reply_out, err_dropped > UINT32_MAX ? UINT32_MAX : (uint32_t)err_dropped);
}

static void finish(run_t *r) {
  size_t keep = r->err.len > r->max_err ? r->max_err : r->err.len;
  uint64_t dropped = r->err_dropped + (r->err.len - keep);
  const uint8_t *tail = r->err.data ? r->err.data + (r->err.len - keep) : NULL;
  if (r->overflow) {
    reply(r->id, KIND_OVERFLOW, 0, NULL, tail, (uint32_t)keep, dropped);
  } else if (WIFSIGNALED(r->status)) {
    reply(r->id, KIND_SIGNALED, WTERMSIG(r->status), &r->out, tail, (uint32_t)keep, dropped);
  } else {
    reply(r->id, KIND_EXITED, WEXITSTATUS(r->status), &r->out, tail, (uint32_t)keep, dropped);
  }
  close_fd(&r->in_fd);
  close_fd(&r->out_fd);
  close_fd(&r->err_fd);
  buf_free(&r->in);
  buf_free(&r->out);
  buf_free(&r->err);
}

/** Done: reaped, and its pipes at EOF, or killed by us (a grandchild may hold the pipes open: they are closed unread). */
static int run_done(const run_t *r) { return r->exited && (r->killed || (r->out_fd < 0 && r->err_fd < 0)); }

// ---- request parsing ------------------------------------------------------------------------

typedef struct {
  const uint8_t *p, *end;
  int bad;
} reader_t;

static uint32_t rd_u32(reader_t *rd) {
  uint32_t v = 0;
  if (rd->end - rd->p < 4) {
    rd->bad = 1;
    return 0;
  }
  memcpy(&v, rd->p, 4);
  rd->p += 4;
  return v;
}

/** A NUL-terminated copy of the next string; NULL (and bad) when the frame is short or it holds a NUL. */
static char *rd_str(reader_t *rd) {
  uint32_t n = rd_u32(rd);
  if (rd->bad || (size_t)(rd->end - rd->p) < n || memchr(rd->p, 0, n)) {
    rd->bad = 1;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (!s) die("out of memory");
  memcpy(s, rd->p, n);
  s[n] = 0;
  rd->p += n;
  return s;
}

static char **rd_strs(reader_t *rd) {
  uint32_t n = rd_u32(rd);
  if (rd->bad || n > (uint32_t)(rd->end - rd->p) / 4) {
    rd->bad = 1;
    return NULL;
  }
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (!v) die("out of memory");
  for (uint32_t i = 0; i < n && !rd->bad; i++) v[i] = rd_str(rd);
  return v;
}

static void free_strs(char **v) {
  if (!v) return;
  for (char **s = v; *s; s++) free(*s);
  free(v);
}

// ---- starting a plugin ------------------------------------------------------------------------

static pid_t self_pid;

/**
 * vfork child: only async-signal-safe calls. The errno of a failed setns or exec goes back in
 * *exec_errno (shared memory), and *netns_failed says which one failed.
 */
static pid_t start_child(char **argv, char **envp, int netns_fd, int in_r, int out_w, int err_w,
                         volatile int *exec_errno, volatile int *netns_failed) {
  pid_t pid = vfork();
  if (pid != 0) return pid;
  sigset_t none;
  sigemptyset(&none);
  // Dies with this process, as this process dies with the daemon; a parent gone already: stop.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self_pid) {
    *exec_errno = errno ? errno : ESRCH;
    _exit(127);
  }
  // Only this child's namespace changes: namespaces are per task, and vfork shares memory, not them.
  if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0) {
    *exec_errno = errno;
    *netns_failed = 1;
    _exit(127);
  }
  signal(SIGPIPE, SIG_DFL);
  sigprocmask(SIG_SETMASK, &none, NULL);
  setsid();
  if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) {
    *exec_errno = errno;
    _exit(127);
  }
  execve(argv[0], argv, envp);
  *exec_errno = errno;
  _exit(127);
}

/** Opens the netns a run is to enter; on failure replies for the run and returns -2. */
static int open_netns(uint32_t id, const char *netns) {
  int fd = open(netns, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    reply(id, KIND_NETNS_FAILED, errno, NULL, NULL, 0, 0);
    return -2;
  }
  return fd;
}

/** Tracks a started child: its stdout and stderr are read, its stdin (if any, -1 if not) fed, until it is reaped. */
static run_t *add_run(uint32_t id, pid_t pid, int in_fd, int out_fd, int err_fd, uint32_t max_out, uint32_t max_err) {
  run_t *r = calloc(1, sizeof *r);
  if (!r) die("out of memory");
  r->id = id;
  r->pid = pid;
  r->in_fd = in_fd;
  r->out_fd = out_fd;
  r->err_fd = err_fd;
  r->max_out = max_out;
  r->max_err = max_err;
  if (in_fd >= 0) set_nonblock(in_fd);
  set_nonblock(out_fd);
  set_nonblock(err_fd);
  r->next = runs;
  runs = r;
  return r;
}

static void spawn_run(reader_t *rd) {
  uint32_t id = rd_u32(rd), max_out = rd_u32(rd), max_err = rd_u32(rd);
  char *netns = rd_str(rd);
  char **argv = rd->bad ? NULL : rd_strs(rd);
  char **envp = rd->bad ? NULL : rd_strs(rd);
  uint32_t in_len = rd_u32(rd);
  if (rd->bad || !netns || !argv || !argv[0] || !envp || (size_t)(rd->end - rd->p) != in_len) {
    fprintf(stderr, "netattach-spawner: malformed spawn request %u\n", id);
    exit(1);
  }
  int netns_fd = netns[0] != 0 ? open_netns(id, netns) : -1; // "": the spawner's own
  free(netns);
  if (netns_fd == -2) {
    free_strs(argv);
    free_strs(envp);
    return;
  }
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    int e = errno;
    int *fds[] = {&in[0], &in[1], &out[0], &out[1], &err[0], &err[1]};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) close_fd(fds[i]); // those a partial failure made
    reply(id, KIND_SPAWN_FAILED, e, NULL, NULL, 0, 0);
    close_fd(&netns_fd);
    free_strs(argv);
    free_strs(envp);
    return;
  }
  volatile int exec_errno = 0, netns_failed = 0;
  pid_t pid = start_child(argv, envp, netns_fd, in[0], out[1], err[1], &exec_errno, &netns_failed);
  int spawn_errno = pid < 0 ? errno : exec_errno;
  close_fd(&netns_fd);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  free_strs(argv);
  free_strs(envp);
  if (spawn_errno != 0) {
    if (pid > 0) waitpid(pid, NULL, 0);
    close(in[1]);
    close(out[0]);
    close(err[0]);
    reply(id, netns_failed ? KIND_NETNS_FAILED : KIND_SPAWN_FAILED, spawn_errno, NULL, NULL, 0, 0);
    return;
  }
  run_t *r = add_run(id, pid, in[1], out[0], err[0], max_out, max_err);
  if (in_len) buf_put(&r->in, rd->p, in_len);
  else close_fd(&r->in_fd);
}

// ---- listing a netns's links (OP_LINKS) ---------------------------------------------------------

static void json_str(buf_t *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  buf_put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      buf_put(b, "\\", 1);
      buf_put(b, &s[i], 1);
    } else if (c < 0x20) {
      char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      buf_put(b, esc, sizeof esc);
    } else {
      buf_put(b, &s[i], 1);
    }
  }
  buf_put(b, "\"", 1);
}

static size_t attr_strlen(const struct rtattr *a) { return strnlen(RTA_DATA(a), RTA_PAYLOAD(a)); }

/** One RTM_NEWLINK as {"ifname","address","altnames"}; nothing for a message without a name. */
static void link_json(buf_t *b, struct nlmsghdr *h, int *first) {
  struct ifinfomsg *ifi = NLMSG_DATA(h);
  int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof *ifi);
  const struct rtattr *name = NULL, *addr = NULL;
  struct rtattr *props = NULL;
  for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    unsigned short type = a->rta_type & NLA_TYPE_MASK;
    if (type == IFLA_IFNAME) name = a;
    else if (type == IFLA_ADDRESS) addr = a;
    else if (type == IFLA_PROP_LIST) props = a;
  }
  if (!name) return;
  if (!*first) buf_put(b, ",", 1);
  *first = 0;
  buf_put(b, "{\"ifname\":", 10);
  json_str(b, RTA_DATA(name), attr_strlen(name));
  if (addr && RTA_PAYLOAD(addr) > 0) {
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = RTA_DATA(addr);
    buf_put(b, ",\"address\":\"", 12);
    for (size_t i = 0; i < RTA_PAYLOAD(addr); i++) {
      char x[3] = {':', hex[p[i] >> 4], hex[p[i] & 15]};
      buf_put(b, i == 0 ? x + 1 : x, i == 0 ? 2 : 3);
    }
    buf_put(b, "\"", 1);
  }
  if (props) {
    int plen = (int)RTA_PAYLOAD(props), any = 0;
    for (struct rtattr *a = RTA_DATA(props); RTA_OK(a, plen); a = RTA_NEXT(a, plen)) {
      if ((a->rta_type & NLA_TYPE_MASK) != IFLA_ALT_IFNAME) continue;
      buf_put(b, any ? "," : ",\"altnames\":[", any ? 1 : 13);
      any = 1;
      json_str(b, RTA_DATA(a), attr_strlen(a));
    }
    if (any) buf_put(b, "]", 1);
  }
  buf_put(b, "}", 1);
}

/** The links of the calling thread's netns as JSON into `b`; 0, or an errno. */
static int dump_links(buf_t *b) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return errno;
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifi;
  } req = {.nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
                  .nlmsg_type = RTM_GETLINK,
                  .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                  .nlmsg_seq = 1},
           .ifi = {.ifi_family = AF_UNSPEC}};
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) return errno;
  static uint8_t msg[1 << 16];
  int first = 1;
  buf_put(b, "[", 1);
  for (;;) {
    ssize_t n = recv(fd, msg, sizeof msg, MSG_TRUNC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if ((size_t)n > sizeof msg) return EMSGSIZE;
    int left = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)msg; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) {
        buf_put(b, "]\n", 2);
        return 0;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        int err = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
        return err > 0 ? err : EIO;
      }
      if (h->nlmsg_type == RTM_NEWLINK) link_json(b, h, &first);
    }
  }
}

/** Forked child of OP_LINKS: enter the netns, list, write; the parent reaps it like a plugin. */
static void links_child(int netns_fd, int out_w, int err_w) {
  buf_t b = {0};
  const char *step = "setns";
  int e = setns(netns_fd, CLONE_NEWNET) < 0 ? errno : (step = "rtnetlink link dump", dump_links(&b));
  if (e != 0) {
    dprintf(err_w, "%s: %s\n", step, strerror(e));
    _exit(1);
  }
  for (size_t off = 0; off < b.len;) {
    ssize_t n = write(out_w, b.data + off, b.len - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) _exit(1);
    off += (size_t)n;
  }
  _exit(0);
}

static void links_run(reader_t *rd) {
  uint32_t id = rd_u32(rd), max_out = rd_u32(rd);
  char *netns = rd_str(rd);
  if (rd->bad || !netns || rd->p != rd->end) {
    fprintf(stderr, "netattach-spawner: malformed links request %u\n", id);
    exit(1);
  }
  int netns_fd = open_netns(id, netns);
  free(netns);
  if (netns_fd < 0) return;
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
    int e = errno;
    int *fds[] = {&out[0], &out[1], &err[0], &err[1], &netns_fd};
    for (size_t i = 0; i < sizeof fds / sizeof *fds; i++) close_fd(fds[i]);
    reply(id, KIND_SPAWN_FAILED, e, NULL, NULL, 0, 0);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    // Dies with this process; its own group, so a kill request reaches it as it reaches a plugin's.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self_pid) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    // Nothing else of this process's stays open in it (other runs' stdin pipes would not see EOF).
    if (dup2(netns_fd, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(127);
    close_range(3, ~0U, 0);
    links_child(0, 1, 2);
  }
  int e = errno;
  close_fd(&netns_fd);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    close(out[0]);
    close(err[0]);
    reply(id, KIND_SPAWN_FAILED, e, NULL, NULL, 0, 0);
    return;
  }
  add_run(id, pid, -1, out[0], err[0], max_out, 4096);
}

static void handle_frame(const uint8_t *p, uint32_t len) {
  reader_t rd = {p + 1, p + len, 0};
  if (len < 1) {
    fprintf(stderr, "netattach-spawner: empty request\n");
    exit(1);
  }
  if (p[0] == OP_SPAWN) {
    spawn_run(&rd);
  } else if (p[0] == OP_LINKS) {
    links_run(&rd);
  } else if (p[0] == OP_KILL) {
    uint32_t id = rd_u32(&rd);
    for (run_t *r = runs; r; r = r->next)
      if (r->id == id) kill_group(r);
  } else {
    fprintf(stderr, "netattach-spawner: unknown request op %u\n", p[0]);
    exit(1);
  }
}

static void read_requests(void) {
  buf_reserve(&req_in, 65536);
  ssize_t n = read(0, req_in.data + req_in.len, req_in.cap - req_in.len);
  if (n == 0) {
    stdin_open = 0;
    return;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    die("read requests");
  }
  req_in.len += (size_t)n;
  size_t off = 0;
  while (req_in.len - off >= 4) {
    uint32_t len;
    memcpy(&len, req_in.data + off, 4);
    if (len > MAX_FRAME) {
      fprintf(stderr, "netattach-spawner: request of %u bytes is over the limit\n", len);
      exit(1);
    }
    if (req_in.len - off - 4 < len) {
      buf_reserve(&req_in, len + 4 - (req_in.len - off)); // room for the rest of this frame
      break;
    }
    handle_frame(req_in.data + off + 4, len);
    off += 4 + (size_t)len;
  }
  memmove(req_in.data, req_in.data + off, req_in.len - off);
  req_in.len -= off;
}

// ---- the loop ---------------------------------------------------------------------------------

static void pump_output(run_t *r, int *fd, int is_stdout) {
  uint8_t chunk[65536];
  for (;;) {
    ssize_t n = read(*fd, chunk, sizeof chunk);
    if (n > 0) {
      if (is_stdout) {
        if (r->overflow) continue;
        if (r->out.len + (size_t)n > r->max_out) {
          r->overflow = 1;
          buf_free(&r->out);
          kill_group(r);
          continue;
        }
        buf_put(&r->out, chunk, (size_t)n);
      } else {
        buf_put(&r->err, chunk, (size_t)n);
        if (r->err.len > 2 * (size_t)r->max_err) { // keep the tail only
          size_t drop = r->err.len - r->max_err;
          memmove(r->err.data, r->err.data + drop, r->max_err);
          r->err.len = r->max_err;
          r->err_dropped += drop;
        }
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    close_fd(fd); // EOF or error
    return;
  }
}

static void pump_input(run_t *r) {
  while (r->in_off < r->in.len) {
    ssize_t n = write(r->in_fd, r->in.data + r->in_off, r->in.len - r->in_off);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      break; // EPIPE: the plugin does not read its stdin
    }
    r->in_off += (size_t)n;
  }
  close_fd(&r->in_fd);
  buf_free(&r->in);
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (run_t *r = runs; r; r = r->next) {
      if (r->pid == pid) {
        r->exited = 1;
        r->status = status;
        break;
      }
    }
  }
}

static void flush_replies(void) {
  size_t off = 0;
  while (off < reply_out.len) {
    ssize_t n = write(1, reply_out.data + off, reply_out.len - off);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      exit(0); // the daemon is gone; PDEATHSIG takes the plugins with us
    }
    off += (size_t)n;
  }
  memmove(reply_out.data, reply_out.data + off, reply_out.len - off);
  reply_out.len -= off;
}

int main(int argc, char **argv) {
  // argv[1]: the daemon's pid. Die with it, and stop if it is already gone.
  if (argc != 2) {
    fprintf(stderr, "usage: netattach-spawner <daemon pid> (started by netattachd)\n");
    return 2;
  }
  self_pid = getpid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die("prctl");
  if (getppid() != (pid_t)atoi(argv[1])) return 1;
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0) die("sigprocmask");
  int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) die("signalfd");
  set_nonblock(0);
  set_nonblock(1);
  fcntl(0, F_SETFD, FD_CLOEXEC);
  fcntl(1, F_SETFD, FD_CLOEXEC);
  fcntl(2, F_SETFD, FD_CLOEXEC);

  struct pollfd *fds = NULL;
  run_t **owners = NULL;
  int *is_out = NULL;
  size_t cap = 0;
  for (;;) {
    if (!stdin_open) {
      for (run_t *r = runs; r; r = r->next) kill_group(r);
      return 0;
    }
    size_t n = 0, want = 3;
    for (run_t *r = runs; r; r = r->next) want += 3;
    if (want > cap) {
      cap = want * 2;
      fds = realloc(fds, cap * sizeof *fds);
      owners = realloc(owners, cap * sizeof *owners);
      is_out = realloc(is_out, cap * sizeof *is_out);
      if (!fds || !owners || !is_out) die("out of memory");
    }
    fds[n++] = (struct pollfd){sfd, POLLIN, 0};
    fds[n++] = (struct pollfd){0, POLLIN, 0};
    fds[n++] = (struct pollfd){1, reply_out.len ? POLLOUT : 0, 0};
    for (run_t *r = runs; r; r = r->next) {
      if (r->in_fd >= 0) owners[n] = r, is_out[n] = -1, fds[n++] = (struct pollfd){r->in_fd, POLLOUT, 0};
      if (r->out_fd >= 0) owners[n] = r, is_out[n] = 1, fds[n++] = (struct pollfd){r->out_fd, POLLIN, 0};
      if (r->err_fd >= 0) owners[n] = r, is_out[n] = 0, fds[n++] = (struct pollfd){r->err_fd, POLLIN, 0};
    }
    if (poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (fds[0].revents) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) > 0) {
      }
      reap();
    }
    for (size_t i = 3; i < n; i++) {
      if (!fds[i].revents) continue;
      run_t *r = owners[i];
      if (is_out[i] < 0) {
        if (fds[i].revents & (POLLERR | POLLHUP)) {
          close_fd(&r->in_fd);
          buf_free(&r->in);
        } else {
          pump_input(r);
        }
      } else {
        pump_output(r, is_out[i] ? &r->out_fd : &r->err_fd, is_out[i]);
      }
    }
    if (fds[1].revents) read_requests();
    reap(); // a SIGCHLD coalesced with one already read
    for (run_t **pp = &runs; *pp;) {
      run_t *r = *pp;
      if (run_done(r)) {
        finish(r);
        *pp = r->next;
        free(r);
      } else {
        pp = &r->next;
      }
    }
    if (reply_out.len) flush_replies();
  }
}
