/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * End-to-end test harness: a private bpfilter daemon per test, bfcli runs
 * with their exit status and output, network namespaces joined to the root
 * namespace by a veth pair, cgroups, and real traffic generated in C.
 *
 * A test sets up the fixtures it needs with e2e_env_setup() on a variable
 * declared _cleanup_e2e_env_: whatever happens, the daemon is stopped and
 * every namespace, interface and cgroup the test created is removed when
 * the variable goes out of scope. Leftovers of an earlier run that was
 * killed (names starting with "bft") are removed before the first fixture
 * is created.
 */
#ifndef BF_E2E_H
#define BF_E2E_H

#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "test.h"

/*
 * Every assertion failure of an e2e test is counted, so the fixtures know
 * when to print the daemon's log. test.h keeps its own count private, hence
 * ASSERT_TRUE() (which the other ASSERT_*() expand to) is wrapped here.
 */
extern int e2e_nfailures;
#undef ASSERT_TRUE
#define ASSERT_TRUE(cond, ...)                                         \
	({                                                             \
		bool _ok_ = (cond);                                    \
		if (!_ok_) {                                           \
			e2e_nfailures++;                               \
			bf_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		}                                                      \
		_ok_;                                                  \
	})

/* Prefix of every object the harness creates: netns, veth, cgroup. */
#define E2E_PREFIX "bft"

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * hybrid systems); NULL if it isn't. */
const char *e2e_cgroup_root(void);

struct e2e_daemon {
	pid_t pid; /* 0 when not running */
	char sock[108];
	char log[64];
	/* Flags instead of the default "--transient" (NULL-terminated). */
	const char *args[12];
};

/* What a bfcli run gave. */
struct e2e_out {
	int status; /* exit status; -1 if killed by a signal or timed out */
	char *out;
	char *err;
};

/*
 * A network namespace "bft<pid>_<n>" and a veth pair: host_if in the root
 * namespace (10.213.N.1/24, fd00:bf:N::1/64), ns_if inside
 * (10.213.N.2/24, fd00:bf:N::2/64).
 */
struct e2e_netns {
	bool created;
	unsigned int n;
	char name[32];
	char host_if[IF_NAMESIZE];
	char ns_if[IF_NAMESIZE];
	unsigned int host_ifindex;
	char host4[16];
	char ns4[16];
	char host6[48];
	char ns6[48];
};

/* A cgroup v2 "bft<pid>_<n>" under e2e_cgroup_root(). */
struct e2e_cgroup {
	bool created;
	char path[256];
};

enum e2e_fixture {
	E2E_DAEMON = 1U << 0,
	E2E_NETNS = 1U << 1,
	E2E_CGROUP = 1U << 2,
};

/* One test's world. */
struct e2e_env {
	unsigned int flags; /* enum e2e_fixture */
	int nfailures_at_start;
	struct e2e_daemon daemon;
	struct e2e_netns ns;
	struct e2e_cgroup cg;
};

/*
 * Create the fixtures in @flags. On failure the test is marked failed
 * (or skipped, when not root) and false is returned; what was created is
 * still removed by e2e_env_teardown().
 */
bool e2e_env_setup(struct e2e_env *env, unsigned int flags);
/* Stop the daemon (printing its log if the test failed) and remove every
 * fixture. Idempotent. */
void e2e_env_teardown(struct e2e_env *env);
#define _cleanup_e2e_env_ __attribute__((cleanup(e2e_env_teardown)))

/* Remove every leftover "bft*" object whose run is over. Done once by the
 * first e2e_env_setup(). */
void e2e_remove_stale(void);

/* Wait for @pid, SIGKILL past @timeout_ms. Its exit status, -1 if a
 * signal ended it. */
int e2e_reap(pid_t pid, int timeout_ms);

/* Binary @name next to the running bf_selftests (build/bin/). */
const char *e2e_bin(const char *name);

int e2e_daemon_start(struct e2e_daemon *d);
/* SIGTERM and wait; the exit status, -1 if it had to be killed. With
 * @keep_log (a failed test) or -v, print the daemon's log; with @keep_log,
 * keep the log file. */
int e2e_daemon_stop(struct e2e_daemon *d, bool keep_log);
/* The daemon process still exists (has not exited). */
bool e2e_daemon_alive(struct e2e_daemon *d);
void e2e_daemon_print_log(const struct e2e_daemon *d);
/* Print a daemon log file on stderr, without libbpf's lines. */
void e2e_print_log(const char *path);
/* Run @argv (NULL-terminated), output discarded unless -v, killed past
 * 10 s. Its exit status. */
int e2e_run(char *const argv[]);
/* Run a command given as one printf-formatted string of space-separated
 * words (no quoting): e2e_run() of those words. */
int e2e_cmd(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run "bfcli --socket SOCK ARGS...": the arguments end with NULL. Frees what
 * @out held before. Returns out->status.
 */
int e2e_bfcli(const struct e2e_daemon *d, struct e2e_out *out, ...)
	__attribute__((sentinel));

/* Called in a forked client before it runs bfcli, e.g. to enter other
 * namespaces. Returns 0 or a negative errno. */
typedef int (*e2e_enter_fn)(const void *arg);
/* e2e_bfcli() on socket @sock, in a child that first calls @enter(@arg)
 * (when not NULL); @ap: the arguments, ending with NULL. */
int e2e_bfcli_va(const char *sock, e2e_enter_fn enter, const void *arg, struct e2e_out *out,
		 va_list ap);
/* What was written to @fd (rewound first), in a new string; NULL if out of
 * memory. */
char *e2e_read_fd(int fd);
void e2e_out_clean(struct e2e_out *out);
#define _cleanup_e2e_out_ __attribute__((cleanup(e2e_out_clean)))

/* Assert a bfcli run succeeded, showing its stderr if not. */
#define ASSERT_BFCLI_OK(o, what)                                                    \
	ASSERT_TRUE((o)->status == 0, "%s: bfcli exited with %d, stderr: %s", what, \
		    (o)->status, (o)->err ? (o)->err : "")

/* Assert a bfcli run failed with a one-line error containing @needle. */
#define ASSERT_BFCLI_FAILS(o, needle, what)                                          \
	({                                                                          \
		bool _r_ = ASSERT_TRUE((o)->status > 0, "%s: bfcli exited with %d", \
				       what, (o)->status);                          \
		_r_ &= ASSERT_TRUE(e2e_one_line((o)->err),                          \
				   "%s: stderr is not one line: '%s'", what,        \
				   (o)->err);                                       \
		_r_ &= ASSERT_TRUE(e2e_contains((o)->err, needle),                  \
				   "%s: stderr lacks '%s': '%s'", what, needle,     \
				   (o)->err);                                       \
		_r_;                                                                \
	})

/* Run bfcli (arguments after @what, without the final NULL) and assert it
 * succeeded. Evaluates to the assertion's result. */
#define ASSERT_BFCLI(d, what, ...)                                  \
	({                                                          \
		struct e2e_out _o_ = {};                            \
		bool _r_;                                           \
		e2e_bfcli((d), &_o_, __VA_ARGS__, NULL);            \
		_r_ = ASSERT_BFCLI_OK(&_o_, what);                  \
		e2e_out_clean(&_o_);                                \
		_r_;                                                \
	})

bool e2e_contains(const char *haystack, const char *needle);
/* Exactly one non-empty line (a trailing newline allowed). */
bool e2e_one_line(const char *s);

/* Counters of one chain, as bfcli prints them. -1: not printed. */
#define E2E_MAX_RULES 16
struct e2e_counters {
	long long policy_pkts;
	long long policy_bytes;
	long long error_pkts;
	size_t nrules;
	long long rule_pkts[E2E_MAX_RULES];
	long long rule_bytes[E2E_MAX_RULES];
};

/* Parse chain @name's counters out of "chain get" or "ruleset get" output.
 * -ENOENT if the chain isn't there. */
int e2e_parse_counters(const char *text, const char *name, struct e2e_counters *c);
/* Run "chain get --name @name" and parse it. */
int e2e_chain_counters(const struct e2e_daemon *d, const char *name, struct e2e_counters *c);
/* "ruleset get" without its counters lines, in a new string (free() it);
 * NULL if bfcli failed. */
char *e2e_ruleset_snapshot(const struct e2e_daemon *d);

/* Where a process runs: a namespace (NULL: the root one) and a cgroup
 * (NULL: ours). */
struct e2e_ep {
	const struct e2e_netns *ns;
	const struct e2e_cgroup *cg;
};

#define E2E_ROOT (&(const struct e2e_ep){ 0 })
#define E2E_IN_NS(nsp) (&(const struct e2e_ep){ .ns = (nsp) })
#define E2E_IN_CG(cgp) (&(const struct e2e_ep){ .cg = (cgp) })

/*
 * Send @count UDP datagrams from a process in @src to @addr:@port, received
 * by a socket bound to the port (any address) by a process in @dst. Returns
 * how many arrived, or a negative errno if the exchange couldn't be set up.
 */
int e2e_udp(const struct e2e_ep *src, const struct e2e_ep *dst, const char *addr,
	    uint16_t port, int count);
/* Connect over TCP from @src to @addr:@port, listened on in @dst: 0 if it
 * connected, -ETIMEDOUT, -ECONNREFUSED, ... otherwise. */
int e2e_tcp_connect(const struct e2e_ep *src, const struct e2e_ep *dst, const char *addr,
		    uint16_t port);
/* Send @count ICMP/ICMPv6 echo requests from @src to @addr; the number of
 * replies. */
int e2e_ping(const struct e2e_ep *src, const char *addr, int count);

/* A background process sending UDP datagrams to @addr on each port of
 * @ports in turn, one every @interval_us, until stopped. */
struct e2e_stream {
	pid_t pid;
};
int e2e_stream_start(struct e2e_stream *s, const struct e2e_ep *src, const char *addr,
		     const uint16_t *ports, size_t nports, unsigned int interval_us);
void e2e_stream_stop(struct e2e_stream *s);
#define _cleanup_e2e_stream_ __attribute__((cleanup(e2e_stream_stop)))

/* UDP sockets in the calling process. */
int e2e_udp_open(int family, uint16_t port);
void e2e_udp_drain(int fd);
/* Datagrams arriving on each of @fds during @ms milliseconds. */
void e2e_udp_count(const int *fds, size_t nfds, int ms, int *counts);

/* Datagrams per traffic check, and the smallest packet the harness sends
 * (IPv4 + UDP + 12 bytes of payload). */
#define E2E_NPKTS 10
#define E2E_MIN_PKT_BYTES 40

#define ASSERT_FLOWS(n, what) ASSERT_EQ((n), E2E_NPKTS, what)
#define ASSERT_DROPPED(n, what) ASSERT_EQ((n), 0, what)

/* E2E_NPKTS datagrams from the namespace to the root side's address. */
static inline int e2e_udp_in(const struct e2e_env *env, uint16_t port)
{
	return e2e_udp(E2E_IN_NS(&env->ns), E2E_ROOT, env->ns.host4, port, E2E_NPKTS);
}

static inline int e2e_udp6_in(const struct e2e_env *env, uint16_t port)
{
	return e2e_udp(E2E_IN_NS(&env->ns), E2E_ROOT, env->ns.host6, port, E2E_NPKTS);
}

/* E2E_NPKTS datagrams from the root namespace to the namespace's address. */
static inline int e2e_udp_out(const struct e2e_env *env, uint16_t port)
{
	return e2e_udp(E2E_ROOT, E2E_IN_NS(&env->ns), env->ns.ns4, port, E2E_NPKTS);
}

/*
 * Assert, from "chain get", that rule @rule of @chain counted @pkts packets
 * (and at least E2E_MIN_PKT_BYTES bytes each), that the policy counted at
 * least @min_policy packets and the error counter nothing.
 */
void e2e_check_counters(const struct e2e_env *env, const char *chain, size_t rule,
			long long pkts, long long min_policy);
/* Assert "chain get --name @name" fails. */
void e2e_check_chain_absent(const struct e2e_env *env, const char *name);

/* Write @text into a new temporary file; its path in @path. */
int e2e_write_tmp(const char *text, char *path, size_t len);

enum e2e_xdp_mode {
	E2E_XDP_NONE = 0,
	E2E_XDP_DRV,
	E2E_XDP_GENERIC,
	E2E_XDP_OTHER,
};
/* How an XDP program is attached to @ifname (in this namespace), from
 * "ip link show": "xdp" is driver mode, "xdpgeneric" generic mode. */
enum e2e_xdp_mode e2e_xdp_mode(const char *ifname);

/* ---------------------------------------------------------------------
 * More fixtures and probes (issue 4: logs, REDIRECT, socket-address hooks)
 */

/* One more namespace and veth pair, like env->ns (removed with
 * e2e_netns_del(), which is idempotent). */
int e2e_netns_add(struct e2e_netns *ns);
void e2e_netns_del(struct e2e_netns *ns);
#define _cleanup_e2e_netns_ __attribute__((cleanup(e2e_netns_del)))

/*
 * Send @count UDP datagrams from @src to @addr:@port and count those seen
 * arriving on interface @ifname by a packet socket in @sniff (any MAC or
 * IP destination: redirected packets too). Returns the count, or a
 * negative errno.
 */
int e2e_udp_sniff(const struct e2e_ep *src, const struct e2e_ep *sniff, const char *ifname,
		  const char *addr, uint16_t port, int count);
/* One sendto() of a UDP datagram from a process in @src: 0 or -errno
 * (-EPERM when a cgroup program refused it). */
int e2e_udp_send_errno(const struct e2e_ep *src, const char *addr, uint16_t port);

/* A bfcli left running ("chain logs"), its output read as it comes. */
struct e2e_bg {
	pid_t pid; /* 0 once reaped */
	int out; /* read ends of its stdout and stderr pipes */
	int err;
	char *out_text; /* what it wrote so far */
	size_t out_len;
	char *err_text;
	size_t err_len;
	bool exited;
	int status; /* once exited: exit status, -1 for a signal */
};

int e2e_bfcli_start(const struct e2e_daemon *d, struct e2e_bg *bg, ...)
	__attribute__((sentinel));
/* Read its output until stdout has @nlines lines or @ms passed; the number
 * of lines. */
size_t e2e_bg_read(struct e2e_bg *bg, size_t nlines, int ms);
/* Has it not exited yet? */
bool e2e_bg_running(struct e2e_bg *bg);
/* Wait up to @ms for it to exit on its own: its exit status, or
 * -ETIMEDOUT. Reads what is left of its output. */
int e2e_bg_wait(struct e2e_bg *bg, int ms);
/* SIGINT (as Ctrl+C), wait, read what is left: its exit status. */
int e2e_bg_stop(struct e2e_bg *bg);
void e2e_bg_clean(struct e2e_bg *bg);
#define _cleanup_e2e_bg_ __attribute__((cleanup(e2e_bg_clean)))

/* Wait up to @ms for @needle to appear in the daemon's log. */
bool e2e_daemon_log_wait(const struct e2e_daemon *d, const char *needle, int ms);
/* Kernel id of the (first) program named @name, 0 if none. */
uint32_t e2e_prog_id(const char *name);

#endif /* BF_E2E_H */
