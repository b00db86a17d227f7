// SPDX-License-Identifier: GPL-2.0-only
/*
 * Socket-address hooks (connect4/6, UDP sendmsg4/6). The kernel can't
 * test-run cgroup sock_addr programs, so these tests use the real thing: the
 * chain is loaded as the daemon loads it, attached to a fresh cgroup with
 * the daemon's attach code, and a child process in that cgroup makes the
 * system calls. A dropped call fails with EPERM, an allowed one does what
 * it would anyway (ECONNREFUSED on a closed local TCP port, a UDP datagram
 * sent). Counters count calls (0 bytes); log entries say which process
 * made the call, and what the socket address was.
 */
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/attach.h"
#include "daemon/prog.h"
#include "e2e.h"
#include "lib/helper.h"
#include "prog_run.h"

#define SA_COMM "bf_sockaddr_t"
#define SA_MAX_OPS 8

/* One system call the child makes. */
struct sa_op {
	int family;
	int type; /* SOCK_STREAM: connect(); SOCK_DGRAM: connect() or sendmsg() */
	bool send; /* UDP: sendmsg() (unconnected) instead of connect() */
	const char *daddr;
	uint16_t dport;
	const char *src; /* sendmsg(): source address asked for (IP(V6)_PKTINFO) */
	int want; /* 0 or the errno expected */
};

static int sa_sockaddr(const struct sa_op *op, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (op->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(op->dport);
		*len = sizeof(*in);
		return inet_pton(AF_INET, op->daddr, &in->sin_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(op->dport);
	*len = sizeof(*in6);
	return inet_pton(AF_INET6, op->daddr, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
}

/* sendmsg() with the source address @op->src asked for in a control
 * message, if any. */
static int sa_sendmsg(int fd, const struct sa_op *op, struct sockaddr_storage *ss,
		      socklen_t len)
{
	char payload[] = "bpfilter", cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo))] = {};
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
	struct msghdr msg = { .msg_name = ss, .msg_namelen = len, .msg_iov = &iov,
			      .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (op->src) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&msg);
		if (op->family == AF_INET) {
			struct in_pktinfo pi = {};

			inet_pton(AF_INET, op->src, &pi.ipi_spec_dst);
			c->cmsg_level = IPPROTO_IP;
			c->cmsg_type = IP_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
			msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		} else {
			struct in6_pktinfo pi = {};

			inet_pton(AF_INET6, op->src, &pi.ipi6_addr);
			c->cmsg_level = IPPROTO_IPV6;
			c->cmsg_type = IPV6_PKTINFO;
			c->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		}
	}
	return sendmsg(fd, &msg, 0) < 0 ? errno : 0;
}

/* Make the system call of @op: 0 or its errno. */
static int sa_do(const struct sa_op *op)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, r;

	if (sa_sockaddr(op, &ss, &len))
		return EINVAL;
	fd = socket(op->family, op->type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	if (op->send)
		r = sa_sendmsg(fd, op, &ss, len);
	else
		r = connect(fd, (struct sockaddr *)&ss, len) ? errno : 0;
	close(fd);
	return r;
}

/* Child: join @cgpath, take the name SA_COMM, make every call, write the
 * results to @out. */
static void sa_child(const char *cgpath, const struct sa_op *ops, size_t n, int out)
{
	int res[SA_MAX_OPS] = {};
	char procs[300];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgpath);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		_exit(2);
	close(fd);
	prctl(PR_SET_NAME, SA_COMM);
	for (size_t i = 0; i < n; i++)
		res[i] = sa_do(&ops[i]);
	_exit(write(out, res, sizeof(res)) == sizeof(res) ? 0 : 3);
}

/* Run @ops in a child in @cgpath; its results in @res, its pid. */
static pid_t sa_run(const char *cgpath, const struct sa_op *ops, size_t n, int *res)
{
	int p[2], status;
	pid_t pid;
	ssize_t r;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(p[0]);
		sa_child(cgpath, ops, n, p[1]);
	}
	close(p[1]);
	r = read(p[0], res, sizeof(int) * SA_MAX_OPS);
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    r != (ssize_t)(sizeof(int) * SA_MAX_OPS))
		return -ECHILD;
	return pid;
}

struct sa_log {
	struct bf_log_entry e[SA_MAX_OPS];
	size_t n;
};

static int sa_log_cb(void *ctx, void *data, size_t size)
{
	struct sa_log *log = ctx;

	if (size == sizeof(struct bf_log_entry) && log->n < SA_MAX_OPS)
		memcpy(&log->e[log->n++], data, size);
	return 0;
}

struct sa_case {
	enum bf_hook hook;
	const char *rules;
	size_t nrules;
	struct sa_op ops[SA_MAX_OPS];
	size_t nops;
	/* Per rule, calls counted; then the policy's. */
	uint64_t counts[4];
	/* The logged call (rule 0 logs): its op index. */
	size_t logged;
};

static void sa_check_log(const struct sa_case *c, const struct sa_log *log, pid_t pid)
{
	const struct sa_op *op = &c->ops[c->logged];
	const struct bf_log_entry *e = &log->e[0];
	const char *hook = tprog_hook_name(c->hook);
	uint8_t daddr[16] = {};

	if (!ASSERT_EQ(log->n, 1, "log entries"))
		return;
	inet_pton(op->family, op->daddr, daddr);
	ASSERT_TRUE(e->rule == 0 && e->verdict == BF_VERDICT_DROP && e->pkt_len == 0 &&
			    e->have == 0,
		    "%s: entry rule %u verdict %u len %u have 0x%x", hook, e->rule, e->verdict,
		    e->pkt_len, e->have);
	ASSERT_TRUE(e->pid == (uint32_t)pid && !strcmp(e->comm, SA_COMM),
		    "%s: entry pid %u comm '%.16s', expected %d '%s'", hook, e->pid, e->comm, pid,
		    SA_COMM);
	ASSERT_TRUE(!memcmp(e->pkt.daddr, daddr, 16) && ntohs(e->pkt.dport) == op->dport &&
			    e->pkt.l4_proto == (op->type == SOCK_STREAM ? 6 : 17),
		    "%s: entry's address, port %u or protocol %u", hook, ntohs(e->pkt.dport),
		    e->pkt.l4_proto);
}

static void sa_check(const struct sa_case *c, const char *cgpath)
{
	const char *hook = tprog_hook_name(c->hook);
	struct bf_counter cnt[6] = {};
	struct bf_attach *att = NULL;
	struct ring_buffer *rb = NULL;
	struct sa_log log = {};
	int res[SA_MAX_OPS];
	_cleanup_free_ char *text = NULL;
	char why[256];
	struct tprog t;
	pid_t pid;

	if (asprintf(&text, "chain t %s{cgpath=%s} ACCEPT\n%s", hook, cgpath, c->rules) < 0) {
		text = NULL;
		ASSERT_TRUE(false, "out of memory");
		return;
	}
	if (!ASSERT_TRUE(tprog_load(&t, text) == 0, "loading on %s: %s: %s", hook, t.step, t.err))
		goto out;
	if (!ASSERT_TRUE(bf_attach_new(t.chain, t.prog, &att, why, sizeof(why)) == 0,
			 "attaching on %s: %s", hook, why))
		goto out;
	rb = ring_buffer__new(t.prog->maps[BF_MAP_LOG], sa_log_cb, &log, NULL);
	if (!ASSERT_TRUE(rb != NULL, "ring_buffer__new: %s", strerror(errno)))
		goto out;

	pid = sa_run(cgpath, c->ops, c->nops, res);
	if (!ASSERT_TRUE(pid > 0, "%s: the child failed: %s", hook, strerror(-pid)))
		goto out;
	for (size_t i = 0; i < c->nops; i++)
		ASSERT_TRUE(res[i] == c->ops[i].want, "%s: call %zu (%s port %u): %s, expected %s",
			    hook, i, c->ops[i].daddr, c->ops[i].dport, strerror(res[i]),
			    strerror(c->ops[i].want));

	if (ASSERT_OK(tprog_counters(&t, cnt, c->nrules + 2), "reading counters")) {
		for (size_t i = 0; i <= c->nrules; i++)
			ASSERT_TRUE(cnt[i].packets == c->counts[i] && cnt[i].bytes == 0,
				    "%s: counter %zu: %llu calls %llu bytes, expected %llu, 0", hook,
				    i, (unsigned long long)cnt[i].packets,
				    (unsigned long long)cnt[i].bytes,
				    (unsigned long long)c->counts[i]);
		ASSERT_EQ(cnt[c->nrules + 1].packets, 0, "error counter");
	}
	if (ASSERT_TRUE(ring_buffer__consume(rb) >= 0, "reading the log"))
		sa_check_log(c, &log, pid);
out:
	ring_buffer__free(rb);
	bf_attach_detach(&att, t.prog);
	tprog_close(&t);
}

/*
 * connect() and UDP sendmsg(), IPv4 and IPv6: what a rule drops fails with
 * EPERM and counts; the rest goes through (ECONNREFUSED from a closed
 * local port, a datagram sent). On sendmsg, the source address the caller
 * asks for is matched. Rule 0 logs; the policy counts the rest.
 */
BF_TEST(prog_sock_addr)
{
	_cleanup_e2e_env_ struct e2e_env env = {};
	const struct sa_case cases[] = {
		{
			.hook = BF_HOOK_CGROUP_SOCK_ADDR_CONNECT4,
			.rules = "rule ip4.daddr 127.0.0.1 tcp.dport 47601 log counter DROP\n"
				 "rule udp.dport 47602 ip4.dnet 127.0.0.0/8 counter DROP\n"
				 "rule meta.dport 47603 meta.l4_proto tcp counter CONTINUE\n",
			.nrules = 3,
			.ops = {
				{ AF_INET, SOCK_STREAM, false, "127.0.0.1", 47601, NULL, EPERM },
				{ AF_INET, SOCK_STREAM, false, "127.0.0.1", 47603, NULL, ECONNREFUSED },
				{ AF_INET, SOCK_DGRAM, false, "127.0.0.3", 47602, NULL, EPERM },
				{ AF_INET, SOCK_DGRAM, false, "127.0.0.1", 47601, NULL, 0 },
				{ AF_INET, SOCK_STREAM, false, "127.0.0.2", 47601, NULL, ECONNREFUSED },
			},
			.nops = 5,
			.counts = { 1, 1, 1, 3 },
			.logged = 0,
		},
		{
			.hook = BF_HOOK_CGROUP_SOCK_ADDR_CONNECT6,
			.rules = "rule ip6.daddr ::1 tcp.dport 47611 log counter DROP\n"
				 "rule (ip6.daddr, udp.dport) in { ::1, 47612 } counter DROP\n",
			.nrules = 2,
			.ops = {
				{ AF_INET6, SOCK_DGRAM, false, "::1", 47612, NULL, EPERM },
				{ AF_INET6, SOCK_STREAM, false, "::1", 47611, NULL, EPERM },
				{ AF_INET6, SOCK_STREAM, false, "::1", 47612, NULL, ECONNREFUSED },
				{ AF_INET6, SOCK_DGRAM, false, "::1", 47611, NULL, 0 },
			},
			.nops = 4,
			.counts = { 1, 1, 2 },
			.logged = 1,
		},
		{
			.hook = BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG4,
			.rules = "rule ip4.daddr 127.0.0.1 udp.dport 47621 log counter DROP\n"
				 "rule ip4.saddr 127.0.0.2 udp.dport 47622 counter DROP\n",
			.nrules = 2,
			.ops = {
				{ AF_INET, SOCK_DGRAM, true, "127.0.0.1", 47621, NULL, EPERM },
				{ AF_INET, SOCK_DGRAM, true, "127.0.0.1", 47623, NULL, 0 },
				{ AF_INET, SOCK_DGRAM, true, "127.0.0.1", 47622, "127.0.0.2", EPERM },
				{ AF_INET, SOCK_DGRAM, true, "127.0.0.1", 47622, NULL, 0 },
				{ AF_INET, SOCK_DGRAM, true, "127.0.0.1", 47622, "127.0.0.1", 0 },
			},
			.nops = 5,
			.counts = { 1, 1, 3 },
			.logged = 0,
		},
		{
			.hook = BF_HOOK_CGROUP_SOCK_ADDR_SENDMSG6,
			.rules = "rule ip6.dnet ::1/128 udp.dport 47631 log counter DROP\n"
				 "rule ip6.saddr ::1 meta.dport 47632 counter DROP\n",
			.nrules = 2,
			.ops = {
				{ AF_INET6, SOCK_DGRAM, true, "::1", 47631, NULL, EPERM },
				{ AF_INET6, SOCK_DGRAM, true, "::1", 47633, NULL, 0 },
				{ AF_INET6, SOCK_DGRAM, true, "::1", 47632, "::1", EPERM },
				{ AF_INET6, SOCK_DGRAM, true, "::1", 47632, NULL, 0 },
			},
			.nops = 4,
			.counts = { 1, 1, 2 },
			.logged = 0,
		},
	};

	if (!e2e_env_setup(&env, E2E_CGROUP))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		sa_check(&cases[i], env.cg.path);
}
